package interop

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt"
)

// Keep-alive in real time against mosquitto: with a 2 s keep-alive the
// device's idle connection lives through more than four periods, held up
// by PINGREQs that mosquitto answers (its log shows each, and no timeout),
// and it still carries a message afterwards.
func TestMQTTKeepAlive(t *testing.T) {
	t.Parallel()
	ns, d, broker := mqttTAP(t, mosquittoConfig{})
	const keepAlive = 2 * time.Second
	dev := startMQTTDevice(t, d, mqtt.Config{
		Broker: mqttBrokerAddr.String(), Version: mqtt.V311, ClientID: "idle", CleanStart: true,
		KeepAlive: keepAlive,
	})
	start := time.Now()
	if !broker.waitLog(1, 5*time.Second, "as idle (p2, c1, k2)") {
		t.Fatalf("mosquitto did not log the device's 2 s keep-alive")
	}
	// Wait for the fourth ping: by then the connection has been idle for
	// at least four periods less one (the first ping comes after one).
	if !d.waitFor(6*keepAlive, func() bool { return statsNoLock(dev).PingsSent >= 4 }) {
		t.Fatalf("fewer than 4 PINGREQs within %v; stats %+v", 6*keepAlive, dev.stats())
	}
	idle := time.Since(start)
	st := dev.stats()
	if !dev.connected() || st.Connects != 1 || st.Reconnects != 0 {
		t.Fatalf("after %v idle: connected %v, stats %+v", idle, dev.connected(), st)
	}
	if idle < 3*keepAlive {
		t.Fatalf("4 PINGREQs after %v: sent faster than one per keep-alive period", idle)
	}
	if !broker.waitLog(4, 5*time.Second, "Received PINGREQ from idle") || !broker.waitLog(4, 5*time.Second, "Sending PINGRESP to idle") {
		t.Fatalf("mosquitto logged %d PINGREQs and %d PINGRESPs, want at least 4 each",
			broker.countLog("Received PINGREQ from idle"), broker.countLog("Sending PINGRESP to idle"))
	}
	if broker.countLog("idle", "exceeded timeout") != 0 || broker.countLog("Client idle", "disconnected") != 0 {
		t.Fatal("mosquitto dropped the idle device")
	}
	select {
	case err := <-dev.lost:
		t.Fatalf("connection lost while idle: %v", err)
	default:
	}
	// The connection is alive, not just unclosed.
	sub := startMosquittoSub(t, ns, mqttBrokerAddr, mqttSubOpts{Topic: "idle/after", QoS: 1, Count: 1})
	dev.publish("idle/after", []byte("still here"), mqtt.AtLeastOnce, false)
	if got := sub.wait(10 * time.Second); len(got) != 1 || string(got[0].Payload) != "still here" {
		t.Fatalf("after the idle time: %s", summarizeMQTT(got))
	}
	t.Logf("idle %v: %+v", idle.Round(time.Millisecond), dev.stats())
}

// statsNoLock reads the client's counters on the reactor goroutine, where
// waitFor's condition runs.
func statsNoLock(m *mqttDevice) mqtt.Stats { return m.c.Stats() }
