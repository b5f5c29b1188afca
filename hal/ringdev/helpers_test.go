package ringdev

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
)

// testWaker is the tests' reactor: it counts wakes and, like a wake queue,
// keeps at most one pending on ch.
type testWaker struct {
	n  atomic.Int64
	ch chan struct{}
}

func newTestWaker() *testWaker { return &testWaker{ch: make(chan struct{}, 1)} }

func (w *testWaker) Wake() {
	w.n.Add(1)
	select {
	case w.ch <- struct{}{}:
	default:
	}
}

// newPort makes a port with rings of slots frames, link up, and a waker
// registered after the link came up (so it has counted no wake yet).
func newPort(t *testing.T, slots, mtu, headroom int) (*Driver, Port, *testWaker) {
	t.Helper()
	d := New(hal.NewRing(slots, mtu), hal.NewRing(slots, headroom+mtu), mtu, headroom)
	d.SetLink(hal.LinkUp)
	w := newTestWaker()
	p := d.Port()
	p.SetWaker(w)
	return d, p, w
}

// hangGuard bounds a wait on another goroutine of the test. Nothing here
// waits on time: every wait ends on a channel, and the guard only turns a
// hang (a lost wake, a goroutine that does not stop) into a failure with a
// name instead of the test binary's timeout.
const hangGuard = 10 * time.Second

func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	guard := time.NewTimer(hangGuard)
	defer guard.Stop()
	select {
	case v := <-ch:
		return v
	case <-guard.C:
		t.Fatalf("no %s", what)
	}
	var zero T
	return zero
}

// recWriter is a transmit writer that hands a copy of every slot to the test
// and answers with the next scripted error (nil once the script runs out).
type recWriter struct {
	slots  chan []byte
	script []error
}

func (w *recWriter) Write(slot []byte) (int, error) {
	w.slots <- append([]byte(nil), slot...)
	if len(w.script) == 0 {
		return len(slot), nil
	}
	err := w.script[0]
	w.script = w.script[1:]
	if err != nil {
		return 0, err
	}
	return len(slot), nil
}

// runTx starts RunTx on w and returns done (close it to stop) and a channel
// closed when RunTx has returned.
func runTx(d *Driver, w interface{ Write([]byte) (int, error) }) (done, finished chan struct{}) {
	done, finished = make(chan struct{}), make(chan struct{})
	go func() {
		d.RunTx(w, done)
		close(finished)
	}()
	return done, finished
}
