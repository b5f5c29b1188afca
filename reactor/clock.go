package reactor

import (
	"sync"
	"time"
)

// Clock is the reactor's source of time and its way to sleep. Only the
// reactor calls Wait.
type Clock interface {
	// Now reports the current instant.
	Now() Instant
	// Wait returns when the clock reaches deadline or when wake receives,
	// whichever is first. Wait(Never, wake) waits for wake alone.
	Wait(deadline Instant, wake <-chan struct{})
}

// RealClock reads the host's monotonic clock and reports Unix-epoch instants.
type RealClock struct {
	base  time.Time // wall time at creation, monotonic reading included
	timer *time.Timer
}

// NewRealClock returns a clock that follows the host's time.
func NewRealClock() *RealClock {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &RealClock{base: time.Now(), timer: t}
}

// Now reports the current instant: the Unix time at creation advanced by the
// monotonic time elapsed since, so a wall-clock step cannot move it backwards.
func (c *RealClock) Now() Instant {
	return Instant(c.base.UnixNano() + int64(time.Since(c.base)))
}

// Wait sleeps until deadline or wake.
func (c *RealClock) Wait(deadline Instant, wake <-chan struct{}) {
	if deadline == Never {
		<-wake
		return
	}
	d := deadline.Sub(c.Now())
	if d <= 0 {
		return
	}
	c.timer.Reset(d)
	select {
	case <-wake:
	case <-c.timer.C:
	}
	c.timer.Stop()
}

// VirtualClock is simulated time: it stands still while the reactor works and
// jumps straight to the next deadline when the reactor would sleep. A network
// of stacks over the in-memory link runs on it deterministically and as fast
// as the CPU allows. It is safe to read from any goroutine.
type VirtualClock struct {
	mu  sync.Mutex
	now Instant
}

// NewVirtualClock returns a virtual clock that starts at start.
func NewVirtualClock(start Instant) *VirtualClock { return &VirtualClock{now: start} }

// Now reports the simulated instant.
func (c *VirtualClock) Now() Instant {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves simulated time forward by d.
func (c *VirtualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Wait jumps to deadline unless a wake is already pending. With deadline
// Never it blocks until woken, which only another goroutine can do.
func (c *VirtualClock) Wait(deadline Instant, wake <-chan struct{}) {
	select {
	case <-wake:
		return
	default:
	}
	if deadline == Never {
		<-wake
		return
	}
	c.mu.Lock()
	if deadline > c.now {
		c.now = deadline
	}
	c.mu.Unlock()
}
