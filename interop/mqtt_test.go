package interop

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt"
)

// mqttPayloads are the messages of each QoS case: empty, text, binary with
// NULs and newlines, and one larger than a TCP segment.
func mqttPayloads(seed uint64) [][]byte {
	rng := rand.New(rand.NewPCG(seed, 947))
	bin := make([]byte, 256)
	for i := range bin {
		bin[i] = byte(i)
	}
	big := make([]byte, 5000)
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	return [][]byte{{}, []byte("hello, mosquitto"), bin, big}
}

// legation's MQTT client against mosquitto over TAP, under 3.1.1 and 5.0:
// QoS 0, 1 and 2 from the device to the broker (mosquitto_sub receives the
// exact payloads at the QoS published) and from the broker to the device
// (mosquitto_pub publishes, the device's subscription receives the exact
// payload at the QoS granted), and retained messages both ways.
func TestMQTTMosquitto(t *testing.T) {
	ns, d, broker := mqttTAP(t, mosquittoConfig{})
	for _, version := range []mqtt.Version{mqtt.V311, mqtt.V5} {
		level := int(version)
		t.Run("mqtt"+version.String(), func(t *testing.T) {
			dev := startMQTTDevice(t, d, mqtt.Config{
				Broker: mqttBrokerAddr.String(), Version: version, ClientID: fmt.Sprintf("legation-v%d", level),
				CleanStart: true, NoReconnect: true,
			})
			// mosquitto logs the protocol level of every CONNECT: p2 is
			// 3.1.1, p5 is 5.0.
			want := map[mqtt.Version]string{mqtt.V311: "(p2, c1,", mqtt.V5: "(p5, c1,"}[version]
			if !broker.waitLog(1, 5*time.Second, "as legation-v", want) {
				t.Fatalf("mosquitto did not log a CONNECT from legation-v%d with %q", level, want)
			}

			for qos := mqtt.AtMostOnce; qos <= mqtt.ExactlyOnce; qos++ {
				t.Run(fmt.Sprintf("device-to-broker/qos=%d", qos), func(t *testing.T) {
					topic := fmt.Sprintf("up/v%d/q%d", level, qos)
					payloads := mqttPayloads(uint64(level*10) + uint64(qos))
					sub := startMosquittoSub(t, ns, mqttBrokerAddr, mqttSubOpts{Version: level, Topic: topic, QoS: 2, Count: len(payloads)})
					for _, p := range payloads {
						dev.publish(topic, p, qos, false)
					}
					got := sub.wait(15 * time.Second)
					if len(got) != len(payloads) {
						t.Fatalf("mosquitto_sub got %d messages, want %d: %s", len(got), len(payloads), summarizeMQTT(got))
					}
					for i, m := range got {
						if m.Topic != topic || !bytes.Equal(m.Payload, payloads[i]) || m.QoS != int(qos) || m.Retain || m.Dup {
							t.Fatalf("message %d: %s; want %d bytes at QoS %d on %s", i, summarizeMQTT(got[i:i+1]), len(payloads[i]), qos, topic)
						}
					}
				})
				t.Run(fmt.Sprintf("broker-to-device/qos=%d", qos), func(t *testing.T) {
					topic := fmt.Sprintf("down/v%d/q%d", level, qos)
					if ack := dev.subscribe(topic, qos); ack.QoS != qos || ack.Reason >= 0x80 {
						t.Fatalf("SUBACK %+v, want QoS %d granted", ack, qos)
					}
					for i, p := range mqttPayloads(uint64(level*100) + uint64(qos)) {
						runMosquittoPub(t, ns, mqttBrokerAddr, mqttPubOpts{Version: level, Topic: topic, Payload: p, QoS: int(qos)})
						g := dev.next(10 * time.Second)
						if g.Topic != topic || !bytes.Equal(g.Payload, p) || g.QoS != qos || g.Retain || g.Dup {
							t.Fatalf("message %d: %s q%d r%v d%v, %d bytes; want %d bytes at QoS %d on %s",
								i, g.Topic, g.QoS, g.Retain, g.Dup, len(g.Payload), len(p), qos, topic)
						}
					}
				})
			}

			t.Run("retained/device-publishes", func(t *testing.T) {
				topic := fmt.Sprintf("kept/v%d/device", level)
				payload := []byte(fmt.Sprintf("retained by legation v%d", level))
				dev.publish(topic, payload, mqtt.AtLeastOnce, true)
				// A subscriber that arrives afterwards gets it, flagged.
				got := startMosquittoSub(t, ns, mqttBrokerAddr, mqttSubOpts{Version: level, Topic: topic, QoS: 1, Count: 1}).wait(10 * time.Second)
				if len(got) != 1 || !bytes.Equal(got[0].Payload, payload) || !got[0].Retain || got[0].QoS != 1 {
					t.Fatalf("late mosquitto_sub: %s", summarizeMQTT(got))
				}
			})
			t.Run("retained/broker-holds", func(t *testing.T) {
				topic := fmt.Sprintf("kept/v%d/broker", level)
				payload := []byte(fmt.Sprintf("retained by mosquitto_pub v%d", level))
				runMosquittoPub(t, ns, mqttBrokerAddr, mqttPubOpts{Version: level, Topic: topic, Payload: payload, QoS: 1, Retain: true})
				if ack := dev.subscribe(topic, mqtt.ExactlyOnce); ack.QoS != mqtt.ExactlyOnce {
					t.Fatalf("SUBACK %+v", ack)
				}
				g := dev.next(10 * time.Second)
				if g.Topic != topic || !bytes.Equal(g.Payload, payload) || !g.Retain || g.QoS != mqtt.AtLeastOnce {
					t.Fatalf("got %s q%d r%v %q; want the retained message at QoS 1, flagged", g.Topic, g.QoS, g.Retain, g.Payload)
				}
				// A live message on the same topic is not flagged retained.
				runMosquittoPub(t, ns, mqttBrokerAddr, mqttPubOpts{Version: level, Topic: topic, Payload: []byte("live"), QoS: 2})
				if g := dev.next(10 * time.Second); string(g.Payload) != "live" || g.Retain || g.QoS != mqtt.ExactlyOnce {
					t.Fatalf("live message: %q q%d r%v", g.Payload, g.QoS, g.Retain)
				}
			})

			dev.disconnect()
			if !broker.waitLog(1, 5*time.Second, "Received DISCONNECT from legation-v"+fmt.Sprint(level)) {
				t.Fatal("mosquitto logged no DISCONNECT from the device")
			}
			select {
			case g := <-dev.msgs:
				t.Fatalf("unexpected message %s %q", g.Topic, g.Payload)
			default:
			}
		})
	}
}
