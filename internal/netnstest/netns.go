package netnstest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Require skips the test, saying why, unless it runs as root with ip(8) on
// PATH.
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("netnstest: skipped: network namespaces need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("netnstest: skipped: ip(8) not found (Debian package iproute2)")
	}
}

// NS is a network namespace made for one test.
type NS struct {
	// Name is the namespace's name under /var/run/netns, for `ip -n`,
	// `ip netns exec` and tap.Config.Netns.
	Name string
}

var seq atomic.Uint32

// New creates a uniquely named network namespace with lo up and IPv6 off
// (so the kernel sends no MLD, DAD or router solicitations to disturb a
// test), and registers its removal with t.Cleanup. Removal first kills every
// process still inside the namespace, by PID.
func New(t testing.TB) *NS {
	t.Helper()
	Require(t)
	// The PID keeps parallel test binaries apart, the sequence number the
	// tests of one binary, and the random part a namespace left behind by a
	// killed earlier run of the same PID.
	var r [3]byte
	rand.Read(r[:])
	n := &NS{Name: fmt.Sprintf("lgt%d-%d-%s", os.Getpid(), seq.Add(1), hex.EncodeToString(r[:]))}
	if out, err := exec.Command("ip", "netns", "add", n.Name).CombinedOutput(); err != nil {
		t.Fatalf("netnstest: ip netns add %s: %v\n%s", n.Name, err, out)
	}
	t.Cleanup(func() { n.remove(t) })
	n.ip(t, "link", "set", "lo", "up")
	// "default" covers interfaces made later (the tap), "all" the existing
	// ones. A kernel without IPv6 has no such files and nothing to silence.
	n.Run(t, "sh", "-c", `[ -d /proc/sys/net/ipv6 ] || exit 0
echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6 && echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6`)
	return n
}

// Run runs a command inside the namespace and returns its combined output.
// A failure fails the test, showing the output.
func (n *NS) Run(t testing.TB, args ...string) []byte {
	t.Helper()
	out, err := n.command(args...).CombinedOutput()
	if err != nil {
		t.Fatalf("netnstest: in %s: %s: %v\n%s", n.Name, strings.Join(args, " "), err, out)
	}
	return out
}

// Start starts a long-running command inside the namespace, its output going
// to the test log when the test fails. It is killed, by PID, when the test
// ends.
func (n *NS) Start(t testing.TB, args ...string) *exec.Cmd {
	t.Helper()
	cmd := n.command(args...)
	out := &logWriter{t: t, prefix: args[0] + ": "}
	cmd.Stdout, cmd.Stderr = out, out
	// Wait also waits for the output to be copied, which a grandchild that
	// inherited the pipe could hold open; the namespace's removal kills that
	// one later, so do not wait for it here.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("netnstest: in %s: start %s: %v", n.Name, strings.Join(args, " "), err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd
}

// ConfigureTap gives the kernel side of interface ifname its address (cidr,
// e.g. "10.77.0.1/24") and MTU (0 leaves it) and brings it up. Call it after
// the driver has attached its fd: a link brought up before that can lose the
// kernel's first frames.
func (n *NS) ConfigureTap(t testing.TB, ifname, cidr string, mtu int) {
	t.Helper()
	n.ip(t, "addr", "add", cidr, "dev", ifname)
	if mtu > 0 {
		n.ip(t, "link", "set", "dev", ifname, "mtu", strconv.Itoa(mtu))
	}
	n.ip(t, "link", "set", "dev", ifname, "up")
}

func (n *NS) command(args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.Name}, args...)...)
}

// ip runs `ip -n NAME args...`, failing the test on error.
func (n *NS) ip(t testing.TB, args ...string) []byte {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"-n", n.Name}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("netnstest: ip -n %s %s: %v\n%s", n.Name, strings.Join(args, " "), err, out)
	}
	return out
}

// remove kills what still runs in the namespace and deletes it. Errors are
// reported but do not stop the rest of the cleanup.
func (n *NS) remove(t testing.TB) {
	out, err := exec.Command("ip", "netns", "pids", n.Name).Output()
	if err != nil {
		t.Errorf("netnstest: ip netns pids %s: %v", n.Name, err)
	}
	for _, f := range strings.Fields(string(out)) {
		pid, err := strconv.Atoi(f)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if p, err := os.FindProcess(pid); err == nil {
			p.Kill()
		}
	}
	if out, err := exec.Command("ip", "netns", "del", n.Name).CombinedOutput(); err != nil {
		t.Errorf("netnstest: ip netns del %s: %v\n%s", n.Name, err, out)
	}
}

// logWriter sends a started command's output to the test log, line by line.
type logWriter struct {
	t      testing.TB
	prefix string
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s%s", w.prefix, strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
