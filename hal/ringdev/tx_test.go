package ringdev

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
)

var errWrite = errors.New("write failed")

// TestRunTxCounts: RunTx writes every committed slot, headroom included, in
// order, and counts sent frames (bytes without headroom), failed ones, and
// ErrNoLink as neither; a failed frame is dropped and the next one goes out.
func TestRunTxCounts(t *testing.T) {
	const headroom = 4
	d, p, _ := newPort(t, 8, 64, headroom)
	w := &recWriter{slots: make(chan []byte, 8), script: []error{nil, errWrite, ErrNoLink, fmt.Errorf("wrapped: %w", ErrNoLink), nil}}
	frames := []string{"one", "two: the write fails", "three: no link", "four: no link, wrapped", "five!"}
	for _, f := range frames {
		buf, ok := p.Transmit()
		if !ok {
			t.Fatal("Transmit refused")
		}
		p.Commit(copy(buf, f))
	}
	done, finished := runTx(d, w)
	for i, f := range frames {
		slot := receive(t, w.slots, fmt.Sprintf("write of frame %d", i))
		if len(slot) != headroom+len(f) || string(slot[headroom:]) != f {
			t.Errorf("write %d: %q, want %d bytes of headroom and %q", i, slot, headroom, f)
		}
	}
	close(done)
	receive(t, finished, "return from RunTx")
	want := Stats{TxFrames: 2, TxBytes: uint64(len(frames[0]) + len(frames[4])), TxErrors: 1}
	if st := d.Stats(); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	if _, tx := d.Rings(); tx.Len() != 0 {
		t.Errorf("%d slots not released", tx.Len())
	}
}

// gateWriter blocks every Write until the test lets it go, so the test
// decides what happens while a write is in flight.
type gateWriter struct {
	entered chan []byte
	gate    chan error
}

func (w *gateWriter) Write(slot []byte) (int, error) {
	w.entered <- slot
	if err := <-w.gate; err != nil {
		return 0, err
	}
	return len(slot), nil
}

// TestRunTxFailedWriteAfterDone: a write that fails once done is closed is
// the driver closing its file or socket: RunTx returns without counting an
// error or freeing the slot.
func TestRunTxFailedWriteAfterDone(t *testing.T) {
	d, p, _ := newPort(t, 2, 16, 0)
	w := &gateWriter{entered: make(chan []byte), gate: make(chan error)}
	done, finished := runTx(d, w)
	buf, _ := p.Transmit()
	p.Commit(copy(buf, "last"))
	receive(t, w.entered, "write")
	close(done)
	w.gate <- errWrite
	receive(t, finished, "return from RunTx")
	if st := d.Stats(); st != (Stats{}) {
		t.Errorf("stats %+v, want none counted", st)
	}
	if _, tx := d.Rings(); tx.Len() != 1 {
		t.Errorf("%d slots in the ring, want the failed one still there", tx.Len())
	}
}

// TestRunTxIdleStops: RunTx waiting for frames returns when done closes.
func TestRunTxIdleStops(t *testing.T) {
	d, _, _ := newPort(t, 2, 16, 0)
	w := &recWriter{slots: make(chan []byte, 1)}
	done, finished := runTx(d, w)
	close(done)
	receive(t, finished, "return from RunTx")
	if d.WaitTx(done) {
		t.Error("WaitTx reported a commit nobody made")
	}
}

// TestTransmitRoomWakeRace runs the transmit handshake for real: a reactor
// pushes frames through a two-slot ring as fast as Transmit allows, waiting
// for a wake whenever it is refused, while RunTx drains the ring on another
// goroutine. A lost wake would leave the reactor waiting for ever (the hang
// guard fails the test); a torn handover of a slot shows as a frame out of
// order or corrupted (and, under -race, as a reported race).
func TestTransmitRoomWakeRace(t *testing.T) {
	const total = 20000
	d, p, wk := newPort(t, 2, 8, 0)
	var got []uint32
	all := make(chan struct{})
	first := make(chan struct{})
	w := writerFunc(func(slot []byte) (int, error) {
		if len(got) == 0 {
			<-first // hold the first write until the ring has filled
		}
		got = append(got, binary.BigEndian.Uint32(slot))
		if len(got) == total {
			close(all)
		}
		return len(slot), nil
	})
	done, finished := runTx(d, w)
	refusals := 0
	for i := 0; i < total; {
		buf, ok := p.Transmit()
		if ok {
			binary.BigEndian.PutUint32(buf, uint32(i))
			p.Commit(4)
			i++
			continue
		}
		if refusals++; refusals == 1 {
			close(first)
		}
		receive(t, wk.ch, fmt.Sprintf("wake for transmit room (frame %d, refusal %d)", i, refusals))
	}
	receive(t, all, "all frames written")
	close(done)
	receive(t, finished, "return from RunTx")
	if refusals == 0 {
		t.Fatal("the ring never filled")
	}
	for i, v := range got {
		if v != uint32(i) {
			t.Fatalf("write %d carried frame %d", i, v)
		}
	}
	if st := d.Stats(); st.TxFrames != total || st.TxBytes != 4*total || st.TxErrors != 0 {
		t.Errorf("stats %+v", st)
	}
	t.Logf("%d refusals, %d wakes", refusals, wk.n.Load())
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }
