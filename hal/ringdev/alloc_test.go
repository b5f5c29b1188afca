package ringdev

import (
	"testing"

	"github.com/seed947b3480/legation/hal"
)

// TestPerFrameAllocs: every per-frame method, on both sides and on the
// transmit-room wake path, allocates nothing.
func TestPerFrameAllocs(t *testing.T) {
	d, p, w := newPort(t, 2, 64, 4)
	frame := []byte("a frame of some length")
	failed := false
	allocs := testing.AllocsPerRun(1000, func() {
		slot, ok := d.LeaseRx()
		d.Received(copy(slot, frame), ok)
		d.Received(0, ok)
		d.Received(len(frame), false)
		if f, ok := p.Receive(); !ok || len(f) != len(frame) {
			failed = true
		}
		p.ReleaseRx()

		for { // fill the ring until Transmit refuses and arms the wake
			buf, ok := p.Transmit()
			if !ok {
				break
			}
			p.Commit(copy(buf, frame))
		}
		for {
			if _, ok := d.NextTx(); !ok {
				break
			}
			d.ReleaseTx()
		}
		select {
		case <-d.txSignal:
		default:
			failed = true
		}
		d.SetLink(hal.LinkDown)
		d.SetLink(hal.LinkUp)
		_ = p.LinkState()
		d.RxError()
		_ = d.Stats()
	})
	if failed {
		t.Fatal("a frame went missing")
	}
	if allocs > 0 {
		t.Fatalf("%v allocations per frame, want 0", allocs)
	}
	if w.n.Load() == 0 {
		t.Fatal("the measured paths never woke the reactor")
	}
}

// TestRunTxAllocs: a frame through a running RunTx allocates nothing.
// AllocsPerRun counts every goroutine's allocations, so the transmit
// goroutine is measured too.
func TestRunTxAllocs(t *testing.T) {
	d, p, _ := newPort(t, 4, 64, 0)
	written := make(chan struct{}, 1)
	w := writerFunc(func(slot []byte) (int, error) {
		written <- struct{}{}
		return len(slot), nil
	})
	done, finished := runTx(d, w)
	defer func() {
		close(done)
		receive(t, finished, "return from RunTx")
	}()
	failed := false
	allocs := testing.AllocsPerRun(500, func() {
		buf, ok := p.Transmit()
		if !ok {
			failed = true
			return
		}
		p.Commit(copy(buf, "frame"))
		<-written
	})
	if failed {
		t.Fatal("Transmit refused with the ring draining")
	}
	if allocs > 0 {
		t.Fatalf("%v allocations per frame through RunTx, want 0", allocs)
	}
}
