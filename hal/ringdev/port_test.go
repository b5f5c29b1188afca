package ringdev

import (
	"bytes"
	"testing"

	"github.com/seed947b3480/legation/hal"
)

func TestNewRejectsShortSlots(t *testing.T) {
	for _, c := range []struct{ rxSlot, txSlot, mtu, headroom int }{
		{rxSlot: 99, txSlot: 104, mtu: 100, headroom: 4},
		{rxSlot: 100, txSlot: 103, mtu: 100, headroom: 4},
		{rxSlot: 100, txSlot: 100, mtu: 0, headroom: 0},
		{rxSlot: 100, txSlot: 100, mtu: 50, headroom: -1},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v: New did not panic", c)
				}
			}()
			New(hal.NewRing(2, c.rxSlot), hal.NewRing(2, c.txSlot), c.mtu, c.headroom)
		}()
	}
	p := New(hal.NewRing(2, 100), hal.NewRing(2, 104), 100, 4).Port()
	if p.LinkState() != hal.LinkDown {
		t.Error("a new port's link is not down")
	}
}

// TestReceivePublishes: frames reported with Received reach Receive in
// order, each waking the reactor and counted.
func TestReceivePublishes(t *testing.T) {
	d, p, w := newPort(t, 4, 64, 0)
	frames := [][]byte{[]byte("first frame"), bytes.Repeat([]byte{0xa5}, 64), {1}}
	var bytesIn uint64
	for i, f := range frames {
		slot, ok := d.LeaseRx()
		if !ok || len(slot) != 64 {
			t.Fatalf("frame %d: LeaseRx %d bytes, ok=%v", i, len(slot), ok)
		}
		d.Received(copy(slot, f), true)
		bytesIn += uint64(len(f))
		if got := w.n.Load(); got != int64(i+1) {
			t.Fatalf("after frame %d: %d wakes, want %d", i, got, i+1)
		}
	}
	for i, f := range frames {
		got, ok := p.Receive()
		if !ok || !bytes.Equal(got, f) {
			t.Fatalf("Receive %d: %q, %v; want %q", i, got, ok, f)
		}
		p.ReleaseRx()
	}
	if _, ok := p.Receive(); ok {
		t.Error("Receive lent a frame nobody sent")
	}
	if st := d.Stats(); st != (Stats{RxFrames: uint64(len(frames)), RxBytes: bytesIn}) {
		t.Errorf("stats %+v", st)
	}
}

// TestReceivedDrops: what Received does with reads that are not frames to
// publish.
func TestReceivedDrops(t *testing.T) {
	const mtu = 32
	for _, c := range []struct {
		name     string
		n        int
		leased   bool
		wakes    int64
		want     Stats
		sameSlot bool // the next lease returns the same slot
	}{
		{name: "empty read", n: 0, leased: true, sameSlot: true},
		{name: "oversize", n: mtu + 1, leased: true, want: Stats{RxOversize: 1}, sameSlot: true},
		{name: "ring full", n: 10, leased: false, wakes: 1, want: Stats{RxDropFull: 1}},
		{name: "ring full, oversize", n: mtu + 1, leased: false, wakes: 1, want: Stats{RxDropFull: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, p, w := newPort(t, 2, mtu, 0)
			slot, _ := d.LeaseRx()
			d.Received(c.n, c.leased)
			if _, ok := p.Receive(); ok {
				t.Error("a dropped read reached Receive")
			}
			if got := w.n.Load(); got != c.wakes {
				t.Errorf("%d wakes, want %d", got, c.wakes)
			}
			if st := d.Stats(); st != c.want {
				t.Errorf("stats %+v, want %+v", st, c.want)
			}
			if again, _ := d.LeaseRx(); c.sameSlot && &again[0] != &slot[0] {
				t.Error("the slot of a dropped read was not leased again")
			}
		})
	}
}

// TestTransmitLendsFrameSpace: Transmit lends MTU bytes after the headroom,
// Commit publishes headroom plus n (at most the MTU) and signals once.
func TestTransmitLendsFrameSpace(t *testing.T) {
	const mtu, headroom = 16, 4
	d, p, _ := newPort(t, 4, mtu, headroom)
	buf, ok := p.Transmit()
	if !ok || len(buf) != mtu || cap(buf) != mtu {
		t.Fatalf("Transmit: len %d cap %d ok %v, want %d bytes", len(buf), cap(buf), ok, mtu)
	}
	p.Commit(copy(buf, "hello"))
	buf, _ = p.Transmit()
	p.Commit(mtu + 100)
	if len(d.txSignal) != 1 {
		t.Fatalf("%d pending transmit signals, want 1", len(d.txSignal))
	}
	slot, ok := d.NextTx()
	if !ok || len(slot) != headroom+5 || string(slot[headroom:]) != "hello" {
		t.Fatalf("first slot %q, ok %v", slot, ok)
	}
	d.ReleaseTx()
	slot, _ = d.NextTx()
	if len(slot) != headroom+mtu || &slot[headroom] != &buf[0] {
		t.Fatalf("second slot %d bytes, want %d ending in the lent buffer", len(slot), headroom+mtu)
	}
}

// TestCommitZeroAbandons: Commit(0) publishes nothing and signals nothing;
// the next Transmit lends the same buffer.
func TestCommitZeroAbandons(t *testing.T) {
	d, p, _ := newPort(t, 2, 16, 0)
	buf, _ := p.Transmit()
	p.Commit(0)
	if _, ok := d.NextTx(); ok {
		t.Error("Commit(0) published a frame")
	}
	if len(d.txSignal) != 0 {
		t.Error("Commit(0) signalled the transmit goroutine")
	}
	if again, _ := p.Transmit(); &again[0] != &buf[0] {
		t.Error("the abandoned buffer was not lent again")
	}
}

// TestLinkState: Transmit refuses unless the link is up; SetLink wakes the
// reactor on a change only.
func TestLinkState(t *testing.T) {
	d := New(hal.NewRing(2, 16), hal.NewRing(2, 16), 16, 0)
	p := d.Port()
	w := newTestWaker()
	p.SetWaker(w)
	if _, ok := p.Transmit(); ok {
		t.Error("Transmit lent a buffer before the link came up")
	}
	steps := []struct {
		set   hal.LinkState
		wakes int64
		tx    bool
	}{
		{hal.LinkUp, 1, true},
		{hal.LinkUp, 1, true},
		{hal.LinkDown, 2, false},
		{hal.LinkDown, 2, false},
		{hal.LinkUp, 3, true},
	}
	for i, s := range steps {
		d.SetLink(s.set)
		if p.LinkState() != s.set {
			t.Errorf("step %d: LinkState %v, want %v", i, p.LinkState(), s.set)
		}
		if got := w.n.Load(); got != s.wakes {
			t.Errorf("step %d: %d wakes, want %d", i, got, s.wakes)
		}
		if _, ok := p.Transmit(); ok != s.tx {
			t.Errorf("step %d: Transmit ok=%v, want %v", i, ok, s.tx)
		}
	}
}

// TestSetWakerNil: an unregistered waker is not woken, and waking with none
// registered is harmless.
func TestSetWakerNil(t *testing.T) {
	d, p, w := newPort(t, 2, 16, 0)
	d.Wake()
	p.SetWaker(nil)
	d.Wake()
	d.SetLink(hal.LinkDown)
	if got := w.n.Load(); got != 1 {
		t.Errorf("%d wakes, want the 1 from before SetWaker(nil)", got)
	}
}

// TestTransmitRoomWake: the reactor is woken when a slot frees after a
// Transmit was refused for a full ring, once per such wait, and not for
// slots freed while nobody waited.
func TestTransmitRoomWake(t *testing.T) {
	d, p, w := newPort(t, 2, 16, 0)
	commit := func(n int) {
		t.Helper()
		for range n {
			buf, ok := p.Transmit()
			if !ok {
				t.Fatal("Transmit refused with room in the ring")
			}
			p.Commit(copy(buf, "x"))
		}
	}
	refused := func() {
		t.Helper()
		if _, ok := p.Transmit(); ok {
			t.Fatal("Transmit lent a buffer with the ring full")
		}
	}
	release := func() {
		t.Helper()
		if _, ok := d.NextTx(); !ok {
			t.Fatal("no frame to release")
		}
		d.ReleaseTx()
	}
	wakes := func(want int64, when string) {
		t.Helper()
		if got := w.n.Load(); got != want {
			t.Fatalf("%s: %d wakes, want %d", when, got, want)
		}
	}
	commit(2) // full, but nobody has been refused
	release()
	wakes(0, "room freed while nobody waited")
	commit(1)
	refused()
	refused()
	wakes(0, "refused twice, no room yet")
	release()
	wakes(1, "room after the refusals")
	release()
	wakes(1, "a second slot freed in the same wait")
	commit(2)
	refused()
	release()
	wakes(2, "room after the second wait")
}
