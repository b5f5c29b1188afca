package websocket

import (
	"unsafe"

	"github.com/seed947b3480/legation/stream"
)

// connRec is a Conn with its stream callbacks bound once: a method value
// such as c.readLoop is a closure the runtime allocates each time it is
// taken, so binding four for every adopted connection cost four
// allocations, and the record a fifth. With Config.Recycle a Group keeps
// ended records on a free list and adopts without allocating once it has
// seen its peak of connections.
type connRec struct {
	Conn // first: a *Conn from newConn is its record's address (recOf)
	cb   stream.Callbacks
}

// newConn returns a record for sc, a recycled one if there is one, with
// its callbacks set on sc.
func (g *Group) newConn(sc stream.Conn) *Conn {
	var rec *connRec
	if c := g.free.PopFront(); c != nil {
		rec = recOf(c)
	} else {
		rec = &connRec{}
		c := &rec.Conn
		rec.cb = stream.Callbacks{Readable: c.readLoop, Writable: c.onWritable, PeerClosed: c.onPeerClosed, Closed: c.onTCPClosed}
	}
	rec.Conn = Conn{g: g, sc: sc}
	rec.cb.Attach(sc)
	return &rec.Conn
}

// recycle puts an ended connection's record on the free list, with
// Config.Recycle, once nothing of the Group refers to it: its stream was
// released (which drops the callbacks), it is off the lists and timers,
// and off the queue of connections waiting for a buffer (Poll recycles it
// when it comes off that queue).
func (g *Group) recycle(c *Conn) {
	if !g.cfg.Recycle || c.waiting || c.state != stClosed {
		return
	}
	c.sc, c.value, c.lo, c.mbuf = nil, nil, nil, nil
	g.free.PushFront(c)
}

// recOf returns the record c is part of. Every Conn is the first field of
// a connRec (newConn makes no other), so the addresses are the same.
func recOf(c *Conn) *connRec { return (*connRec)(unsafe.Pointer(c)) }
