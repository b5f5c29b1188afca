package reactor

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Task is work the reactor polls. Poll is called on the reactor goroutine with
// the current instant when the task's deadline has come or it was woken, and
// answers the instant at which it next needs to run (Never for none). A task
// may do bounded work per poll and answer now to be polled again at once.
type Task interface {
	Poll(now Instant) (next Instant)
}

// TaskFunc adapts a function to Task.
type TaskFunc func(now Instant) Instant

// Poll calls f.
func (f TaskFunc) Poll(now Instant) Instant { return f(now) }

// Handle refers to a spawned task. Its Wake method satisfies hal.Waker.
type Handle struct {
	r     *Reactor
	task  Task
	next  Instant
	woken atomic.Bool
	dead  bool
}

// Wake makes the reactor poll the task at its next turn. It is safe to call
// from any goroutine, never blocks and never allocates.
func (h *Handle) Wake() {
	if !h.woken.Swap(true) {
		h.r.signal()
	}
}

// Cancel removes the task; it is not polled again. Reactor goroutine only.
func (h *Handle) Cancel() { h.dead = true }

// Reactor polls tasks on one goroutine. Everything except Wake, Post and the
// handles' Wake must be called from that goroutine.
type Reactor struct {
	clock Clock
	tasks []*Handle
	wake  chan struct{}
	all   atomic.Bool // Wake on the reactor: poll every task

	mu     sync.Mutex
	posted []func()
	spare  []func()
}

// New returns a reactor on clock c.
func New(c Clock) *Reactor {
	return &Reactor{clock: c, wake: make(chan struct{}, 1)}
}

// Clock returns the reactor's clock.
func (r *Reactor) Clock() Clock { return r.clock }

// Now reports the current instant of the reactor's clock.
func (r *Reactor) Now() Instant { return r.clock.Now() }

// Spawn adds a task, to be polled at the next turn.
func (r *Reactor) Spawn(t Task) *Handle {
	h := &Handle{r: r, task: t}
	h.woken.Store(true)
	r.tasks = append(r.tasks, h)
	r.signal()
	return h
}

// Wake makes the reactor poll every task at its next turn. Safe from any
// goroutine; satisfies hal.Waker.
func (r *Reactor) Wake() {
	if !r.all.Swap(true) {
		r.signal()
	}
}

// Post queues fn to run on the reactor goroutine at its next turn. Safe from
// any goroutine; it is the door through which other goroutines touch stack
// state.
func (r *Reactor) Post(fn func()) {
	r.mu.Lock()
	r.posted = append(r.posted, fn)
	r.mu.Unlock()
	r.signal()
}

func (r *Reactor) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Step runs one turn without waiting: posted functions, then every task that
// is due or woken. It answers the earliest deadline of the tasks and whether
// more work is already pending (a wake arrived during the turn).
func (r *Reactor) Step() (next Instant, pending bool) {
	r.runPosted()
	now := r.clock.Now()
	all := r.all.Swap(false)
	next = Never
	dead := 0
	// Index loop: a task spawned by a Poll is appended and polled this turn.
	for i := 0; i < len(r.tasks); i++ {
		h := r.tasks[i]
		if !h.dead && (h.woken.Swap(false) || all || h.next <= now) {
			h.next = h.task.Poll(now)
		}
		if h.dead {
			dead++
			continue
		}
		next = Min(next, h.next)
	}
	if dead > 0 {
		live := r.tasks[:0]
		for _, h := range r.tasks {
			if !h.dead {
				live = append(live, h)
			}
		}
		clear(r.tasks[len(live):])
		r.tasks = live
	}
	return next, r.hasPending() || next <= now
}

func (r *Reactor) hasPending() bool {
	if r.all.Load() {
		return true
	}
	for _, h := range r.tasks {
		if h.woken.Load() {
			return true
		}
	}
	r.mu.Lock()
	n := len(r.posted)
	r.mu.Unlock()
	return n > 0
}

func (r *Reactor) runPosted() {
	r.mu.Lock()
	fns := r.posted
	r.posted = r.spare[:0]
	r.mu.Unlock()
	for i, fn := range fns {
		fn()
		fns[i] = nil
	}
	r.mu.Lock()
	r.spare = fns[:0]
	r.mu.Unlock()
}

// Run turns the reactor until ctx is done, sleeping between turns until the
// earliest deadline or a wake.
func (r *Reactor) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, r.signal)
	defer stop()
	for ctx.Err() == nil {
		next, pending := r.Step()
		if pending {
			continue
		}
		r.clock.Wait(next, r.wake)
	}
	return ctx.Err()
}

// RunUntil turns the reactor until cond reports true or the clock has moved
// limit past its reading at the call, and reports cond's last answer. On a
// VirtualClock a stalled network (no deadline, no wake) jumps straight to the
// limit, so a test that waits for something that never happens ends at once.
func (r *Reactor) RunUntil(limit time.Duration, cond func() bool) bool {
	stopAt := r.clock.Now().Add(limit)
	for {
		next, pending := r.Step()
		if cond() {
			return true
		}
		if pending {
			continue
		}
		if r.clock.Now() >= stopAt {
			return false
		}
		r.clock.Wait(Min(next, stopAt), r.wake)
	}
}

// RunFor turns the reactor for d of clock time.
func (r *Reactor) RunFor(d time.Duration) {
	r.RunUntil(d, func() bool { return false })
}
