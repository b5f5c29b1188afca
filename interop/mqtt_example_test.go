package interop

import (
	"context"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/netnstest"
)

// buildMQTTExample builds examples/mqtt into the test's temporary directory.
func buildMQTTExample(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mqtt")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/seed947b3480/legation/examples/mqtt").CombinedOutput(); err != nil {
		t.Fatalf("go build examples/mqtt: %v\n%s", err, out)
	}
	return bin
}

// mqttExample is a run of the built examples/mqtt.
type mqttExample struct {
	cmd            *exec.Cmd
	stdout, stderr *mqttLog
	exited         chan struct{}
}

// startMQTTExample runs bin with args in ns (nil: here); it is killed when
// the test ends if it is still running.
func startMQTTExample(t *testing.T, ns *netnstest.NS, bin string, args ...string) *mqttExample {
	t.Helper()
	e := &mqttExample{stdout: newMQTTLog(), stderr: newMQTTLog(), exited: make(chan struct{})}
	e.cmd = mqttCommand(context.Background(), ns, append([]string{bin}, args...)...)
	e.cmd.Stdout, e.cmd.Stderr = e.stdout, e.stderr
	if err := e.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { e.cmd.Wait(); close(e.exited) }()
	t.Cleanup(func() {
		select {
		case <-e.exited:
		default:
			e.cmd.Process.Kill()
			<-e.exited
		}
	})
	return e
}

// wait waits for the example to exit and fails the test unless it exited 0.
func (e *mqttExample) wait(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case <-e.exited:
	case <-time.After(timeout):
		t.Fatalf("%s still running after %v\nstdout: %s\nstderr: %s", strings.Join(e.cmd.Args, " "), timeout, e.stdout, e.stderr)
	}
	if !e.cmd.ProcessState.Success() {
		t.Fatalf("%s: %v\nstdout: %s\nstderr: %s", strings.Join(e.cmd.Args, " "), e.cmd.ProcessState, e.stdout, e.stderr)
	}
}

// examples/mqtt over TAP against mosquitto, found by name through dnsmasq:
// pub with a static address and -dns publishes a retained message that
// mosquitto_sub receives; then sub with -dhcp and -C 3 prints it (flagged
// retained by the broker) and two live messages from mosquitto_pub, and
// exits by itself.
func TestMQTTExampleOverTAP(t *testing.T) {
	requireMosquitto(t)
	if _, err := exec.LookPath("dnsmasq"); err != nil {
		t.Skip("interop: skipped: dnsmasq not found (Debian package dnsmasq-base)")
	}
	bin := buildMQTTExample(t)
	ns := netnstest.New(t)
	// A persistent tap: each run of the example attaches to it in turn,
	// and mosquitto and dnsmasq stay bound to its address in between.
	ns.Run(t, "ip", "tuntap", "add", "dev", "tap0", "mode", "tap")
	ns.ConfigureTap(t, "tap0", "10.77.0.1/24", 1500)
	broker := startMosquitto(t, ns, mosquittoConfig{Addr: mqttBrokerAddr})
	startDHCPDnsmasq(t, ns, "dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,1h", "host-record=mqtt.test,10.77.0.1")

	check := startMosquittoSub(t, ns, mqttBrokerAddr, mqttSubOpts{Version: 5, Topic: "ex/#", QoS: 2, Count: 1})
	pub := startMQTTExample(t, ns, bin, "pub", "-link", "tap:tap0", "-addr", "10.77.0.2/24", "-dns", "10.77.0.1",
		"-broker", "mqtt.test:1883", "-V", "5", "-t", "ex/kept", "-m", "hello from examples/mqtt", "-q", "1", "-r", "-i", "ex-pub")
	pub.wait(t, 30*time.Second)
	got := check.wait(10 * time.Second)
	if len(got) != 1 || got[0].Topic != "ex/kept" || string(got[0].Payload) != "hello from examples/mqtt" || got[0].QoS != 1 {
		t.Fatalf("mosquitto_sub: %s", summarizeMQTT(got))
	}
	if !broker.waitLog(1, 5*time.Second, "as ex-pub (p5, c1,") || !broker.waitLog(1, 5*time.Second, "Received DISCONNECT from ex-pub") {
		t.Fatal("mosquitto's log lacks the example's 5.0 CONNECT or its DISCONNECT")
	}

	sub := startMQTTExample(t, ns, bin, "sub", "-link", "tap:tap0", "-dhcp", "-broker", "mqtt.test",
		"-t", "ex/#", "-q", "2", "-C", "3", "-v", "-W", "30s", "-i", "ex-sub")
	if !sub.stderr.waitFor(0, 40*time.Second, sub.exited, func(s string) bool { return strings.Contains(s, "subscribed to ex/# (QoS 2)") }) {
		t.Fatalf("the example did not subscribe\nstderr: %s", sub.stderr)
	}
	runMosquittoPub(t, ns, mqttBrokerAddr, mqttPubOpts{Topic: "ex/live", Payload: []byte("one"), QoS: 2})
	runMosquittoPub(t, ns, mqttBrokerAddr, mqttPubOpts{Topic: "ex/live", Payload: []byte("two"), QoS: 1})
	sub.wait(t, 15*time.Second)
	want := "ex/kept hello from examples/mqtt\nex/live one\nex/live two\n"
	if out := sub.stdout.String(); out != want {
		t.Fatalf("the example printed %q, want %q\nstderr: %s", out, want, sub.stderr)
	}
	if !regexp.MustCompile(`legation: up 10\.77\.0\.1[0-5][0-9]/24 on tap:tap0`).MatchString(sub.stderr.String()) {
		t.Fatalf("the example did not lease an address from dnsmasq's range\nstderr: %s", sub.stderr)
	}
}
