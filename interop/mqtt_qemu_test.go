package interop

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt"
	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/qemu"
	"github.com/seed947b3480/legation/stack"
)

// freeTCPPort returns a port of 127.0.0.1 that was free a moment ago.
func freeTCPPort(t *testing.T) uint16 {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port)
}

// startQEMUSwitch runs qemu-system-arm as a pure switch between its
// user-mode network and a netdev socket that connects to connect.
func startQEMUSwitch(t *testing.T, connect string) *mqttLog {
	t.Helper()
	out, _ := runQEMUSwitch(t, "user,id=u0", "socket,id=s0,connect="+connect)
	return out
}

// startQEMUSwitchListening runs qemu-system-arm as a switch between its
// user-mode network and a netdev socket listening on listen, and returns
// once a probe connection to it succeeds.
func startQEMUSwitchListening(t *testing.T, listen string) *mqttLog {
	t.Helper()
	return startQEMUSwitchForwarding(t, listen, "")
}

// startQEMUSwitchForwarding is startQEMUSwitchListening with a hostfwd
// rule on the user-mode network (none if hostfwd is empty).
func startQEMUSwitchForwarding(t *testing.T, listen, hostfwd string) *mqttLog {
	t.Helper()
	user := "user,id=u0"
	if hostfwd != "" {
		user += ",hostfwd=" + hostfwd
	}
	out, exited := runQEMUSwitch(t, user, "socket,id=s0,listen="+listen)
	// QEMU is ready once a connection to it succeeds; it takes the next
	// connection after this probe closes.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp4", listen, time.Second)
		if err == nil {
			c.Close()
			return out
		}
		select {
		case <-exited:
			t.Fatalf("qemu exited: %s", out)
		case <-time.After(20 * time.Millisecond): // a real process starting up; bounded by the deadline
		}
		if time.Now().After(deadline) {
			t.Fatalf("qemu not listening on %s after 10 s: %v\n%s", listen, err, out)
		}
	}
}

// runQEMUSwitch starts qemu-system-arm with no machine, only a hub between
// the netdevs user and socket (ids u0 and s0), killed at the end of the
// test. exited is closed when the process ends.
func runQEMUSwitch(t *testing.T, user, socket string) (out *mqttLog, exited <-chan struct{}) {
	t.Helper()
	out = newMQTTLog()
	cmd := exec.Command("qemu-system-arm", "-M", "none", "-nographic", "-monitor", "none", "-serial", "none",
		"-netdev", user, "-netdev", socket,
		"-netdev", "hubport,id=p0,hubid=0,netdev=u0", "-netdev", "hubport,id=p1,hubid=0,netdev=s0")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	return out, done
}

// legation's MQTT client through QEMU's user-mode network reaches a
// mosquitto on the host's loopback as 10.0.2.2, as firmware in QEMU
// would: QoS 0, 1 and 2 up (cross-checked with mosquitto_sub on the host)
// and down (mosquitto_pub on the host); then the built examples/mqtt does
// the same with a DHCP lease from slirp.
func TestMQTTQEMUUserNetwork(t *testing.T) {
	requireMosquitto(t)
	requireTools(t, [2]string{"qemu-system-arm", "qemu-system-arm"})
	hostBroker := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), freeTCPPort(t))
	broker := startMosquitto(t, nil, mosquittoConfig{Addr: hostBroker})
	viaSlirp := netip.AddrPortFrom(slirpGateway, hostBroker.Port()).String()

	t.Run("in-process", func(t *testing.T) {
		dev, err := qemu.Listen("tcp", "127.0.0.1:0", qemu.Config{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dev.Close() })
		qemuOut := startQEMUSwitch(t, dev.Addr().String())
		d := startDevice(t, dev, stack.Config{Addr: slirpGuest, Gateway: slirpGateway})
		if !d.waitFor(10*time.Second, func() bool { return dev.LinkState() == hal.LinkUp }) {
			t.Fatalf("QEMU never connected to %s\nqemu: %s", dev.Addr(), qemuOut)
		}

		sub := startMosquittoSub(t, nil, hostBroker, mqttSubOpts{Version: 5, Topic: "qemu/up/#", QoS: 2, Count: 3})
		m := startMQTTDevice(t, d, mqtt.Config{Broker: viaSlirp, Version: mqtt.V5, ClientID: "qemu-device", CleanStart: true, NoReconnect: true})
		for q := mqtt.AtMostOnce; q <= mqtt.ExactlyOnce; q++ {
			m.publish(fmt.Sprintf("qemu/up/%d", q), bytes.Repeat([]byte{'0' + byte(q)}, 1000*int(q+1)), q, false)
		}
		got := sub.wait(15 * time.Second)
		for q, g := range got {
			if g.Topic != fmt.Sprintf("qemu/up/%d", q) || !bytes.Equal(g.Payload, bytes.Repeat([]byte{'0' + byte(q)}, 1000*(q+1))) || g.QoS != q {
				t.Fatalf("mosquitto_sub: %s", summarizeMQTT(got))
			}
		}
		if len(got) != 3 {
			t.Fatalf("mosquitto_sub: %s", summarizeMQTT(got))
		}
		for q := mqtt.AtMostOnce; q <= mqtt.ExactlyOnce; q++ {
			topic := fmt.Sprintf("qemu/down/%d", q)
			m.subscribe(topic, q)
			runMosquittoPub(t, nil, hostBroker, mqttPubOpts{Version: 5, Topic: topic, Payload: []byte("to the guest " + topic), QoS: int(q)})
			if g := m.next(10 * time.Second); g.Topic != topic || string(g.Payload) != "to the guest "+topic || g.QoS != q {
				t.Fatalf("device got %s q%d %q", g.Topic, g.QoS, g.Payload)
			}
		}
		m.disconnect()
		// slirp makes the device's connection the host's own, from 127.0.0.1.
		if !broker.waitLog(1, 5*time.Second, "New client connected from 127.0.0.1:", "as qemu-device (p5,") {
			t.Fatal("mosquitto's log lacks the device's connection from the host's loopback")
		}
	})

	t.Run("example", func(t *testing.T) {
		bin := buildMQTTExample(t)
		sub := startMosquittoSub(t, nil, hostBroker, mqttSubOpts{Topic: "qemu/example", QoS: 1, Count: 1})
		// QEMU listens and the example connects (-link qemu:HOST:PORT).
		// QEMU is ready once a connection to it succeeds; it takes the
		// next connection after this probe closes.
		shim := fmt.Sprintf("127.0.0.1:%d", freeTCPPort(t))
		startQEMUSwitchListening(t, shim)
		pub := startMQTTExample(t, nil, bin, "pub", "-link", "qemu:"+shim, "-dhcp",
			"-broker", viaSlirp, "-t", "qemu/example", "-m", "from the example in QEMU", "-q", "1", "-i", "qemu-example")
		pub.wait(t, 45*time.Second)
		got := sub.wait(10 * time.Second)
		if len(got) != 1 || string(got[0].Payload) != "from the example in QEMU" || got[0].QoS != 1 {
			t.Fatalf("mosquitto_sub: %s", summarizeMQTT(got))
		}
		if !strings.Contains(pub.stderr.String(), "legation: up 10.0.2.15/24") {
			t.Fatalf("the example did not lease 10.0.2.15 from slirp\nstderr: %s", pub.stderr)
		}
	})
}
