package websocket

import (
	"time"

	"github.com/seed947b3480/legation/reactor"
)

// Timers are data: a connection is on at most one of three lists, each for
// one kind of deadline. All deadlines of one kind are "now plus the same
// duration" when they are set, so appending keeps a list in deadline order
// and Poll looks only at list heads: O(1) per timer event, whatever the
// number of connections.
//
// The idle timer is lazy: input does not move a connection in its list, it
// only sets c.active. When the timer comes due, an active connection is
// put back at the tail for another interval; an inactive one gets a ping
// and moves to the pong list. So a silent connection is pinged between one
// and two intervals after its last input, and busy connections cost
// nothing per message.

const (
	tlNone  = iota
	tlIdle  // until the next keep-alive check: PingInterval
	tlPong  // until the answer to a ping is overdue: PongTimeout
	tlClose // until the closing handshake is abandoned: CloseTimeout
	tlKinds
)

// bufferRetry is how often Poll tries again to find a pool buffer for the
// connections waiting for one, in case the pool is shared and another user
// returned one (the Group's own returns wake it at once).
const bufferRetry = 10 * time.Millisecond

func timerLink(c *Conn) *reactor.Link[Conn] { return &c.tlink }

func connDeadline(c *Conn) reactor.Instant { return c.deadline }

// setTimer moves c to the tail of list kind with deadline at (never
// earlier than the tail's, so the list stays ordered) and makes sure the
// host polls by then.
func (g *Group) setTimer(c *Conn, kind uint8, at reactor.Instant) {
	g.clearTimer(c)
	l := &g.timers[kind]
	if t := l.Back(); t != nil && at < t.deadline {
		at = t.deadline
	}
	c.deadline, c.tlist = at, kind
	l.PushBack(c)
	g.wakeAt(at)
}

// clearTimer takes c off its timer list.
func (g *Group) clearTimer(c *Conn) {
	if c.tlist == tlNone {
		return
	}
	g.timers[c.tlist].Remove(c)
	c.tlist = tlNone
}

// wakeAt makes sure the host polls by at: if that is before the deadline
// Poll last answered, the waker is woken. Inside Poll there is no need.
func (g *Group) wakeAt(at reactor.Instant) {
	if g.poll || at >= g.next {
		return
	}
	g.next = at
	if g.waker != nil {
		g.waker.Wake()
	}
}

// Poll attends to the timers due at now (closing handshakes that timed
// out, keep-alive pings and their timeouts) and to connections waiting for
// a buffer, and returns when it next needs to run (reactor.Never for no
// timer). The host calls it from its own Poll; it runs OnClose and the
// other callbacks of the connections it acts on.
func (g *Group) Poll(now reactor.Instant) reactor.Instant {
	g.advance(now)
	now = g.now
	g.poll = true
	g.timers[tlClose].Expire(now, connDeadline, (*Conn).closeTimedOut)
	g.timers[tlPong].Expire(now, connDeadline, (*Conn).pongTimedOut)
	g.timers[tlIdle].Expire(now, connDeadline, func(c *Conn) {
		if !c.active && c.writeFrame(OpPing, true, nil, "") == nil {
			g.stats.PingsSent++
			g.setTimer(c, tlPong, now.Add(g.cfg.PongTimeout))
			return
		}
		// Active since the last check, or no room for a ping (the peer
		// is not reading; TCP's user timeout covers a dead one): check
		// again an interval from now.
		c.active = false
		g.setTimer(c, tlIdle, now.Add(g.cfg.PingInterval))
	})
	for g.waitHead != nil {
		c := g.waitHead
		if c.state != stClosed {
			b := g.pool.Get()
			if b == nil {
				break
			}
			c.mbuf, c.pooled, c.waiting = b, true, false
			g.stats.BuffersInUse++
		}
		if g.waitHead = c.wnext; g.waitHead == nil {
			g.waitTail = nil
		}
		c.wnext = nil
		if c.state == stClosed {
			c.waiting = false
			g.recycle(c) // it ended while queued
			continue
		}
		c.readLoop()
	}
	g.poll = false
	next := reactor.Never
	for k := tlIdle; k < tlKinds; k++ {
		next = reactor.Min(next, g.timers[k].FrontDeadline(connDeadline))
	}
	if g.waitHead != nil {
		next = reactor.Min(next, now.Add(bufferRetry))
	}
	g.next = next
	return next
}
