package interop

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/echo"
	"github.com/seed947b3480/legation/stack"
	"golang.org/x/sys/unix"
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

// inNetns runs fn on an OS thread that has entered the named network
// namespace, so sockets fn opens belong to it; the thread returns to the
// original namespace afterwards.
func inNetns(t *testing.T, name string, fn func()) {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(orig)
	target, err := unix.Open("/var/run/netns/"+name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := unix.Setns(orig, unix.CLONE_NEWNET); err != nil {
			panic("cannot return to the original network namespace: " + err.Error())
		}
	}()
	fn()
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
