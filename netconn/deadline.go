package netconn

import (
	"sync"
	"time"
)

// deadline is one direction's deadline as a channel that is closed once the
// deadline has passed, so a blocked call can select on it. Moving the
// deadline into the past closes the channel at once and wakes the call;
// moving it later, or clearing it, leaves a waiting call waiting. The timer
// is made on first use and reused, and a fresh channel is made only after
// one has been closed, so setting deadlines in a loop costs nothing.
type deadline struct {
	mu    sync.Mutex
	when  time.Time
	timer *time.Timer
	c     chan struct{}
}

func (d *deadline) init() { d.c = make(chan struct{}) }

// set moves the deadline to t; the zero time clears it.
func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.when = t
	if d.timer != nil {
		d.timer.Stop()
	}
	expired := isClosed(d.c)
	if t.IsZero() {
		if expired {
			d.c = make(chan struct{})
		}
		return
	}
	left := time.Until(t)
	if left <= 0 {
		if !expired {
			close(d.c)
		}
		return
	}
	if expired {
		d.c = make(chan struct{})
	}
	if d.timer == nil {
		d.timer = time.AfterFunc(left, d.fire)
	} else {
		d.timer.Reset(left)
	}
}

// fire runs on the timer's goroutine. It checks the deadline again: a timer
// that Stop could no longer stop may fire for a deadline since moved.
func (d *deadline) fire() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.when.IsZero() || isClosed(d.c) {
		return
	}
	if left := time.Until(d.when); left > 0 {
		d.timer.Reset(left)
		return
	}
	close(d.c)
}

// done returns the channel that is closed when the deadline passes.
func (d *deadline) done() <-chan struct{} {
	d.mu.Lock()
	c := d.c
	d.mu.Unlock()
	return c
}

// expired reports whether the deadline has passed.
func (d *deadline) expired() bool { return isClosed(d.done()) }

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
