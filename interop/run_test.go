package interop

import (
	"context"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/echo"
	"github.com/seed947b3480/legation/stack"
)

// device is a stack on a real device, its reactor turning on its own
// goroutine. Tests touch stack state only through do.
type device struct {
	r     *reactor.Reactor
	s     *stack.Stack
	stop  context.CancelFunc
	done  chan struct{}
	close func() error
}

func startDevice(t *testing.T, dev hal.Device, cfg stack.Config) *device {
	t.Helper()
	s, err := stack.New(dev, cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := &device{r: reactor.New(reactor.NewRealClock()), s: s, done: make(chan struct{})}
	s.Spawn(d.r)
	if _, err := echo.Serve(s, echo.Port); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.stop = cancel
	go func() { defer close(d.done); d.r.Run(ctx) }()
	t.Cleanup(d.shutdown)
	return d
}

func (d *device) shutdown() {
	d.stop()
	<-d.done
}

// do runs fn on the reactor goroutine and waits for it.
func (d *device) do(fn func()) {
	ch := make(chan struct{})
	d.r.Post(func() { fn(); close(ch) })
	<-ch
}

func (d *device) counters() stack.Counters {
	var c stack.Counters
	d.do(func() { c = d.s.Counters() })
	return c
}

// inNetns runs fn inside the named network namespace (netnstest.Enter),
// failing the test if it cannot enter it.
func inNetns(t *testing.T, name string, fn func()) {
	t.Helper()
	if err := netnstest.Enter(name, fn); err != nil {
		t.Fatal(err)
	}
}

// waitFor checks cond on the reactor goroutine every 5 ms of reactor time and
// reports whether it held within timeout.
func (d *device) waitFor(timeout time.Duration, cond func() bool) bool {
	ok := make(chan struct{})
	var h *reactor.Handle
	d.do(func() {
		h = d.r.Spawn(reactor.TaskFunc(func(now reactor.Instant) reactor.Instant {
			if cond() {
				close(ok)
				h.Cancel()
				return reactor.Never
			}
			return now.Add(5 * time.Millisecond)
		}))
	})
	select {
	case <-ok:
		return true
	case <-time.After(timeout):
		d.do(func() { h.Cancel() })
		return false
	}
}
