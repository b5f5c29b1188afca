package qemu

import (
	"errors"
	"net"
	"testing"

	"github.com/seed947b3480/legation/hal"
)

// checkClosed: after Close the link is down, Transmit refuses, a second
// Close says ErrClosed and no goroutine of the device is left.
func checkClosed(t *testing.T, d *Device, base int) {
	t.Helper()
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if d.LinkState() != hal.LinkDown {
		t.Errorf("link %v after Close", d.LinkState())
	}
	if _, ok := d.Transmit(); ok {
		t.Error("Transmit lent a buffer after Close")
	}
	if err := d.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close: %v, want ErrClosed", err)
	}
	awaitGoroutines(t, base)
}

func TestCloseDialed(t *testing.T) {
	base := noGoroutines(t)
	d, peer, w := streamPair(t, Config{})
	if got := driverGoroutines(); got != base+2 {
		t.Fatalf("%d driver goroutines, want %d", got, base+2)
	}
	checkClosed(t, d, base)
	select {
	case <-w:
	default:
		t.Error("Close did not wake the reactor for the link change")
	}
	awaitEOF(t, peer)
}

func TestCloseListeningIdle(t *testing.T) {
	base := noGoroutines(t)
	d, err := Listen("tcp", "127.0.0.1:0", Config{})
	if err != nil {
		t.Fatal(err)
	}
	addr := d.Addr().String()
	checkClosed(t, d, base)
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Error("the listener still accepts after Close")
	}
}

func TestCloseListeningConnected(t *testing.T) {
	base := noGoroutines(t)
	d, err := Listen("unix", t.TempDir()+"/q.sock", Config{})
	if err != nil {
		t.Fatal(err)
	}
	w := make(chanWaker, 1)
	d.SetWaker(w)
	peer, err := net.Dial("unix", d.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	await(t, w, "link up", func() bool { return d.LinkState() == hal.LinkUp })
	checkClosed(t, d, base)
	awaitEOF(t, peer)
}

func TestCloseDatagram(t *testing.T) {
	base := noGoroutines(t)
	d, _, _ := datagramPair(t, Config{})
	checkClosed(t, d, base)
}
