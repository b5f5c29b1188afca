package tap

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/internal/netnstest"
)

// driverGoroutines counts goroutines running this package's loops.
func driverGoroutines() int {
	buf := make([]byte, 1<<20)
	s := string(buf[:runtime.Stack(buf, true)])
	return strings.Count(s, "hal/tap.(*Device).rxLoop(") + strings.Count(s, "hal/tap.(*Device).txLoop(")
}

// awaitGoroutines waits for the driver goroutines to number want. Close
// returns once both loops have run their last statement; leaving the stack
// takes them a moment more, so this polls, bounded, yielding the processor
// in between instead of sleeping.
func awaitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for driverGoroutines() != want && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if got := driverGoroutines(); got != want {
		t.Errorf("%d driver goroutines, want %d", got, want)
	}
}

// tunFDs counts this process's open fds on /dev/net/tun.
func tunFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && target == "/dev/net/tun" {
			n++
		}
	}
	return n
}

// TestCloseStopsEverything: Close stops both goroutines, closes the fd (so
// the interface Open created disappears), takes the link down with a wake,
// refuses further transmits, and a second Close says ErrClosed.
func TestCloseStopsEverything(t *testing.T) {
	ns := netnstest.New(t)
	// Tests here do not run in parallel and close their devices: no driver
	// goroutine may be left from earlier ones either.
	const goroutines = 0
	awaitGoroutines(t, goroutines)
	fds := tunFDs(t)
	d, err := Open(Config{Name: "tap0", Netns: ns.Name})
	if err != nil {
		t.Fatal(err)
	}
	w := make(chanWaker, 1)
	d.SetWaker(w)
	ns.ConfigureTap(t, "tap0", "10.77.0.1/24", 1500)
	if got := driverGoroutines(); got != goroutines+2 {
		t.Fatalf("%d driver goroutines after Open, want %d", got, goroutines+2)
	}
	if got := tunFDs(t); got != fds+1 {
		t.Fatalf("%d tun fds after Open, want %d", got, fds+1)
	}

	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	select {
	case <-w:
	default:
		t.Error("Close did not wake the reactor for the link change")
	}
	if d.LinkState() != hal.LinkDown {
		t.Errorf("LinkState() = %v after Close", d.LinkState())
	}
	if _, ok := d.Transmit(); ok {
		t.Error("Transmit lent a buffer after Close")
	}
	if err := d.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close = %v, want ErrClosed", err)
	}
	awaitGoroutines(t, goroutines)
	if got := tunFDs(t); got != fds {
		t.Errorf("%d tun fds after Close, want %d", got, fds)
	}
	if out, err := exec.Command("ip", "-n", ns.Name, "link", "show", "tap0").CombinedOutput(); err == nil {
		t.Errorf("tap0 still exists after Close:\n%s", out)
	}
}

// TestOpenByNamespacePath: Netns may be a path; the interface appears in
// that namespace and not in the test's own.
func TestOpenByNamespacePath(t *testing.T) {
	ns := netnstest.New(t)
	d, err := Open(Config{Name: "lgtap7", Netns: "/run/netns/" + ns.Name})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ns.Run(t, "ip", "link", "show", "lgtap7")
	if out, err := exec.Command("ip", "link", "show", "lgtap7").CombinedOutput(); err == nil {
		t.Errorf("lgtap7 appeared in the test's own namespace:\n%s", out)
	}
}

func TestOpenErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want []error
	}{
		{"MTU too small", Config{MTU: 40}, []error{ErrConfig}},
		{"MTU too large", Config{MTU: 70000}, []error{ErrConfig}},
		{"name too long", Config{Name: "abcdefghijklmnop"}, []error{ErrConfig}},
		{"negative ring", Config{RxSlots: -1}, []error{ErrConfig}},
		{"no such namespace", Config{Name: "tap0", Netns: "legation-no-such-namespace"}, []error{ErrNetns, fs.ErrNotExist}},
		{"not a namespace", Config{Name: "tap0", Netns: "/dev/null"}, []error{ErrNetns}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Open(tc.cfg)
			if err == nil {
				d.Close()
				t.Fatal("Open succeeded")
			}
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Errorf("Open: %v, want errors.Is %v", err, want)
				}
			}
		})
	}
}

// TestInterfaceDeletedTakesLinkDown: when the kernel side disappears under
// the fd, the receive goroutine stops (rather than spin on an fd that stays
// readable) and the link goes down with a wake; Close still works.
func TestInterfaceDeletedTakesLinkDown(t *testing.T) {
	p := openPeer(t, Config{}, 1500)
	p.ns.Run(t, "ip", "link", "del", "tap0")
	deadline := time.After(3 * time.Second)
	for p.d.LinkState() != hal.LinkDown {
		select {
		case <-p.wake:
		case <-deadline:
			t.Fatalf("link still up 3s after the interface was deleted (stats %+v)", p.d.Stats())
		}
	}
	if st := p.d.Stats(); st.RxErrors != 1 {
		t.Errorf("RxErrors = %d, want 1", st.RxErrors)
	}
	if _, ok := p.d.Transmit(); ok {
		t.Error("Transmit lent a buffer on a dead link")
	}
	if err := p.d.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
