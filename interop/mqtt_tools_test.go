package interop

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/netnstest"
)

// mosquitto_sub and mosquitto_pub, the independent clients that
// cross-check legation's.

// mqttVersionFlag is mosquitto_sub's and mosquitto_pub's -V argument for
// a protocol level: 4 is 3.1.1, 5 is 5.0.
func mqttVersionFlag(level int) string {
	if level == 5 {
		return "mqttv5"
	}
	return "mqttv311"
}

// mqttMsg is one message as mosquitto_sub printed it.
type mqttMsg struct {
	Topic   string
	Payload []byte
	QoS     int
	Retain  bool
	Dup     bool // the PUBLISH carried the DUP flag (from -d output)
}

// mqttSubOpts are mosquitto_sub's options.
type mqttSubOpts struct {
	Version    int    // 4 (3.1.1, the default) or 5
	Topic      string // filter
	QoS        int
	Count      int    // -C: exit after this many messages; 0: run until stopped
	ID         string // -i
	Persistent bool   // -c: no clean session (3.1.1), no expiry (5.0)
	Timeout    int    // -W seconds; 0: 30
	Extra      []string
}

// mosquittoSub is a running mosquitto_sub. With -d it prints each packet it
// sends and receives; each message's own line is "MSG retain qos length
// hexpayload topic", so binary payloads come back byte-exact.
type mosquittoSub struct {
	t      *testing.T
	cmd    *exec.Cmd
	out    *mqttLog
	exited chan struct{}
}

// mqttSubFormat is the -F format: one line per message, the payload in hex.
const mqttSubFormat = "MSG %r %q %l %x %t"

// startMosquittoSub runs mosquitto_sub against broker and returns once the
// broker has acknowledged its subscription (its SUBACK), so that whatever
// is published afterwards reaches it.
func startMosquittoSub(t *testing.T, ns *netnstest.NS, broker netip.AddrPort, o mqttSubOpts) *mosquittoSub {
	t.Helper()
	tools := requireMosquitto(t)
	if o.Timeout == 0 {
		o.Timeout = 30
	}
	// mosquitto_sub's stdout is block-buffered into a pipe; line-buffered,
	// each packet's debug line arrives as it happens (stdbuf: coreutils).
	args := []string{"stdbuf", "-oL", tools.sub, "-h", broker.Addr().String(), "-p", strconv.Itoa(int(broker.Port())),
		"-V", mqttVersionFlag(o.Version), "-t", o.Topic, "-q", strconv.Itoa(o.QoS),
		"-W", strconv.Itoa(o.Timeout), "-d", "-F", mqttSubFormat}
	if o.Count > 0 {
		args = append(args, "-C", strconv.Itoa(o.Count))
	}
	if o.ID != "" {
		args = append(args, "-i", o.ID)
	}
	if o.Persistent {
		args = append(args, "-c")
	}
	args = append(args, o.Extra...)
	s := &mosquittoSub{t: t, out: newMQTTLog(), exited: make(chan struct{})}
	s.cmd = mqttCommand(context.Background(), ns, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() {
		s.kill()
		if t.Failed() {
			t.Logf("%s:\n%s", strings.Join(args[2:], " "), s.out)
		}
	})
	if !s.out.waitFor(0, 10*time.Second, s.exited, func(s string) bool { return strings.Contains(s, "received SUBACK") }) {
		t.Fatalf("mosquitto_sub not subscribed within 10 s (%v):\n%s", s.cmd.ProcessState, s.out)
	}
	return s
}

// messages parses what mosquitto_sub printed so far.
func (s *mosquittoSub) messages() []mqttMsg {
	s.t.Helper()
	return parseMosquittoSub(s.t, s.out.String())
}

// waitMessages waits until mosquitto_sub has printed at least n messages
// and returns all it printed, failing the test after timeout.
func (s *mosquittoSub) waitMessages(n int, timeout time.Duration) []mqttMsg {
	s.t.Helper()
	return s.waitUntil(timeout, func(msgs []mqttMsg) bool { return len(msgs) >= n })
}

// waitUntil waits until cond holds for the messages mosquitto_sub has
// printed and returns them, failing the test after timeout.
func (s *mosquittoSub) waitUntil(timeout time.Duration, cond func([]mqttMsg) bool) []mqttMsg {
	s.t.Helper()
	if !s.out.waitFor(0, timeout, s.exited, func(out string) bool { return cond(parseMosquittoSub(s.t, out)) }) {
		msgs := s.messages()
		s.t.Fatalf("mosquitto_sub: no expected messages within %v (%v); %d printed: %s", timeout, s.cmd.ProcessState, len(msgs), summarizeMQTT(msgs))
	}
	return s.messages()
}

// waitContains waits until mosquitto_sub's output holds text, scanning
// only what is new at each write (the output of 10,000 messages is
// megabytes), and fails the test after timeout.
func (s *mosquittoSub) waitContains(text string, timeout time.Duration) {
	s.t.Helper()
	from := 0
	found := func(out string) bool {
		if strings.Contains(out[from:], text) {
			return true
		}
		from = max(0, len(out)-len(text))
		return false
	}
	if !s.out.waitFor(0, timeout, s.exited, found) {
		s.t.Fatalf("mosquitto_sub printed no %q within %v (%v); %d messages so far", text, timeout, s.cmd.ProcessState, len(s.messages()))
	}
}

// summarizeMQTT describes messages briefly for a failure message.
func summarizeMQTT(msgs []mqttMsg) string {
	var b strings.Builder
	for i, m := range msgs {
		if i == 20 {
			fmt.Fprintf(&b, " ... (%d more)", len(msgs)-i)
			break
		}
		p := m.Payload
		if len(p) > 24 {
			p = p[:24]
		}
		fmt.Fprintf(&b, "[%s q%d r%v d%v %d bytes %q] ", m.Topic, m.QoS, m.Retain, m.Dup, len(m.Payload), p)
	}
	return b.String()
}

// wait waits for mosquitto_sub to exit by itself (after -C messages) and
// returns the messages it printed; an exit status other than 0 fails.
func (s *mosquittoSub) wait(timeout time.Duration) []mqttMsg {
	s.t.Helper()
	select {
	case <-s.exited:
	case <-time.After(timeout):
		s.t.Fatalf("mosquitto_sub still running after %v; printed %d messages", timeout, len(s.messages()))
	}
	if !s.cmd.ProcessState.Success() {
		s.t.Fatalf("mosquitto_sub: %v", s.cmd.ProcessState)
	}
	return s.messages()
}

// stop ends mosquitto_sub with SIGINT (it disconnects cleanly) and
// returns the messages it printed.
func (s *mosquittoSub) stop() []mqttMsg {
	s.t.Helper()
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(5 * time.Second):
		s.kill()
	}
	return s.messages()
}

func (s *mosquittoSub) kill() {
	select {
	case <-s.exited:
	default:
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// parseMosquittoSub reads mosquitto_sub's -d -F output: a "received
// PUBLISH (dD, qQ, rR, mM, 'topic', ...)" debug line precedes each
// message's own line and gives its DUP flag.
func parseMosquittoSub(t *testing.T, out string) []mqttMsg {
	t.Helper()
	var msgs []mqttMsg
	dup := false
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, " received PUBLISH (d"); i >= 0 {
			dup = strings.HasPrefix(line[i+len(" received PUBLISH (d"):], "1")
			continue
		}
		rest, ok := strings.CutPrefix(line, "MSG ")
		if !ok {
			continue
		}
		f := strings.SplitN(rest, " ", 5)
		if len(f) != 5 {
			t.Fatalf("mosquitto_sub line %q: want %q", line, mqttSubFormat)
		}
		qos, err1 := strconv.Atoi(f[1])
		n, err2 := strconv.Atoi(f[2])
		payload, err3 := hex.DecodeString(f[3])
		if err1 != nil || err2 != nil || err3 != nil || len(payload) != n || (f[0] != "0" && f[0] != "1") {
			t.Fatalf("mosquitto_sub line %q: bad fields", line)
		}
		msgs = append(msgs, mqttMsg{Topic: f[4], Payload: payload, QoS: qos, Retain: f[0] == "1", Dup: dup})
		dup = false
	}
	return msgs
}

// mqttPubOpts are mosquitto_pub's options.
type mqttPubOpts struct {
	Version int // 4 (3.1.1, the default) or 5
	Topic   string
	Payload []byte // sent from a file (-f), so any bytes go through
	QoS     int
	Retain  bool
	ID      string
	Extra   []string
}

// runMosquittoPub publishes one message with mosquitto_pub and waits for
// it to finish (for QoS 1 and 2, the broker's acknowledgement); a
// non-zero exit fails the test.
func runMosquittoPub(t *testing.T, ns *netnstest.NS, broker netip.AddrPort, o mqttPubOpts) {
	t.Helper()
	tools := requireMosquitto(t)
	file := filepath.Join(t.TempDir(), "payload")
	if err := os.WriteFile(file, o.Payload, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{tools.pub, "-h", broker.Addr().String(), "-p", strconv.Itoa(int(broker.Port())),
		"-V", mqttVersionFlag(o.Version), "-t", o.Topic, "-q", strconv.Itoa(o.QoS), "-f", file}
	if o.Retain {
		args = append(args, "-r")
	}
	if o.ID != "" {
		args = append(args, "-i", o.ID)
	}
	args = append(args, o.Extra...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := mqttCommand(ctx, ns, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("mosquitto_pub %s: %v\n%s", strings.Join(args[1:], " "), err, out)
	}
}
