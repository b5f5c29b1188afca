package websocket

import (
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
)

// Group is the set of WebSocket connections of one route: one Config, one
// Handler, one buffer pool, one set of timers. It spawns nothing: the host
// (httpd's server task) calls Poll and tells the Group how to wake it with
// SetWaker. Everything about a Group belongs to the reactor goroutine.
type Group struct {
	cfg   Config
	h     Handler
	pool  Pool
	waker Waker
	now   reactor.Instant // the latest instant given to Poll or Adopt
	next  reactor.Instant // the deadline Poll last answered
	poll  bool            // inside Poll: it answers the deadline itself

	conns reactor.List[Conn] // connections not yet closed for the application

	timers             [tlKinds]reactor.List[Conn] // by kind; tlNone's is unused
	waitHead, waitTail *Conn                       // connections waiting for a pool buffer, oldest first
	free               reactor.List[Conn]          // ended records kept for reuse (Config.Recycle), linked by link
	spare              []byte                      // the largest heap message buffer, kept for the next large message

	ctrl  [MaxControlPayload]byte // a control frame's payload, read whole
	stats Stats
}

// Stats counts what a Group did.
type Stats struct {
	Open             int    // connections not yet closed for the application (Len)
	Adopted          uint64 // connections taken over
	Refused          uint64 // adopted beyond MaxConns and closed with 1013
	Closed           uint64 // connections ended (TCP released)
	MessagesIn       uint64 // whole messages delivered
	BytesIn          uint64 // their payload bytes
	MessagesOut      uint64 // messages sent by Send, SendPart and Broadcast
	BytesOut         uint64 // their payload bytes
	PingsIn          uint64 // pings received (each answered while open)
	PongsIn          uint64 // pongs received
	PingsSent        uint64 // keep-alive pings sent
	ClosesIn         uint64 // valid close frames received
	ProtocolErrors   uint64 // connections failed for a protocol violation (1002, 1007, 1009)
	CloseTimeouts    uint64 // closing handshakes that timed out
	PongTimeouts     uint64 // connections dropped for an unanswered ping
	QueueFull        uint64 // sends refused for lack of room in the send ring
	Broadcasts       uint64 // Broadcast calls
	BroadcastSkipped uint64 // connections a Broadcast skipped (no room, closing, mid-message)
	BuffersInUse     int    // pool buffers lent to connections now
	BufferWaits      uint64 // times a connection found the pool empty and waited
	LargeBuffers     uint64 // message buffers taken from the heap, beyond the pool
}

// NewGroup returns an empty Group for connections that cfg and h describe.
func NewGroup(cfg Config, h Handler) *Group {
	cfg = cfg.withDefaults()
	g := &Group{cfg: cfg, h: h, pool: cfg.Pool, next: reactor.Never}
	g.conns, g.free = reactor.NewList(connLink), reactor.NewList(connLink)
	for k := range g.timers {
		g.timers[k] = reactor.NewList(timerLink)
	}
	if g.pool == nil {
		g.pool = tcp.NewBufferPool(cfg.BufferSize, cfg.Buffers)
	}
	return g
}

// SetWaker sets who is woken when the Group needs Poll before the deadline
// Poll last answered: a timer started inside a callback (a Close, a new
// connection's ping timer) or a pool buffer come back for a waiting
// connection. httpd passes its task's handle.
func (g *Group) SetWaker(w Waker) { g.waker = w }

// SetClock sets Config.Clock if the Group was made without one; httpd
// passes its stack.
func (g *Group) SetClock(c Clock) {
	if g.cfg.Clock == nil {
		g.cfg.Clock = c
	}
}

// Adopt takes over an upgraded connection: the 101 response is written,
// and leftover holds the bytes read past the request head, which may
// already contain frames (it is copied). sc is the upgraded stream: the
// TCP connection, or a TLS session over it. From now on the Group owns
// sc's callbacks and its release. OnOpen runs, then whatever has arrived is
// read. It returns the connection, which may already be closed if what
// arrived says so.
func (g *Group) Adopt(now reactor.Instant, sc stream.Conn, leftover []byte) *Conn {
	g.advance(now)
	c := g.newConn(sc)
	if len(leftover) > 0 {
		c.lo = &pending{buf: append([]byte(nil), leftover...)}
	}
	g.link(c)
	if g.cfg.PingInterval > 0 {
		g.setTimer(c, tlIdle, now.Add(g.cfg.PingInterval))
	}
	g.stats.Adopted++
	if g.cfg.MaxConns > 0 && g.Len() > g.cfg.MaxConns {
		g.stats.Refused++
		c.Close(CloseTryAgainLater, "")
		return c
	}
	if f := g.h.OnOpen; f != nil {
		f(c)
	}
	c.readLoop()
	return c
}

// Full reports whether the Group has MaxConns open connections, so the
// HTTP server can refuse an upgrade with 503 before answering 101.
func (g *Group) Full() bool {
	return g.cfg.MaxConns > 0 && g.Len() >= g.cfg.MaxConns
}

// Broadcast sends msg as one frame to every open connection of the Group
// whose send ring can take the whole frame now; the others (no room, the
// closing handshake begun, a SendPart message unfinished) are skipped and
// counted, and never get part of a frame. The header is built once and
// nothing is allocated.
func (g *Group) Broadcast(text bool, msg []byte) (sent, skipped int) {
	var hb [MaxHeaderLen]byte
	h := AppendFrameHeader(hb[:0], FrameHeader{Fin: true, Opcode: dataOpcode(text), Length: uint64(len(msg))})
	total := len(h) + len(msg)
	for c := g.conns.Front(); c != nil; c = g.conns.Next(c) {
		if c.state != stOpen || c.sendOpen {
			skipped++
			continue
		}
		first, second, err := c.sc.WriteLease()
		if err != nil || len(first)+len(second) < total {
			if err == nil {
				c.sc.CommitWrite(0) // end the lease
			}
			skipped++
			continue
		}
		put(first, second, put(first, second, 0, h), msg)
		c.sc.CommitWrite(total)
		sent++
	}
	g.stats.Broadcasts++
	g.stats.BroadcastSkipped += uint64(skipped)
	g.stats.MessagesOut += uint64(sent)
	g.stats.BytesOut += uint64(sent) * uint64(len(msg))
	return sent, skipped
}

// Close starts the closing handshake with code on every open connection
// (a graceful stop); each ends as Conn.Close describes. It returns how
// many it closed.
func (g *Group) Close(code CloseCode) int {
	n := 0
	for c := g.conns.Front(); c != nil; {
		next := g.conns.Next(c)
		if c.Close(code, "") == nil {
			n++
		}
		c = next
	}
	return n
}

// Len returns the connections whose OnClose has not run yet.
func (g *Group) Len() int { return g.conns.Len() }

// Stats returns the Group's counters.
func (g *Group) Stats() Stats {
	s := g.stats
	s.Open = g.conns.Len()
	return s
}

// link adds c to the list of connections.
func (g *Group) link(c *Conn) {
	g.conns.PushBack(c)
	c.linked = true
}

// unlink removes c from the list of connections, if it is there.
func (g *Group) unlink(c *Conn) {
	if !c.linked {
		return
	}
	g.conns.Remove(c)
	c.linked = false
}

func connLink(c *Conn) *reactor.Link[Conn] { return &c.link }

// clockNow is the current instant inside a callback.
func (g *Group) clockNow() reactor.Instant {
	if g.cfg.Clock != nil {
		g.advance(g.cfg.Clock.Now())
	}
	return g.now
}

func (g *Group) advance(now reactor.Instant) {
	if now > g.now {
		g.now = now
	}
}

// putBuffer gives a pool buffer back and, if a connection waits for one,
// has Poll hand it over.
func (g *Group) putBuffer(b []byte) {
	g.stats.BuffersInUse--
	g.pool.Put(b)
	if g.waitHead != nil {
		g.wakeAt(g.now)
	}
}

// waitBuffer queues c until a pool buffer is free.
func (g *Group) waitBuffer(c *Conn) {
	g.stats.BufferWaits++
	c.waiting = true
	c.wnext = nil
	if g.waitTail != nil {
		g.waitTail.wnext = c
	} else {
		g.waitHead = c
	}
	g.waitTail = c
	g.wakeAt(g.now.Add(bufferRetry))
}

// takeLarge returns a heap buffer of at least n bytes: the spare one if it
// is large enough, else a new one.
func (g *Group) takeLarge(n int) []byte {
	if cap(g.spare) >= n {
		b := g.spare[:cap(g.spare)]
		g.spare = nil
		return b
	}
	g.stats.LargeBuffers++
	return make([]byte, n)
}

// keepLarge keeps b as the spare heap buffer if it is the largest seen.
func (g *Group) keepLarge(b []byte) {
	if cap(b) > cap(g.spare) {
		g.spare = b
	}
}
