package interop

import (
	"fmt"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt"
)

// The will, under 3.1.1 and 5.0: a device that vanishes (its reactor stops,
// so it neither sends DISCONNECT nor answers again) has its will published
// by mosquitto once 1.5 keep-alive periods pass in silence, and
// mosquitto_sub receives it; a device that disconnects properly does not.
func TestMQTTWill(t *testing.T) {
	for _, version := range []mqtt.Version{mqtt.V311, mqtt.V5} {
		level := int(version)
		t.Run("mqtt"+version.String(), func(t *testing.T) {
			t.Parallel()
			ns, d, broker := mqttTAP(t, mosquittoConfig{})
			const keepAlive = time.Second
			willTopic := fmt.Sprintf("will/v%d", level)
			sub := startMosquittoSub(t, ns, mqttBrokerAddr, mqttSubOpts{Version: level, Topic: "will/#", QoS: 1})

			// First, a clean exit: DISCONNECT discards the will.
			polite := startMQTTDevice(t, d, mqtt.Config{
				Broker: mqttBrokerAddr.String(), Version: version, ClientID: "polite", CleanStart: true, NoReconnect: true,
				KeepAlive: keepAlive, Will: &mqtt.Will{Topic: willTopic, Payload: []byte("polite is gone"), QoS: mqtt.AtLeastOnce},
			})
			polite.disconnect()

			// Then one that vanishes.
			startMQTTDevice(t, d, mqtt.Config{
				Broker: mqttBrokerAddr.String(), Version: version, ClientID: "vanishing", CleanStart: true, NoReconnect: true,
				KeepAlive: keepAlive, Will: &mqtt.Will{Topic: willTopic, Payload: []byte("vanishing is gone"), QoS: mqtt.AtLeastOnce},
			})
			if !broker.waitLog(2, 5*time.Second, "Will message specified") {
				t.Fatalf("mosquitto did not log the devices' wills")
			}
			// Stop the reactor: the stack and the client vanish without a
			// word, and the kernel's connection to them stays open.
			d.shutdown()
			vanished := time.Now()

			got := sub.waitMessages(1, 10*time.Second)
			took := time.Since(vanished)
			sub.stop()
			if len(got) != 1 || got[0].Topic != willTopic || string(got[0].Payload) != "vanishing is gone" || got[0].QoS != 1 {
				t.Fatalf("mosquitto_sub got %s; want only the vanished device's will", summarizeMQTT(got))
			}
			// mosquitto gives up after 1.5 keep-alive periods of silence,
			// counted from the device's last packet, but 2.0 only looks
			// at its clients' keep-alives every few seconds (5 s here).
			if took < keepAlive || took > 3*keepAlive/2+6*time.Second {
				t.Fatalf("will after %v, want between %v and 1.5 × %v + 6 s", took, keepAlive, keepAlive)
			}
			if !broker.waitLog(1, 5*time.Second, "Client vanishing", "exceeded timeout") {
				t.Fatalf("mosquitto did not log the keep-alive timeout of the vanished device")
			}
			if !broker.waitLog(1, 5*time.Second, "Received DISCONNECT from polite") || broker.countLog("Client polite", "exceeded timeout") != 0 {
				t.Fatalf("the polite device's exit is not in mosquitto's log as a DISCONNECT")
			}
			t.Logf("will delivered %v after the device vanished (keep-alive %v)", took.Round(time.Millisecond), keepAlive)
		})
	}
}
