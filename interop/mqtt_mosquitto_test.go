package interop

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/netnstest"
)

// mosquitto, the broker: started, stopped and restarted by PID, its log
// kept for the tests to read.

// mosquitto is a broker the test started, by PID; stop and restart keep
// its configuration and persistence directory.
type mosquitto struct {
	t      *testing.T
	tools  mqttTools
	ns     *netnstest.NS // nil: the host's namespace
	addr   netip.AddrPort
	dir    string
	conf   string
	log    *mqttLog
	cmd    *exec.Cmd
	exited chan struct{}
	starts int
}

// mosquittoConfig is what a test asks of the broker.
type mosquittoConfig struct {
	Addr netip.AddrPort // where it listens
	// Persistence keeps sessions, queued and retained messages in a file
	// in the test's temporary directory across a graceful restart.
	Persistence bool
	Extra       []string // further configuration lines
}

// startMosquitto runs mosquitto in ns (nil: the host) with the
// configuration of PEERS.md and waits until it accepts connections. It is
// stopped, by PID, when the test ends, and its log is printed if the test
// failed.
func startMosquitto(t *testing.T, ns *netnstest.NS, cfg mosquittoConfig) *mosquitto {
	t.Helper()
	m := &mosquitto{t: t, tools: requireMosquitto(t), ns: ns, addr: cfg.Addr, dir: t.TempDir(), log: newMQTTLog()}
	lines := []string{
		fmt.Sprintf("listener %d %s", cfg.Addr.Port(), cfg.Addr.Addr()),
		"allow_anonymous true",
		// stderr is unbuffered; stdout is block-buffered into a pipe, which
		// would hide the lines the test waits for.
		"log_dest stderr",
		"log_type all",
		"connection_messages true",
		// As root mosquitto would drop to the user mosquitto, who cannot
		// write the test's temporary directory.
		"user root",
		// The restart test queues up to 10,000 messages for one session;
		// the default of 1,000 would drop the rest.
		"max_queued_messages 0",
	}
	if cfg.Persistence {
		lines = append(lines, "persistence true", "persistence_location "+m.dir+"/", "autosave_interval 0")
	} else {
		lines = append(lines, "persistence false")
	}
	lines = append(lines, cfg.Extra...)
	m.conf = filepath.Join(m.dir, "mosquitto.conf")
	if err := os.WriteFile(m.conf, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		m.kill()
		if t.Failed() {
			t.Logf("mosquitto log:\n%s", m.log)
		}
	})
	m.start()
	return m
}

// command builds a command that runs in the broker's namespace. `ip netns
// exec` execs the program itself, so the PID is the program's and signals
// reach it.
func (m *mosquitto) command(ctx context.Context, args ...string) *exec.Cmd {
	return mqttCommand(ctx, m.ns, args...)
}

// start launches the broker and waits until it says it is running and a
// TCP connection to its listener succeeds.
func (m *mosquitto) start() {
	m.t.Helper()
	from := len(m.log.String())
	m.starts++
	fmt.Fprintf(m.log, "---- start %d\n", m.starts)
	m.cmd = m.command(context.Background(), m.tools.broker, "-c", m.conf)
	m.cmd.Stdout, m.cmd.Stderr = m.log, m.log
	m.exited = make(chan struct{})
	if err := m.cmd.Start(); err != nil {
		m.t.Fatal(err)
	}
	go func(cmd *exec.Cmd, exited chan struct{}) { cmd.Wait(); close(exited) }(m.cmd, m.exited)
	running := func(s string) bool { return strings.Contains(s, " running\n") }
	if !m.log.waitFor(from, 10*time.Second, m.exited, running) {
		m.t.Fatalf("mosquitto did not start (%v):\n%s", m.cmd.ProcessState, m.log)
	}
	// The listener is open before "running" is logged; a connection proves it.
	dial := func() {
		c, err := net.DialTimeout("tcp4", m.addr.String(), 5*time.Second)
		if err != nil {
			m.t.Fatalf("mosquitto says it runs but %v does not answer: %v\n%s", m.addr, err, m.log)
		}
		c.Close()
	}
	if m.ns != nil {
		inNetns(m.t, m.ns.Name, dial)
	} else {
		dial()
	}
}

// stop ends the broker gracefully (SIGTERM: it saves its persistence
// file and closes every connection) and waits for it to exit.
func (m *mosquitto) stop() {
	m.t.Helper()
	if err := m.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		m.t.Fatalf("signal mosquitto: %v", err)
	}
	select {
	case <-m.exited:
	case <-time.After(10 * time.Second):
		m.t.Fatalf("mosquitto still running 10 s after SIGTERM:\n%s", m.log)
	}
	if !m.cmd.ProcessState.Success() {
		m.t.Fatalf("mosquitto exited with %v:\n%s", m.cmd.ProcessState, m.log)
	}
}

// restart stops the broker gracefully and starts it again on the same
// configuration and persistence file.
func (m *mosquitto) restart() {
	m.t.Helper()
	m.stop()
	m.start()
}

// kill ends the broker at once, if it is still running.
func (m *mosquitto) kill() {
	select {
	case <-m.exited:
	default:
		m.cmd.Process.Kill()
		<-m.exited
	}
}

// countLog counts the log lines that hold every one of words.
func (m *mosquitto) countLog(words ...string) int {
	return countLines(m.log.String(), words...)
}

// waitLog waits until at least n log lines hold every one of words and
// reports whether they did within timeout. The log reaches the test
// through a pipe, a moment after mosquitto acted on what it logs.
func (m *mosquitto) waitLog(n int, timeout time.Duration, words ...string) bool {
	return m.log.waitFor(0, timeout, nil, func(s string) bool { return countLines(s, words...) >= n })
}
