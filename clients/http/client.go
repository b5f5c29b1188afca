package http

import (
	"errors"
	"io"
	"unsafe"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
)

// Client is an HTTP/1.1 client running as a task on a reactor: it owns a
// table of connections (Config.MaxConns), the queue of requests waiting
// for one, and their timers. All its methods run on the reactor goroutine.
type Client struct {
	host   Host
	cfg    Config
	dialer stream.Dialer
	h      *reactor.Handle
	slots  []conn
	queue  queue
	now    reactor.Instant

	inPoll  bool
	closing bool // Close was called inside Poll; it finishes there
	closed  bool
	stats   Stats
}

// Stats counts a client's work.
type Stats struct {
	Requests   uint64 // requests Do accepted
	Completed  uint64 // requests that completed with a response
	Failed     uint64 // requests that completed with an error (Do's refusals included)
	Dials      uint64 // connections opened (lookups included)
	Reused     uint64 // exchanges on a kept-alive connection
	Redirects  uint64 // redirects followed
	Retries    uint64 // requests sent again after a stale keep-alive connection
	IdleClosed uint64 // idle connections closed (timeout, server's close, eviction)
	QueueFull  uint64 // requests refused with ErrQueueFull
}

var errTCPBuffers = errors.New("http: Config.TCP must not name RxBuffer or TxBuffer (connections would share them)")

// New returns a client that opens its connections through host (or
// cfg.Dialer). Spawn it on the reactor that runs host. New allocates the
// connection table; connections, and each Request's buffers on its first
// Do, are allocated as they come.
func New(host Host, cfg Config) (*Client, error) {
	cfg.setDefaults()
	c := &Client{host: host, cfg: cfg, dialer: cfg.Dialer, queue: newQueue()}
	if c.dialer == nil {
		if cfg.TCP.RxBuffer != nil || cfg.TCP.TxBuffer != nil {
			return nil, errTCPBuffers
		}
		tc := cfg.TCP
		tc.NoDelay = tc.NoDelay || !cfg.Nagle
		c.dialer = &stream.TCP{Host: host, Config: tc}
	}
	c.slots = make([]conn, cfg.MaxConns)
	for i := range c.slots {
		c.slots[i].init(c)
	}
	return c, nil
}

// Spawn adds the client's task to r.
func (c *Client) Spawn(r *reactor.Reactor) *reactor.Handle {
	c.h = r.Spawn(c)
	return c.h
}

// Stats returns a copy of the client's counters.
func (c *Client) Stats() Stats { return c.stats }

// Conns reports the open connections and, of them, the idle ones.
func (c *Client) Conns() (open, idle int) {
	for i := range c.slots {
		switch c.slots[i].state {
		case slotFree:
		case slotIdle:
			open++
			idle++
		default:
			open++
		}
	}
	return open, idle
}

// busyFuture answers Do for a request already in flight: its own future
// must not be disturbed. It completed once, at start, and is only read.
var busyFuture = func() *reactor.Future[*Response] {
	f := reactor.NewFuture[*Response]()
	f.Complete(nil, ErrBusy)
	return f
}()

// Do starts req and returns its future, which completes with req's
// Response once the body is complete (or handed over in full to OnData),
// or with an error: one of this package's (Error, DNSError, StreamError),
// or what a callback of req returned. The Response is req's own (see
// Request.Response), and the future too: both are reset by the next Do
// with req, which may be called from the completion callback. A request
// that cannot start (bad URL, method or header, a full queue, a closed
// client) completes before Do returns.
//
// Do sends nothing itself: the request is queued and the client's task
// takes it up at the reactor's next turn.
func (c *Client) Do(req *Request) *reactor.Future[*Response] {
	if req.busy {
		return busyFuture
	}
	req.fut.Reset()
	req.client = c
	req.resp.reset()
	req.resp.url = req.URL
	req.canceled, req.retried, req.fresh = false, false, false
	req.redirects, req.urlCur = 0, 0
	c.stats.Requests++
	switch {
	case c.closed || c.closing:
		c.refuse(req, ErrClosed)
	case c.queue.Len() >= c.cfg.MaxQueued+c.cfg.MaxConns:
		c.stats.QueueFull++
		c.refuse(req, ErrQueueFull)
	default:
		if err := req.validate(&c.cfg); err != 0 {
			c.refuse(req, err)
			break
		}
		if req.u.https && c.cfg.TLSDialer == nil {
			c.refuse(req, ErrNoTLS)
			break
		}
		// The deadline is armed by the next Poll, with the reactor's
		// instant: the stack's own clock reading may be a turn old.
		req.deadline, req.armed = reactor.Never, false
		req.busy = true
		c.queue.pushBack(req)
		c.wake()
	}
	return &req.fut
}

func (c *Client) refuse(req *Request, err Error) {
	c.stats.Failed++
	req.fut.Complete(&req.resp, err)
}

// Cancel withdraws req: its connection, if it has one, is reset, and its
// future completes with ErrCanceled at the client's next turn. It does
// nothing for a request that is not in flight.
func (c *Client) Cancel(req *Request) {
	if req.busy && req.client == c {
		req.canceled = true
		c.wake()
	}
}

// Resume tells the client that a streamed body (Request.BodyFunc) that
// paused has more to send.
func (c *Client) Resume(req *Request) { c.wake() }

// CloseIdle closes every idle keep-alive connection.
func (c *Client) CloseIdle() {
	for i := range c.slots {
		if s := &c.slots[i]; s.state == slotIdle {
			s.release(false)
		}
	}
}

// Close stops the client for good: requests in flight or queued fail with
// ErrClosed, connections are closed (reset if busy) and the task is
// removed. Later calls of Do fail with ErrClosed.
func (c *Client) Close() {
	if c.closed {
		return
	}
	if c.inPoll {
		c.closing = true
		return
	}
	c.shutdown()
}

func (c *Client) shutdown() {
	c.closed, c.closing = true, false
	for i := range c.slots {
		s := &c.slots[i]
		if r := s.req; r != nil {
			c.fail(r, ErrClosed)
		}
		if s.state != slotFree {
			s.release(false)
		}
	}
	for r := c.queue.Front(); r != nil; r = c.queue.Front() {
		c.finish(r, ErrClosed)
	}
	if c.h != nil {
		c.h.Cancel()
	}
}

func (c *Client) wake() {
	if c.h != nil {
		c.h.Wake()
	}
}

// Poll runs the client: timers, connections, and queued requests.
func (c *Client) Poll(now reactor.Instant) reactor.Instant {
	if c.closed {
		return reactor.Never
	}
	c.now = now
	c.inPoll = true
	for r := c.queue.Front(); r != nil; {
		next := c.queue.Next(r)
		if !r.armed {
			r.armed = true
			timeout := c.cfg.Timeout
			if r.Timeout > 0 {
				timeout = r.Timeout
			}
			r.deadline = deadline(now, timeout)
		}
		switch {
		case r.canceled:
			c.finish(r, ErrCanceled)
		case now >= r.deadline:
			c.finish(r, ErrTimeout)
		}
		r = next
	}
	more := false
	for i := range c.slots {
		s := &c.slots[i]
		if r := s.req; r != nil {
			switch {
			case r.canceled:
				c.fail(r, ErrCanceled)
			case now >= r.deadline:
				c.fail(r, ErrTimeout)
			}
		}
		if s.state != slotFree && now >= s.nextDeadline() {
			s.expire(now)
		}
		if s.state != slotFree {
			more = s.service(now) || more
		}
	}
	more = c.pump(now) || more
	c.inPoll = false
	if c.closing {
		c.shutdown()
		return reactor.Never
	}
	if more {
		return now
	}
	return c.nextDeadline()
}

// pump gives queued requests connections, in order, as far as the limits
// allow, and starts them. It reports whether it stopped with requests it
// could still have started.
func (c *Client) pump(now reactor.Instant) (more bool) {
	budget := c.queue.Len() + len(c.slots) // callbacks may queue more: next turn
	for r := c.queue.Front(); r != nil; {
		if budget == 0 {
			return true
		}
		budget--
		next := c.queue.Next(r)
		if s, reuse := c.pick(r); s != nil {
			c.queue.remove(r)
			if reuse {
				c.stats.Reused++
				s.start(r, now)
			} else {
				r.fresh = false
				s.open(r, now)
			}
			if r.slot == s {
				more = s.service(now) || more
			}
		}
		r = next
	}
	return more
}

// pick finds r a slot: an idle connection to its origin (unless r must have
// a fresh one), else a free slot or an idle connection to evict, if r's
// origin is below MaxConnsPerHost. reuse says the slot's connection is
// open.
func (c *Client) pick(r *Request) (s *conn, reuse bool) {
	for {
		var free, same, evict *conn
		count := 0
		for i := range c.slots {
			t := &c.slots[i]
			switch {
			case t.state == slotFree:
				if free == nil {
					free = t
				}
			case t.matches(&r.u):
				count++
				if t.state == slotIdle && (same == nil || t.lastUse > same.lastUse) {
					same = t
				}
			case t.state == slotIdle:
				if evict == nil || t.lastUse < evict.lastUse {
					evict = t
				}
			}
		}
		if same != nil && !r.fresh {
			p, err := same.s.ReadLease()
			if len(p) > 0 || !wouldBlock(err) {
				// Closed or reset by the server, or talking out of turn.
				c.stats.IdleClosed++
				same.release(len(p) > 0)
				continue
			}
			return same, true
		}
		if count >= c.cfg.MaxConnsPerHost {
			if same == nil {
				return nil, false
			}
			same.release(false) // a retry wants a fresh connection
			free = same
		}
		if free == nil && evict != nil {
			c.stats.IdleClosed++
			evict.release(false)
			free = evict
		}
		return free, false
	}
}

// idleRoom reports whether another connection may stay idle.
func (c *Client) idleRoom() bool {
	idle := 0
	for i := range c.slots {
		if c.slots[i].state == slotIdle {
			idle++
		}
	}
	return idle < c.cfg.MaxIdleConns
}

// nextDeadline returns the earliest timer of the client.
func (c *Client) nextDeadline() reactor.Instant {
	next := reactor.Never
	for r := c.queue.Front(); r != nil; r = c.queue.Next(r) {
		next = reactor.Min(next, r.deadline)
	}
	for i := range c.slots {
		s := &c.slots[i]
		if s.state == slotFree {
			continue
		}
		next = reactor.Min(next, s.nextDeadline())
		if s.req != nil {
			next = reactor.Min(next, s.req.deadline)
		}
	}
	return next
}

// fail ends r with err, resetting its connection if it has one.
func (c *Client) fail(r *Request, err error) {
	if s := r.slot; s != nil {
		s.release(true)
	}
	c.finish(r, err)
}

// finish completes r, which holds no connection any more. The future's
// callback may Do again with r, so nothing touches r after it.
func (c *Client) finish(r *Request, err error) {
	if r.queued {
		c.queue.remove(r)
	}
	r.busy = false
	r.resp.Redirects = r.redirects
	if err != nil {
		c.stats.Failed++
	}
	r.fut.Complete(&r.resp, err)
}

// requeue puts r back in the queue after a redirect or for a retry, at the
// front: it was first.
func (c *Client) requeue(r *Request, front bool) {
	if front {
		c.queue.pushFront(r)
	} else {
		c.queue.pushBack(r)
	}
	c.wake()
}

var errEOF = io.EOF

// wouldBlock reports whether a stream's read or write must wait for its
// callback (stream.Conn's contract: tcp.ErrWouldBlock).
func wouldBlock(err error) bool { return err == tcp.ErrWouldBlock }

func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
