package httpd

import (
	"unsafe"

	"github.com/seed947b3480/legation/stream"
)

// connRec is a connection record with its stream callbacks bound once:
// a method value such as c.onReadable is a closure the runtime allocates
// each time it is taken, so taking four for every accepted connection
// cost four allocations, and the record a fifth. Records are made as the
// number of open connections first reaches a new peak and kept on the
// server's free list after: a server accepts without allocating once it
// has seen its busiest moment. No table is made ahead, so MaxConns can be
// large (the 1,000-connection tests) and cost memory only when used; the
// peak is at most 2*MaxConns (MaxConns serving plus as many lingering
// over refusals).
type connRec struct {
	conn // first: a *conn from newConn is its record's address (recOf)
	cb   stream.Callbacks
}

// newConn returns a record for sc, from the free list or new, with its
// callbacks set on sc.
func (s *Server) newConn(sc stream.Conn) *conn {
	var rec *connRec
	if c := s.freeConns.PopFront(); c != nil {
		rec = recOf(c)
	} else {
		rec = s.makeRec()
	}
	rec.conn = conn{srv: s, sc: sc}
	rec.cb.Attach(sc)
	return &rec.conn
}

// freeConn puts a detached record on the free list. Its stream was
// released (which drops the callbacks) or handed over with its callbacks
// cleared, so nothing calls into the record until it is reused.
func (s *Server) freeConn(c *conn) {
	c.sc = nil
	s.freeConns.PushFront(c)
}

// recOf returns the record c is part of. Every conn is the first field
// of a connRec (newConn makes no other), so the addresses are the same:
// the conn carries no pointer back, which would take it out of its
// 80-byte size class.
func recOf(c *conn) *connRec { return (*connRec)(unsafe.Pointer(c)) }

// Preallocate makes now what the server would otherwise make on first
// use: all MaxActive exchanges (each with its BufferSize buffer) and conns
// connection records (at most 2*MaxConns), so that a device's memory is
// taken at start and serving, however busy, allocates nothing until more
// than conns connections are open at once. Call it before Listen.
func (s *Server) Preallocate(conns int) {
	for s.made < s.cfg.MaxActive {
		s.made++
		ex := newExchange(&s.cfg)
		ex.reset(0, 0)
		s.free = append(s.free, ex)
	}
	for conns = min(conns, 2*s.cfg.MaxConns); s.recs < conns; {
		s.freeConn(&s.makeRec().conn)
	}
}

// makeRec makes a record and binds its callbacks.
func (s *Server) makeRec() *connRec {
	rec := &connRec{}
	c := &rec.conn
	rec.cb = stream.Callbacks{Readable: c.onReadable, Writable: c.onWritable, PeerClosed: c.onPeerClosed, Closed: c.onClosed}
	s.recs++
	return rec
}
