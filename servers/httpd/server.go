package httpd

import (
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd/websocket"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
)

// lingerTimeout bounds how long a connection closed after a refusal keeps
// reading (and discarding) what the client still sends, so the client
// reads the refusal instead of a reset (RFC 9112 9.6).
const lingerTimeout = 2 * time.Second

// Stats counts what the server has done.
type Stats struct {
	Accepted uint64 // connections accepted
	Overflow uint64 // connections refused at MaxConns (503, or a close over TLS)
	Requests uint64 // request heads received
	Refused  uint64 // requests answered with a 4xx or 5xx by the server itself
	Evicted  uint64 // slow heads closed to free a buffer for another client
	TimedOut uint64 // heads, bodies or writes that stalled
	Upgraded uint64 // connections handed to a WebSocket group
	// TLS connections that ended before their handshake completed, other
	// than by the head timeout (TimedOut): refused by either side, a
	// plaintext client, a reset.
	HandshakeErrors uint64

	Conns     int // open connections, including refused ones lingering
	Active    int // buffers lent to requests in progress
	IdleConns int // keep-alive connections between requests
}

// Server is an HTTP/1.1 server on one stack: a reactor task that owns its
// listener, its connections and their timers. All methods run on the
// reactor goroutine.
type Server struct {
	st     *stack.Stack
	cfg    Config
	lim    limits
	rt     router
	ln     *stack.TCPListener
	handle *reactor.Handle

	free []*exchange // exchanges not lent
	made int

	freeConns connList // connection records not in use (connpool.go)
	recs      int      // connection records made

	// Connections by what their next deadline is for (see connList).
	accepted, waiting, head, idle, io, linger connList

	tickers  []Ticker
	groups   []*websocket.Group
	stopping bool
	stopped  *reactor.Future[struct{}]
	stats    Stats
}

// Ticker is a module with timers of its own that the server's task polls,
// such as a WebSocket group or the dashboard's live feed: Poll attends to
// what is due and answers the next instant it needs.
type Ticker interface {
	Poll(now reactor.Instant) reactor.Instant
}

// AddTicker has the server's task poll t with its own timers. A ticker
// whose next deadline moves earlier between polls calls Wake.
func (s *Server) AddTicker(t Ticker) {
	s.tickers = append(s.tickers, t)
	s.wake()
}

// Wake has the server's task polled at the reactor's next turn.
func (s *Server) Wake() { s.wake() }

// Now reports the stack's current instant, for handlers and tickers.
func (s *Server) Now() reactor.Instant { return s.st.Now() }

// New returns a server on st with cfg. Register routes, then Listen and
// Spawn it.
func New(st *stack.Stack, cfg Config) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		st:  st,
		cfg: cfg,
		lim: limits{maxHeaders: cfg.MaxHeaders, maxURI: cfg.MaxURI},
		// Every exchange may be free at once: release never grows it.
		free: make([]*exchange, 0, cfg.MaxActive),
	}
	for _, l := range s.lists() {
		*l = newConnList()
	}
	s.freeConns = newConnList()
	return s
}

// lists returns the server's deadline lists, in the order Poll expires
// them.
func (s *Server) lists() [6]*connList {
	return [...]*connList{&s.accepted, &s.waiting, &s.idle, &s.head, &s.io, &s.linger}
}

// Handle serves method (or every method, if "") on paths matching pattern
// with h. A GET route also answers HEAD. Patterns are paths whose "*"
// segments match any one non-empty segment and whose final "**" matches
// the rest of the path; each wildcard's match is a Request.Segment.
func (s *Server) Handle(method, pattern string, h Handler) {
	rt := newRoute(method, pattern)
	rt.handler = h
	s.rt.add(rt)
}

// HandleStream serves method on pattern with a StreamHandler, which takes
// the request body in pieces.
func (s *Server) HandleStream(method, pattern string, h *StreamHandler) {
	rt := newRoute(method, pattern)
	rt.stream = h
	s.rt.add(rt)
}

// Listen starts accepting connections on port. With Config.TLS it first
// prepares the Securer, which checks that it can serve (certificates
// present and usable) and learns to offer "http/1.1" in ALPN.
func (s *Server) Listen(port uint16) error {
	if s.cfg.TLS != nil {
		if err := s.cfg.TLS.Prepare(alpnHTTP11); err != nil {
			return err
		}
	}
	ln, err := s.st.ListenTCP(port, s.cfg.Listen)
	if err != nil {
		return err
	}
	s.ln = ln
	ln.OnAccept(s.acceptAll)
	return nil
}

// Listener returns the server's listener (nil before Listen).
func (s *Server) Listener() *stack.TCPListener { return s.ln }

// Spawn adds the server's task, which runs its timers, to r.
func (s *Server) Spawn(r *reactor.Reactor) *reactor.Handle {
	s.handle = r.Spawn(s)
	return s.handle
}

func (s *Server) wake() {
	if s.handle != nil {
		s.handle.Wake()
	}
}

func (s *Server) now() reactor.Instant { return s.st.Now() }

// Stats reports the server's counters.
func (s *Server) Stats() Stats {
	st := s.stats
	st.Active = s.made - len(s.free)
	st.IdleConns = s.idle.Len()
	return st
}

func (s *Server) acceptAll() {
	for {
		tc, ok := s.ln.Accept()
		if !ok {
			return
		}
		s.accept(tc)
	}
}

func (s *Server) accept(tc *tcp.Conn) {
	s.stats.Accepted++
	over := s.stats.Conns >= s.cfg.MaxConns || s.stopping
	if over && s.linger.Len() >= s.cfg.MaxConns {
		// Too many refused connections still lingering: no more
		// courtesy, a reset.
		s.stats.Overflow++
		tc.Abort()
		return
	}
	var sc stream.Conn = tc
	if s.cfg.TLS != nil {
		if over {
			// A 503 would cost a handshake; a plain close costs
			// nothing.
			s.stats.Overflow++
			tc.Release()
			return
		}
		ts, err := s.startTLS(tc)
		if err != nil {
			s.stats.HandshakeErrors++
			tc.Abort()
			return
		}
		sc = ts
	}
	s.stats.Conns++
	c := s.newConn(sc)
	if over {
		// Answer 503 and linger, reading what the client sends, so it
		// reads the answer rather than a reset caused by its request
		// arriving after the close.
		s.stats.Overflow++
		sc.Write(refusal(503))
		c.lingerClose()
		return
	}
	c.setList(&s.accepted, s.now().Add(s.cfg.HeaderTimeout))
	c.process()
}

// lend gives c an exchange: a free one, or a new one while fewer than
// MaxActive exist. It returns nil when all are lent; the caller waits.
func (s *Server) lend() *exchange {
	if n := len(s.free); n > 0 {
		ex := s.free[n-1]
		s.free = s.free[:n-1]
		return ex
	}
	if s.made < s.cfg.MaxActive {
		s.made++
		ex := newExchange(&s.cfg)
		ex.reset(0, 0)
		return ex
	}
	return nil
}

// evictForWaiters frees exchanges for connections waiting for one by
// refusing, with 408, the connections that have been sending their heads
// the longest: slow clients cannot hold every buffer while others wait.
func (s *Server) evictForWaiters() {
	for s.waiting.Len() > 0 && s.head.Len() > 0 {
		s.stats.Evicted++
		s.head.Front().refuse(408) // its exchange goes to the first waiter
	}
}

// release takes an exchange back and hands it to a waiting connection.
func (s *Server) release(ex *exchange) {
	ex.resp.c = nil
	ex.reset(0, 0)
	if w := s.waiting.Front(); w != nil {
		w.startHead(ex)
		w.process()
		return
	}
	s.free = append(s.free, ex)
}

// Poll runs the server's timers: it closes connections whose head, body,
// write, idle or linger time ran out, and polls WebSocket groups.
func (s *Server) Poll(now reactor.Instant) reactor.Instant {
	s.accepted.Expire(now, connDeadline, func(c *conn) {
		s.stats.TimedOut++
		c.close()
	})
	s.waiting.Expire(now, connDeadline, func(c *conn) {
		s.stats.TimedOut++
		c.sc.Write(refusal(503))
		c.lingerClose()
	})
	s.idle.Expire(now, connDeadline, (*conn).close)
	s.head.Expire(now, connDeadline, func(c *conn) {
		s.stats.TimedOut++
		c.refuse(408)
	})
	s.io.Expire(now, connDeadline, func(c *conn) {
		s.stats.TimedOut++
		if c.phase == phaseBody {
			c.refuse(408)
		} else {
			c.abort() // the client stopped reading its answer
		}
	})
	s.linger.Expire(now, connDeadline, (*conn).close)
	next := reactor.Never
	for _, l := range s.lists() {
		next = reactor.Min(next, l.FrontDeadline(connDeadline))
	}
	for _, t := range s.tickers {
		next = reactor.Min(next, t.Poll(now))
	}
	if s.stopping && s.drained() {
		s.stopped.Complete(struct{}{}, nil)
	}
	return next
}

// Shutdown stops the server gracefully: the listener closes, idle
// connections close at once, requests in progress finish (each
// connection closing after its answer), and WebSocket connections get a
// close frame with 1001. The future completes when the last HTTP and
// WebSocket connection has gone.
func (s *Server) Shutdown() *reactor.Future[struct{}] {
	if s.stopped != nil {
		return s.stopped
	}
	s.stopping = true
	s.stopped = reactor.NewFuture[struct{}]()
	if s.ln != nil {
		s.ln.Close()
	}
	for _, l := range [...]*connList{&s.accepted, &s.idle, &s.waiting} {
		for c := l.Front(); c != nil; c = l.Front() {
			c.close()
		}
	}
	for _, l := range [...]*connList{&s.head, &s.io} {
		for c := l.Front(); c != nil; c = l.Next(c) {
			c.closeAfter = true
		}
	}
	for _, g := range s.groups {
		g.Close(websocket.CloseGoingAway)
	}
	if s.drained() {
		s.stopped.Complete(struct{}{}, nil)
	}
	s.wake()
	return s.stopped
}

// drained reports whether no HTTP or WebSocket connection is left.
func (s *Server) drained() bool {
	if s.stats.Conns != 0 {
		return false
	}
	for _, g := range s.groups {
		if g.Len() != 0 {
			return false
		}
	}
	return true
}
