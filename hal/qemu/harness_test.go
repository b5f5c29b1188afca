package qemu

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
)

// chanWaker is the test's reactor: a wake is a non-blocking send on a
// channel of capacity 1.
type chanWaker chan struct{}

func (w chanWaker) Wake() {
	select {
	case w <- struct{}{}:
	default:
	}
}

// waitTimeout bounds every wait on a real socket peer.
const waitTimeout = 5 * time.Second

// await blocks until cond holds, re-checking after every wake, and fails the
// test after waitTimeout. Checking before waiting makes it race-free: a wake
// that came before the check left its effect visible to the check.
func await(t *testing.T, w chanWaker, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-w:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// eventually polls cond every millisecond for what the driver does not wake
// for (counters of ignored datagrams), up to waitTimeout.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// recv waits for the next frame and returns a copy of it.
func recv(t *testing.T, d *Device, w chanWaker) []byte {
	t.Helper()
	var got []byte
	await(t, w, "a frame", func() bool {
		f, ok := d.Receive()
		if ok {
			got = append([]byte(nil), f...)
			d.ReleaseRx()
		}
		return ok
	})
	return got
}

// transmit sends frame, failing the test if the device has no room.
func transmit(t *testing.T, d *Device, frame []byte) {
	t.Helper()
	buf, ok := d.Transmit()
	if !ok {
		t.Fatalf("Transmit: no room (link %v, stats %+v)", d.LinkState(), d.Stats())
	}
	if len(buf) != d.Capabilities().MTU {
		t.Fatalf("Transmit lent %d bytes, want the MTU %d", len(buf), d.Capabilities().MTU)
	}
	d.Commit(copy(buf, frame))
}

// pattern returns n bytes that differ per seed and position.
func pattern(seed, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seed*31 + i*7 + i>>8)
	}
	return b
}

// driverGoroutines counts goroutines running this package's code.
func driverGoroutines() int {
	buf := make([]byte, 1<<20)
	n := 0
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "hal/qemu.(*Device).") {
			n++
		}
	}
	return n
}

// awaitGoroutines waits for the driver goroutines to number want. Close
// returns once they have run their last statement; leaving the stack takes
// them a moment more, so this polls, bounded by waitTimeout, yielding the
// processor in between instead of sleeping.
func awaitGoroutines(t *testing.T, want int) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for driverGoroutines() != want && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if got := driverGoroutines(); got != want {
		t.Errorf("%d driver goroutines, want %d", got, want)
	}
}

// noGoroutines is the baseline of a leak test: tests in this package do not
// run in parallel and close their devices, so none may be left from earlier
// tests either.
func noGoroutines(t *testing.T) int {
	t.Helper()
	awaitGoroutines(t, 0)
	return 0
}

// ARP by hand, so these tests need no other package of the project.

type ip4 [4]byte

var broadcast = hal.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

func arpRequest(src hal.HardwareAddr, spa, tpa ip4) []byte {
	f := make([]byte, 42)
	copy(f[0:6], broadcast[:])
	copy(f[6:12], src[:])
	binary.BigEndian.PutUint16(f[12:14], 0x0806)
	a := f[14:]
	binary.BigEndian.PutUint16(a[0:2], 1)
	binary.BigEndian.PutUint16(a[2:4], 0x0800)
	a[4], a[5] = 6, 4
	binary.BigEndian.PutUint16(a[6:8], 1)
	copy(a[8:14], src[:])
	copy(a[14:18], spa[:])
	copy(a[24:28], tpa[:])
	return f
}

// arpReplyFor reports whether f is an ARP reply from spa to (mac, tpa), and
// checks it is self-consistent: a unicast sender whose Ethernet source is
// the ARP sender address.
func arpReplyFor(f []byte, mac hal.HardwareAddr, spa, tpa ip4) (sender hal.HardwareAddr, ok bool) {
	if len(f) < 42 || binary.BigEndian.Uint16(f[12:14]) != 0x0806 {
		return sender, false
	}
	a := f[14:]
	if binary.BigEndian.Uint16(a[0:2]) != 1 || binary.BigEndian.Uint16(a[2:4]) != 0x0800 || a[4] != 6 || a[5] != 4 ||
		binary.BigEndian.Uint16(a[6:8]) != 2 || !bytes.Equal(a[14:18], spa[:]) || !bytes.Equal(a[24:28], tpa[:]) {
		return sender, false
	}
	copy(sender[:], a[8:14])
	if !bytes.Equal(f[0:6], mac[:]) || !bytes.Equal(a[18:24], mac[:]) || !bytes.Equal(f[6:12], sender[:]) ||
		sender[0]&1 != 0 || sender == (hal.HardwareAddr{}) {
		return sender, false
	}
	return sender, true
}
