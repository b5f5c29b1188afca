package interop

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt"
	"github.com/seed947b3480/legation/internal/testpki"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/tlsx"
	"github.com/seed947b3480/legation/tlsx/tlsstream"
)

// The TLS listeners mosquitto opens next to its plain one: 8883 with a
// server certificate, 8884 that also requires a client certificate from
// the test's CA.
var (
	mqttTLSAddr  = netip.AddrPortFrom(mqttBrokerAddr.Addr(), 8883)
	mqttMTLSAddr = netip.AddrPortFrom(mqttBrokerAddr.Addr(), 8884)
)

// legation's MQTT client over tlsx (a tlsstream.Dialer as Config.Dialer)
// against mosquitto's TLS listener, with a certificate from a CA made for
// the test: QoS 0 and 1 both ways, each message cross-checked by
// mosquitto_sub and mosquitto_pub over TLS themselves; a client that does
// not trust the broker's CA refused with tlsx.ErrUnknownCA; and mutual TLS,
// where the broker requires the device's certificate and refuses a device
// without one.
func TestMQTTTLS(t *testing.T) {
	requireMosquitto(t)
	pki := hctNewPKI(t, net.ParseIP(mqttBrokerAddr.Addr().String()))
	client := pki.ca.Leaf(t, testpki.LeafOpts{Name: "legation-device", Client: true, LeafOnly: true})
	ns, d, broker := mqttTAP(t, mosquittoConfig{Extra: []string{
		fmt.Sprintf("listener %d %s", mqttTLSAddr.Port(), mqttTLSAddr.Addr()),
		"cafile " + pki.caFile, "certfile " + pki.certFile, "keyfile " + pki.keyFile,
		fmt.Sprintf("listener %d %s", mqttMTLSAddr.Port(), mqttMTLSAddr.Addr()),
		"cafile " + pki.caFile, "certfile " + pki.certFile, "keyfile " + pki.keyFile,
		"require_certificate true", "use_identity_as_username true",
	}})
	// mosquitto_sub and mosquitto_pub over TLS, trusting the test's CA.
	toolTLS := []string{"--cafile", pki.caFile}
	dialer := func(cfg *tlsx.Config) stream.Dialer {
		return &tlsstream.Dialer{Inner: &stream.TCP{Host: d.s, Config: tcp.Config{NoDelay: true}}, Config: cfg,
			Options: tlsstream.Options{Reactor: d.r}}
	}

	t.Run("qos", func(t *testing.T) {
		dev := startMQTTDevice(t, d, mqtt.Config{Broker: mqttTLSAddr.String(), ClientID: "legation-tls",
			CleanStart: true, NoReconnect: true, Dialer: dialer(&tlsx.Config{RootCAs: pki.roots})})
		for qos := mqtt.AtMostOnce; qos <= mqtt.AtLeastOnce; qos++ {
			topic := fmt.Sprintf("tls/up/q%d", qos)
			payloads := mqttPayloads(700 + uint64(qos))
			sub := startMosquittoSub(t, ns, mqttTLSAddr, mqttSubOpts{Topic: topic, QoS: 1, Count: len(payloads), Extra: toolTLS})
			for _, p := range payloads {
				dev.publish(topic, p, qos, false)
			}
			got := sub.wait(15 * time.Second)
			if len(got) != len(payloads) {
				t.Fatalf("device to broker, QoS %d: mosquitto_sub got %d messages, want %d: %s", qos, len(got), len(payloads), summarizeMQTT(got))
			}
			for i, m := range got {
				if m.Topic != topic || !bytes.Equal(m.Payload, payloads[i]) || m.QoS != int(qos) {
					t.Fatalf("device to broker, message %d: %s; want %d bytes at QoS %d", i, summarizeMQTT(got[i:i+1]), len(payloads[i]), qos)
				}
			}

			topic = fmt.Sprintf("tls/down/q%d", qos)
			if ack := dev.subscribe(topic, qos); ack.QoS != qos || ack.Reason >= 0x80 {
				t.Fatalf("SUBACK %+v", ack)
			}
			for i, p := range mqttPayloads(800 + uint64(qos)) {
				runMosquittoPub(t, ns, mqttTLSAddr, mqttPubOpts{Topic: topic, Payload: p, QoS: int(qos), Extra: toolTLS})
				g := dev.next(10 * time.Second)
				if g.Topic != topic || !bytes.Equal(g.Payload, p) || g.QoS != qos {
					t.Fatalf("broker to device, message %d: %s q%d, %d bytes; want %d bytes at QoS %d", i, g.Topic, g.QoS, len(g.Payload), len(p), qos)
				}
			}
		}
		dev.disconnect()
		if !broker.waitLog(1, 5*time.Second, "Received DISCONNECT from legation-tls") {
			t.Fatal("mosquitto logged no DISCONNECT from the device")
		}
	})

	t.Run("unknown-ca", func(t *testing.T) {
		dev := newMQTTDevice(t, d, mqtt.Config{Broker: mqttTLSAddr.String(), ClientID: "legation-untrusting",
			NoReconnect: true, Dialer: dialer(&tlsx.Config{RootCAs: pki.other})})
		err := dev.connectErr(15 * time.Second)
		if !errors.Is(err, tlsx.ErrUnknownCA) {
			t.Fatalf("connect: %v, want tlsx.ErrUnknownCA", err)
		}
	})

	t.Run("mutual", func(t *testing.T) {
		cert := tlsx.Certificate{Chain: client.Chain, Key: client.Key}
		dev := startMQTTDevice(t, d, mqtt.Config{Broker: mqttMTLSAddr.String(), ClientID: "legation-mtls",
			CleanStart: true, NoReconnect: true,
			Dialer: dialer(&tlsx.Config{RootCAs: pki.roots, Certificates: []tlsx.Certificate{cert}})})
		topic := "tls/mutual"
		sub := startMosquittoSub(t, ns, mqttTLSAddr, mqttSubOpts{Topic: topic, QoS: 1, Count: 1, Extra: toolTLS})
		dev.publish(topic, []byte("signed by the device"), mqtt.AtLeastOnce, false)
		if got := sub.wait(15 * time.Second); len(got) != 1 || string(got[0].Payload) != "signed by the device" {
			t.Fatalf("mosquitto_sub: %s", summarizeMQTT(got))
		}
		// use_identity_as_username: the broker took the certificate's CN.
		if !broker.waitLog(1, 5*time.Second, "legation-mtls", "u'legation-device'") {
			t.Error("mosquitto did not log the device's certificate identity")
		}
		dev.disconnect()

		// Without a certificate the broker ends the handshake.
		bare := newMQTTDevice(t, d, mqtt.Config{Broker: mqttMTLSAddr.String(), ClientID: "legation-nocert",
			NoReconnect: true, Dialer: dialer(&tlsx.Config{RootCAs: pki.roots})})
		err := bare.connectErr(15 * time.Second)
		var te *tlsx.Error
		if !errors.As(err, &te) {
			t.Fatalf("connect without a certificate: %v, want a tlsx error", err)
		}
		t.Logf("without a certificate: %v", err)
	})
}

// connectErr waits for the first connect's outcome, which the test
// expects to be an error.
func (m *mqttDevice) connectErr(timeout time.Duration) error {
	m.t.Helper()
	ok, err := m.connectOutcome(timeout)
	if !ok {
		m.t.Fatalf("mqtt: no connect outcome within %v", timeout)
	}
	return err
}
