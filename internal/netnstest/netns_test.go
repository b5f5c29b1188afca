package netnstest

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

func netnsList(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").CombinedOutput()
	if err != nil {
		t.Fatalf("ip netns list: %v\n%s", err, out)
	}
	return string(out)
}

func listed(list, name string) bool {
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == name {
			return true
		}
	}
	return false
}

// linkFlags returns the <FLAGS> of `ip -o link show` output.
func linkFlags(out string) []string {
	i, j := strings.IndexByte(out, '<'), strings.IndexByte(out, '>')
	if i < 0 || j < i {
		return nil
	}
	return strings.Split(out[i+1:j], ",")
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestLifecycle: a namespace exists with lo up and IPv6 off while the test
// runs; afterwards it and the process started in it are gone.
func TestLifecycle(t *testing.T) {
	Require(t)
	var name string
	var cmd *exec.Cmd
	t.Run("inside", func(t *testing.T) {
		ns := New(t)
		name = ns.Name
		if !listed(netnsList(t), name) {
			t.Fatalf("namespace %s not in ip netns list", name)
		}
		if f := linkFlags(string(ns.Run(t, "ip", "-o", "link", "show", "dev", "lo"))); !has(f, "UP") {
			t.Errorf("lo flags %v, want UP", f)
		}
		if _, err := os.Stat("/proc/sys/net/ipv6"); err == nil {
			got := strings.TrimSpace(string(ns.Run(t, "cat", "/proc/sys/net/ipv6/conf/all/disable_ipv6")))
			if got != "1" {
				t.Errorf("disable_ipv6 = %q inside the namespace, want 1", got)
			}
		}
		cmd = ns.Start(t, "sleep", "1000")
		// The process really is inside: the namespace lists its PID.
		pids := strings.Fields(string(ns.Run(t, "ip", "netns", "pids", name)))
		if !has(pids, fmt.Sprint(cmd.Process.Pid)) {
			t.Errorf("ip netns pids %s = %v, want it to include %d", name, pids, cmd.Process.Pid)
		}
	})
	if listed(netnsList(t), name) {
		t.Errorf("namespace %s still exists after cleanup", name)
	}
	if cmd.ProcessState == nil {
		t.Fatalf("started process %d was not reaped", cmd.Process.Pid)
	}
	if cmd.ProcessState.Success() {
		t.Errorf("sleep 1000 exited by itself (%v), want killed", cmd.ProcessState)
	}
}

func TestNamesAreUnique(t *testing.T) {
	a, b := New(t), New(t)
	if a.Name == b.Name {
		t.Fatalf("two namespaces named %s", a.Name)
	}
}

// TestConfigureTap: address, MTU and UP flag land on the kernel interface.
func TestConfigureTap(t *testing.T) {
	ns := New(t)
	ns.Run(t, "ip", "tuntap", "add", "dev", "tap0", "mode", "tap")
	ns.ConfigureTap(t, "tap0", "10.78.0.1/24", 1400)
	link := string(ns.Run(t, "ip", "-o", "link", "show", "dev", "tap0"))
	if f := linkFlags(link); !has(f, "UP") {
		t.Errorf("tap0 flags %v, want UP", f)
	}
	if !strings.Contains(link, " mtu 1400 ") {
		t.Errorf("tap0: %s, want mtu 1400", link)
	}
	if addr := string(ns.Run(t, "ip", "-o", "-4", "addr", "show", "dev", "tap0")); !strings.Contains(addr, " 10.78.0.1/24 ") {
		t.Errorf("tap0 addresses: %s, want 10.78.0.1/24", addr)
	}
}

// fatalTB records Fatalf instead of failing the real test.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// TestRunFailureShowsOutput: a failing command fails the test and the
// message carries the command's own output.
func TestRunFailureShowsOutput(t *testing.T) {
	ns := New(t)
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		ns.Run(f, "sh", "-c", "echo marker-output; exit 3")
	}()
	<-done
	if !strings.Contains(f.msg, "marker-output") || !strings.Contains(f.msg, "exit status 3") {
		t.Fatalf("Fatalf message %q, want the command's output and exit status", f.msg)
	}
}
