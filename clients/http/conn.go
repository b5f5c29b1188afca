package http

import (
	"net/netip"

	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/internal/http1"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stream"
)

// conn is one slot of the client's connection table: a connection to one
// origin (scheme, host, port) through its life, resolving, connecting,
// carrying one exchange at a time, and idle between them. Slots are made
// by New and reused, with their callbacks, so opening a connection costs
// the stream's allocations only.
type conn struct {
	c     *Client
	state uint8
	s     stream.Conn

	https   bool
	host    []byte // the origin's host, as the URL wrote it (cap 253)
	port    uint16
	uses    int             // exchanges completed on this connection
	lastUse reactor.Instant // when it last went idle, for eviction

	// Resolving.
	dnsFut  *reactor.Future[dns.Result]
	dnsDone bool
	dnsRes  netip.Addr
	dnsErr  error
	onDNS   func(dns.Result, error)

	// The exchange in progress.
	req        *Request
	cur        headCursor
	wphase     uint8
	bodyOff    int64 // body bytes handed to the stream
	rd         reader
	drain      bool  // the body is read and thrown away (a redirect)
	drained    int64 // bytes thrown away
	gotByte    bool  // a byte of the response arrived
	bodyCalled bool  // BodyFunc has been called (a retry would lose its bytes)

	connectDeadline reactor.Instant
	headerDeadline  reactor.Instant
	ioDeadline      reactor.Instant
	idleDeadline    reactor.Instant

	onEvent  func()
	onClosed func(error)
}

// Slot states.
const (
	slotFree uint8 = iota
	slotResolving
	slotConnecting
	slotBusy
	slotIdle
)

// Write phases of an exchange.
const (
	writeHead uint8 = iota
	writeBody
	writeDone
)

func (s *conn) init(c *Client) {
	s.c = c
	s.host = make([]byte, 0, 253)
	s.onEvent = c.wake
	s.onClosed = func(error) { c.wake() }
	s.onDNS = func(res dns.Result, err error) {
		s.dnsDone = true
		s.dnsErr = err
		if err == nil {
			s.dnsRes = res.Addrs[0]
		}
		c.wake()
	}
	s.clearTimers()
}

func (s *conn) clearTimers() {
	s.connectDeadline = reactor.Never
	s.headerDeadline = reactor.Never
	s.ioDeadline = reactor.Never
	s.idleDeadline = reactor.Never
}

// matches reports whether the slot holds a connection to u's origin.
func (s *conn) matches(u *target) bool {
	return s.https == u.https && s.port == u.port && http1.EqualFold(s.host, u.host)
}

// open starts a connection to r's origin in a free slot: a lookup if the
// host is a name, else the dial.
func (s *conn) open(r *Request, now reactor.Instant) {
	s.https, s.port = r.u.https, r.u.port
	s.host = append(s.host[:0], r.u.host...)
	s.uses = 0
	s.req = r
	r.slot = s
	s.c.stats.Dials++
	if r.u.literal {
		s.dial(r.u.addr, now)
		return
	}
	if s.c.cfg.Resolver == nil {
		s.c.fail(r, ErrNoResolver)
		return
	}
	s.state = slotResolving
	s.dnsDone, s.dnsErr = false, nil
	s.dnsFut = s.c.cfg.Resolver.LookupA(r.u.host)
	s.dnsFut.OnComplete(s.onDNS)
	// A cached answer completes at once; the next service dials.
}

// dial opens the stream to addr.
func (s *conn) dial(addr netip.Addr, now reactor.Instant) {
	r := s.req
	d := s.c.dialer
	if s.https {
		d = s.c.cfg.TLSDialer
		if d == nil {
			s.c.fail(r, ErrNoTLS)
			return
		}
	}
	st, err := d.Dial(netip.AddrPortFrom(addr, s.port), r.u.host)
	if err != nil {
		s.c.fail(r, streamErr(err, ErrRefused))
		return
	}
	s.s = st
	st.OnReadable(s.onEvent)
	st.OnWritable(s.onEvent)
	st.OnPeerClosed(s.onEvent)
	st.OnClosed(s.onClosed)
	s.state = slotConnecting
	s.connectDeadline = deadline(now, s.c.cfg.ConnectTimeout)
}

func ignoreDNS(dns.Result, error) {}

// start begins r's exchange on the slot's open connection.
func (s *conn) start(r *Request, now reactor.Instant) {
	s.req = r
	r.slot = s
	s.state = slotBusy
	s.clearTimers()
	s.ioDeadline = deadline(now, s.c.cfg.IOTimeout)
	s.cur = headCursor{}
	s.wphase = writeHead
	s.bodyOff = 0
	s.drain, s.drained = false, 0
	s.gotByte, s.bodyCalled = false, false
	r.resp.reset()
	r.resp.Reused = s.uses > 0
	r.resp.buf = r.headBuf(s.c.cfg.MaxHeaderBytes)
	r.resp.fields = r.fieldBuf(s.c.cfg.MaxHeaders)
	r.resp.url = r.currentURL()
	s.rd.reset(&r.resp, r.method == "HEAD", s.c.cfg.MaxHeaders)
}

// release closes the slot's connection, gracefully or with a reset, and
// frees the slot.
func (s *conn) release(abort bool) {
	if s.state == slotResolving && !s.dnsDone {
		// The lookup's cell stays the resolver's until it completes; its
		// answer must not reach whatever uses the slot next.
		s.dnsFut.OnComplete(ignoreDNS)
	}
	s.dnsFut = nil
	if s.s != nil {
		if abort {
			s.s.Abort()
		}
		s.s.Release()
		s.s = nil
	}
	if s.req != nil {
		s.req.slot = nil
		s.req = nil
	}
	s.state = slotFree
	s.clearTimers()
}

// service moves the slot along: a finished lookup dials, a finished
// connect starts the exchange, and an exchange writes and reads what it
// can. It reports whether it stopped with work left (its read budget
// spent).
func (s *conn) service(now reactor.Instant) (more bool) {
	switch s.state {
	case slotResolving:
		if !s.dnsDone {
			return false
		}
		if s.dnsErr != nil {
			err := s.dnsErr
			if de, ok := err.(dns.Error); ok {
				err = DNSError(de)
			}
			s.c.fail(s.req, err)
			return false
		}
		s.dial(s.dnsRes, now)
		if s.state != slotConnecting {
			return false
		}
		fallthrough
	case slotConnecting:
		f := s.s.ConnectFuture()
		if !f.Done() {
			return false
		}
		if err := f.Err(); err != nil {
			s.c.fail(s.req, streamErr(err, ErrRefused))
			return false
		}
		s.start(s.req, now)
		fallthrough
	case slotBusy:
		s.write(now)
		if s.state != slotBusy {
			return false
		}
		return s.read(now)
	case slotIdle:
		// Anything on an idle connection (the server's FIN, a reset,
		// bytes nobody asked for) means it cannot carry another request.
		p, err := s.s.ReadLease()
		if len(p) > 0 || !wouldBlock(err) {
			s.c.stats.IdleClosed++
			s.release(len(p) > 0)
		}
	}
	return false
}

// nextDeadline returns the earliest timer of the slot.
func (s *conn) nextDeadline() reactor.Instant {
	return reactor.Min(reactor.Min(s.connectDeadline, s.headerDeadline), reactor.Min(s.ioDeadline, s.idleDeadline))
}

// expire fires the slot's timers due at now.
func (s *conn) expire(now reactor.Instant) {
	switch {
	case s.state == slotIdle && now >= s.idleDeadline:
		s.c.stats.IdleClosed++
		s.release(false)
	case s.state == slotConnecting && now >= s.connectDeadline:
		s.c.fail(s.req, ErrConnectTimeout)
	case s.state == slotBusy && now >= s.headerDeadline:
		s.c.fail(s.req, ErrHeaderTimeout)
	case s.state == slotBusy && now >= s.ioDeadline:
		s.c.fail(s.req, ErrIOTimeout)
	}
}
