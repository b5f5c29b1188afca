package sntp

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// The bench module cannot import legation's internal/netnstest, so this is
// the small part of it these tests need: a namespace of their own, commands
// run in it, and sockets opened in it.

// requireTools skips the test, saying why, unless it runs as root with the
// programs it needs.
func requireTools(t *testing.T, tools map[string]string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("bench: skipped: network namespaces need root")
	}
	for bin, pkg := range tools {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("bench: skipped: %s not found (Debian package %s)", bin, pkg)
		}
	}
}

// newNetns makes a network namespace with lo up and IPv6 off, removed with
// everything still running in it (killed by PID) when the test ends.
func newNetns(t *testing.T) string {
	t.Helper()
	var r [3]byte
	rand.Read(r[:])
	name := fmt.Sprintf("lgb%d-%s", os.Getpid(), hex.EncodeToString(r[:]))
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() {
		out, _ := exec.Command("ip", "netns", "pids", name).Output()
		for _, f := range strings.Fields(string(out)) {
			if pid, err := strconv.Atoi(f); err == nil && pid != os.Getpid() {
				if p, err := os.FindProcess(pid); err == nil {
					p.Kill()
				}
			}
		}
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			t.Errorf("ip netns del %s: %v\n%s", name, err, out)
		}
	})
	run(t, "ip", "-n", name, "link", "set", "lo", "up")
	run(t, "ip", "netns", "exec", name, "sh", "-c",
		`[ -d /proc/sys/net/ipv6 ] || exit 0; echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6`)
	return name
}

func run(t *testing.T, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// logWriter copies a started command's output to the test log.
type logWriter struct {
	t      *testing.T
	prefix string
}

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Logf("%s%s", w.prefix, strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
