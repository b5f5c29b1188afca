package interop

import (
	"bytes"
	"context"
	"net/netip"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/netnstest"
)

// The MQTT peers: mosquitto 2.0 as the broker, run inside the test's
// network namespace (or on the host's loopback for QEMU), and its own
// mosquitto_sub and mosquitto_pub as the independent clients that
// cross-check what legation's client sends and receives.

// mqttBrokerAddr is the kernel side of the tap, where mosquitto listens.
var mqttBrokerAddr = netip.AddrPortFrom(netip.MustParseAddr("10.77.0.1"), 1883)

// mqttTools are the programs the MQTT tests run, found once.
type mqttTools struct{ broker, pub, sub string }

// requireMosquitto skips the test, saying why, unless mosquitto and
// mosquitto-clients are installed, and returns their paths.
func requireMosquitto(t *testing.T) mqttTools {
	t.Helper()
	var tools mqttTools
	var err error
	if tools.broker, err = exec.LookPath("mosquitto"); err != nil {
		if tools.broker, err = exec.LookPath("/usr/sbin/mosquitto"); err != nil {
			t.Skip("interop: skipped: mosquitto not found (Debian package mosquitto)")
		}
	}
	if tools.pub, err = exec.LookPath("mosquitto_pub"); err != nil {
		t.Skip("interop: skipped: mosquitto_pub not found (Debian package mosquitto-clients)")
	}
	if tools.sub, err = exec.LookPath("mosquitto_sub"); err != nil {
		t.Skip("interop: skipped: mosquitto_sub not found (Debian package mosquitto-clients)")
	}
	return tools
}

// mqttLog is a goroutine-safe buffer for a process's output that a test
// can wait on: every write wakes the waiters, so nothing polls.
type mqttLog struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on every write
}

func newMQTTLog() *mqttLog { return &mqttLog{changed: make(chan struct{})} }

func (l *mqttLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

// snapshot returns the text so far and a channel closed at the next write.
func (l *mqttLog) snapshot() (string, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String(), l.changed
}

func (l *mqttLog) String() string {
	s, _ := l.snapshot()
	return s
}

// waitFor waits until cond holds for the text after the first from bytes,
// the deadline passes (false), or exited closes with cond still false.
func (l *mqttLog) waitFor(from int, timeout time.Duration, exited <-chan struct{}, cond func(string) bool) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s, changed := l.snapshot()
		if cond(s[min(from, len(s)):]) {
			return true
		}
		select {
		case <-changed:
		case <-exited:
			s, _ := l.snapshot()
			return cond(s[min(from, len(s)):])
		case <-timer.C:
			return false
		}
	}
}

func mqttCommand(ctx context.Context, ns *netnstest.NS, args ...string) *exec.Cmd {
	if ns != nil {
		args = append([]string{"ip", "netns", "exec", ns.Name}, args...)
	}
	return exec.CommandContext(ctx, args[0], args[1:]...)
}

// countLines counts the lines of s that hold every one of words.
func countLines(s string, words ...string) int {
	n := 0
	for _, line := range strings.Split(s, "\n") {
		all := true
		for _, w := range words {
			all = all && strings.Contains(line, w)
		}
		if all {
			n++
		}
	}
	return n
}
