package loopback

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
)

type countWaker struct{ n atomic.Int64 }

func (w *countWaker) Wake() { w.n.Add(1) }

// chanWaker turns wakes into a one-slot channel, the way a reactor's wake
// queue coalesces them: a wake that arrives while nobody waits is kept.
type chanWaker chan struct{}

func (c chanWaker) Wake() {
	select {
	case c <- struct{}{}:
	default:
	}
}

func frame(seq uint32, n int) []byte {
	b := make([]byte, n)
	binary.BigEndian.PutUint32(b, seq)
	for i := 4; i < n; i++ {
		b[i] = byte(seq*7) ^ byte(i)
	}
	return b
}

func send(t *testing.T, d *Device, f []byte) {
	t.Helper()
	buf, ok := d.Transmit()
	if !ok {
		t.Fatal("Transmit refused on an idle link")
	}
	copy(buf, f)
	d.Commit(len(f))
}

func recv(t *testing.T, d *Device) []byte {
	t.Helper()
	f, ok := d.Receive()
	if !ok {
		t.Fatal("Receive found no frame")
	}
	out := bytes.Clone(f)
	d.ReleaseRx()
	return out
}

func TestDefaults(t *testing.T) {
	a, b := NewPair(Config{})
	if a.Capabilities().MTU != 1514 || b.Capabilities().MTU != 1514 {
		t.Errorf("MTU = %d/%d, want 1514", a.Capabilities().MTU, b.Capabilities().MTU)
	}
	if a.HardwareAddr() != (hal.HardwareAddr{2, 0, 0, 0, 0, 1}) || b.HardwareAddr() != (hal.HardwareAddr{2, 0, 0, 0, 0, 2}) {
		t.Errorf("addresses %x %x", a.HardwareAddr(), b.HardwareAddr())
	}
	if a.LinkState() != hal.LinkUp || b.LinkState() != hal.LinkUp {
		t.Error("a new link is not up")
	}
	// 64 slots per direction: the 65th frame without a receive is refused.
	for i := 0; i < 64; i++ {
		send(t, a, frame(uint32(i), 60))
	}
	if _, ok := a.Transmit(); ok {
		t.Error("a 65th frame was accepted by a 64-slot ring")
	}
	buf, ok := b.Transmit()
	if !ok || len(buf) != 1514 {
		t.Fatalf("Transmit lent %d bytes, ok=%v; want the MTU", len(buf), ok)
	}
	b.Commit(0)
}

func TestFramesCrossBothWays(t *testing.T) {
	a, b := NewPair(Config{MTU: 256, Slots: 8, A: hal.HardwareAddr{2, 9, 9, 9, 9, 9}})
	if a.HardwareAddr() != (hal.HardwareAddr{2, 9, 9, 9, 9, 9}) {
		t.Errorf("A = %x", a.HardwareAddr())
	}
	var wantTx, wantRx uint64
	for i := uint32(0); i < 100; i++ {
		n := 14 + int(i*37%243)
		fa, fb := frame(i, n), frame(i+1000, 256-n+14)
		send(t, a, fa)
		send(t, b, fb)
		if got := recv(t, b); !bytes.Equal(got, fa) {
			t.Fatalf("frame %d a->b: got % x, want % x", i, got[:16], fa[:16])
		}
		if got := recv(t, a); !bytes.Equal(got, fb) {
			t.Fatalf("frame %d b->a: got % x, want % x", i, got[:16], fb[:16])
		}
		wantTx += uint64(len(fa))
		wantRx += uint64(len(fb))
	}
	if _, ok := a.Receive(); ok {
		t.Error("a frame appeared from nowhere")
	}
	st := a.Stats()
	if st.TxFrames != 100 || st.RxFrames != 100 || st.TxBytes != wantTx || st.RxBytes != wantRx {
		t.Errorf("a stats %+v, want 100 frames, %d bytes out, %d in", st, wantTx, wantRx)
	}
	if bs := b.Stats(); bs.RxBytes != wantTx || bs.TxBytes != wantRx {
		t.Errorf("b stats %+v do not mirror a's", bs)
	}
}

func TestCommitZeroAndClamp(t *testing.T) {
	a, b := NewPair(Config{MTU: 100, Slots: 2})
	buf, _ := a.Transmit()
	buf[0] = 1
	a.Commit(0)
	if _, ok := b.Receive(); ok {
		t.Fatal("Commit(0) sent a frame")
	}
	a.Commit(50) // no lease outstanding: must do nothing
	if _, ok := b.Receive(); ok {
		t.Fatal("Commit without Transmit sent a frame")
	}
	if _, ok := a.Transmit(); !ok {
		t.Fatal("Transmit refused")
	}
	a.Commit(1000)
	if got := recv(t, b); len(got) != 100 {
		t.Fatalf("Commit(1000) on MTU 100 delivered %d bytes", len(got))
	}
	if a.Stats().TxFrames != 1 {
		t.Errorf("TxFrames = %d, want 1", a.Stats().TxFrames)
	}
}

func TestWakers(t *testing.T) {
	a, b := NewPair(Config{Slots: 2})
	var wa, wb countWaker
	a.SetWaker(&wa)
	b.SetWaker(&wb)
	send(t, a, frame(1, 60))
	if wb.n.Load() != 1 || wa.n.Load() != 0 {
		t.Fatalf("after a->b: wakes a=%d b=%d, want 0 and 1", wa.n.Load(), wb.n.Load())
	}
	recv(t, b)
	// a was never blocked, so b's release owes it nothing.
	if wa.n.Load() != 0 {
		t.Fatalf("a woken %d times without waiting for room", wa.n.Load())
	}
	b.SetWaker(nil)
	send(t, a, frame(2, 60))
	if wb.n.Load() != 1 {
		t.Fatal("a waker removed with SetWaker(nil) still fired")
	}
}

func TestBackpressure(t *testing.T) {
	a, b := NewPair(Config{Slots: 4})
	var wa countWaker
	a.SetWaker(&wa)
	for i := uint32(0); i < 4; i++ {
		send(t, a, frame(i, 64))
	}
	for k := 0; k < 3; k++ {
		if buf, ok := a.Transmit(); ok || buf != nil {
			t.Fatalf("Transmit lent a buffer (%d bytes) with the peer's ring full", len(buf))
		}
	}
	if got := a.Stats().TxNoRoom; got != 3 {
		t.Errorf("TxNoRoom = %d, want 3", got)
	}
	if wa.n.Load() != 0 {
		t.Fatal("a woken before any room freed up")
	}
	if got := recv(t, b); binary.BigEndian.Uint32(got) != 0 {
		t.Fatalf("first frame out is seq %d", binary.BigEndian.Uint32(got))
	}
	if wa.n.Load() != 1 {
		t.Fatalf("a woken %d times when room freed up, want 1", wa.n.Load())
	}
	recv(t, b) // a was woken already and has not been refused since: no second wake
	if wa.n.Load() != 1 {
		t.Fatalf("a woken %d times, want still 1", wa.n.Load())
	}
	send(t, a, frame(4, 64))
	send(t, a, frame(5, 64))
	for want := uint32(2); want < 6; want++ {
		if got := binary.BigEndian.Uint32(recv(t, b)); got != want {
			t.Fatalf("got seq %d, want %d: order broken", got, want)
		}
	}
}

func TestLinkDown(t *testing.T) {
	a, b := NewPair(Config{})
	var wa, wb countWaker
	a.SetWaker(&wa)
	b.SetWaker(&wb)
	send(t, a, frame(1, 60)) // in flight before the link drops
	wb.n.Store(0)
	a.SetLinkState(hal.LinkDown)
	if b.LinkState() != hal.LinkDown || a.LinkState() != hal.LinkDown {
		t.Fatal("link down on a is not seen by both ends")
	}
	if wa.n.Load() != 1 || wb.n.Load() != 1 {
		t.Fatalf("link change woke a=%d b=%d, want 1 each", wa.n.Load(), wb.n.Load())
	}
	a.SetLinkState(hal.LinkDown) // no change, no wake
	if wa.n.Load() != 1 || wb.n.Load() != 1 {
		t.Fatal("setting the same state woke someone")
	}
	if _, ok := a.Transmit(); ok {
		t.Fatal("Transmit lent a buffer on a down link")
	}
	if _, ok := b.Transmit(); ok {
		t.Fatal("the peer's Transmit lent a buffer on a down link")
	}
	if a.Stats().TxLinkDown != 1 || b.Stats().TxLinkDown != 1 {
		t.Errorf("TxLinkDown a=%d b=%d, want 1 each", a.Stats().TxLinkDown, b.Stats().TxLinkDown)
	}
	if got := recv(t, b); binary.BigEndian.Uint32(got) != 1 {
		t.Fatal("the frame in flight was not delivered")
	}
	b.SetLinkState(hal.LinkUp)
	if a.LinkState() != hal.LinkUp {
		t.Fatal("link up on b is not seen by a")
	}
	send(t, a, frame(2, 60))
	if got := recv(t, b); binary.BigEndian.Uint32(got) != 2 {
		t.Fatal("no traffic after the link came back")
	}
}

// TestConcurrentEnds drives each end from its own goroutine, both sending and
// receiving, and sleeping only on its waker: a lost wake would hang, a broken
// ring would corrupt or reorder frames.
func TestConcurrentEnds(t *testing.T) {
	const frames = 20_000
	a, b := NewPair(Config{MTU: 200, Slots: 8})
	errs := make(chan error, 2)
	// The deadline only turns a lost wake into a failure instead of a hang;
	// nothing waits for it to pass.
	deadline := time.After(20 * time.Second)
	run := func(d *Device, txBase, rxBase uint32) {
		wake := make(chanWaker, 1)
		d.SetWaker(wake)
		var sent, got uint32
		for sent < frames || got < frames {
			progress := false
			for got < frames {
				f, ok := d.Receive()
				if !ok {
					break
				}
				want := frame(rxBase+got, 14+int(got%186))
				if !bytes.Equal(f, want) {
					errs <- fmt.Errorf("frame %d: % x..., want % x...", got, f[:min(8, len(f))], want[:8])
					return
				}
				d.ReleaseRx()
				got++
				progress = true
			}
			for sent < frames {
				buf, ok := d.Transmit()
				if !ok {
					break
				}
				d.Commit(copy(buf, frame(txBase+sent, 14+int(sent%186))))
				sent++
				progress = true
			}
			if !progress {
				select {
				case <-wake:
				case <-deadline:
					errs <- fmt.Errorf("stuck after sending %d and receiving %d: a wake was lost", sent, got)
					return
				}
			}
		}
		errs <- nil
	}
	go run(a, 0, 1<<20)
	go run(b, 1<<20, 0)
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if st := a.Stats(); st.TxFrames != frames || st.RxFrames != frames {
		t.Errorf("a stats %+v", st)
	}
}

type nopWaker struct{}

func (*nopWaker) Wake() {}

func TestNoAllocsPerFrame(t *testing.T) {
	a, b := NewPair(Config{})
	a.SetWaker(&nopWaker{})
	b.SetWaker(&nopWaker{})
	payload := frame(1, 1514)
	allocs := testing.AllocsPerRun(1000, func() {
		buf, ok := a.Transmit()
		if !ok {
			t.Fatal("Transmit refused")
		}
		a.Commit(copy(buf, payload))
		f, ok := b.Receive()
		if !ok || len(f) != 1514 {
			t.Fatal("Receive failed")
		}
		b.ReleaseRx()
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per frame, want 0", allocs)
	}
}

func BenchmarkFrame(b *testing.B) {
	for _, size := range []int{64, 1514} {
		b.Run(fmt.Sprint(size), func(bb *testing.B) {
			x, y := NewPair(Config{})
			x.SetWaker(&nopWaker{})
			y.SetWaker(&nopWaker{})
			payload := frame(1, size)
			bb.SetBytes(int64(size))
			bb.ReportAllocs()
			for bb.Loop() {
				buf, _ := x.Transmit()
				x.Commit(copy(buf, payload))
				y.Receive()
				y.ReleaseRx()
			}
		})
	}
}
