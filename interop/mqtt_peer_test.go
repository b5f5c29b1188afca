package interop

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/netnstest"
)

// The MQTT tests' own peers checked against each other, without legation:
// mosquitto_pub's binary payload reaches a persistent mosquitto_sub
// byte-exact, a retained message comes back flagged, and a graceful broker
// restart keeps the session, so a message published after it still
// arrives. If this fails, the MQTT interop tests' verdicts mean nothing.
func TestMQTTPeers(t *testing.T) {
	requireMosquitto(t)
	ns := netnstest.New(t)
	addr := netip.MustParseAddrPort("127.0.0.1:1883")
	m := startMosquitto(t, ns, mosquittoConfig{Addr: addr, Persistence: true})

	sub := startMosquittoSub(t, ns, addr, mqttSubOpts{Version: 5, Topic: "peer/#", QoS: 1, ID: "peer-sub", Persistent: true})
	bin := make([]byte, 300)
	for i := range bin {
		bin[i] = byte(i * 7) // NULs, newlines and high bytes
	}
	runMosquittoPub(t, ns, addr, mqttPubOpts{Version: 5, Topic: "peer/bin", Payload: bin, QoS: 1})
	runMosquittoPub(t, ns, addr, mqttPubOpts{Topic: "peer/kept", Payload: []byte("kept"), QoS: 1, Retain: true})
	sub.waitMessages(2, 10*time.Second)

	m.restart()
	// The subscriber reconnects by itself; its session and subscription
	// survived, so this arrives even if it is not back yet.
	runMosquittoPub(t, ns, addr, mqttPubOpts{Topic: "peer/after", Payload: []byte("after restart"), QoS: 1})
	msgs := sub.waitUntil(10*time.Second, func(msgs []mqttMsg) bool {
		for _, m := range msgs {
			if m.Topic == "peer/after" {
				return true
			}
		}
		return false
	})
	sub.stop()

	if len(msgs) < 3 || msgs[0].Topic != "peer/bin" || !bytes.Equal(msgs[0].Payload, bin) || msgs[0].QoS != 1 || msgs[0].Retain ||
		msgs[1].Topic != "peer/kept" || string(msgs[1].Payload) != "kept" || msgs[1].Retain {
		t.Fatalf("before the restart: %+v", msgs)
	}
	// After reconnecting, mosquitto_sub subscribes again and so gets the
	// retained message once more, now flagged as retained. And a message
	// whose PUBACK the broker had not read before it stopped comes again
	// with DUP set: QoS 1 between broker and subscriber, as specified
	// (MQTT 5.0 4.4), so it is allowed, flagged, never unflagged.
	for _, m := range msgs[2:] {
		if !(m.Topic == "peer/after" && string(m.Payload) == "after restart" && !m.Retain) &&
			!(m.Topic == "peer/kept" && string(m.Payload) == "kept" && m.Retain) &&
			!(m.Dup && !m.Retain && (m.Topic == "peer/kept" && string(m.Payload) == "kept" ||
				m.Topic == "peer/bin" && bytes.Equal(m.Payload, bin))) {
			t.Fatalf("after the restart: %s", summarizeMQTT(msgs))
		}
	}
	if n := m.countLog("Saving in-memory database"); n != 1 {
		t.Fatalf("the broker saved its database %d times, want once (at the graceful stop)", n)
	}

	late := startMosquittoSub(t, ns, addr, mqttSubOpts{Topic: "peer/kept", QoS: 1, Count: 1})
	got := late.wait(10 * time.Second)
	if len(got) != 1 || string(got[0].Payload) != "kept" || !got[0].Retain || got[0].QoS != 1 {
		t.Fatalf("retained message after the restart: %+v", got)
	}
}
