package tcp

import (
	"time"

	"github.com/seed947b3480/legation/reactor"
)

// The timers are deadlines kept as data: PollAt reports the earliest, and
// Poll acts on those that are due. None of them calls anything by itself.

// PollAt returns the earliest instant at which the connection needs Poll:
// a retransmission, delayed ACK, persist, keep-alive, TIME-WAIT, user or
// connect timeout. If a segment is waiting to be sent it returns the
// latest instant the connection was given, so the caller calls Output
// now. It returns reactor.Never when nothing is pending.
func (c *Conn) PollAt() reactor.Instant {
	if c.plan(int(c.smss)).kind != planNone {
		return c.now
	}
	if c.state == Closed {
		return reactor.Never
	}
	t := reactor.Min(c.rtoAt, c.delAckAt)
	t = reactor.Min(t, c.persistAt)
	t = reactor.Min(t, c.twAt)
	t = reactor.Min(t, c.openAt)
	t = reactor.Min(t, c.keepAliveAt())
	return reactor.Min(t, c.userTimeoutAt())
}

// Poll fires the timers due at now. What they call for (a retransmission,
// an ACK, a probe) is then sent by Output.
func (c *Conn) Poll(now reactor.Instant) {
	c.now = now
	defer c.fire()
	if c.state == Closed {
		return
	}
	switch {
	case due(c.openAt, now):
		c.terminate(ErrConnectTimeout)
		return
	case due(c.twAt, now) && !c.ackNow:
		// The ACK of the peer's FIN goes out first, even when TIME-WAIT is
		// off (Config.TimeWait < 0) and so already over.
		c.terminate(0)
		return
	case due(c.userTimeoutAt(), now):
		c.terminate(ErrUserTimeout)
		return
	}
	if due(c.rtoAt, now) {
		c.onRTO(now)
	}
	if due(c.delAckAt, now) {
		c.delAckAt = reactor.Never
		c.ackNow = true
	}
	if due(c.persistAt, now) {
		c.persistAt = reactor.Never
		c.forceNow = true
		if c.persistN < 1<<10 {
			c.persistN++
		}
	}
	if due(c.keepAliveAt(), now) {
		if c.keepProbes >= c.cfg.KeepAliveCount {
			c.terminate(ErrKeepAliveTimeout)
			return
		}
		c.keepProbes++
		c.keepNow = true
	}
	c.syncPersist(now)
}

// onRTO handles the retransmission timer's expiry (RFC 6298 5.4 to 5.6):
// back off, tell congestion control (RFC 5681 3.1) and the scoreboard (RFC
// 6675 5.1), and send again from SND.UNA.
func (c *Conn) onRTO(now reactor.Instant) {
	if c.sndMax == c.sndUna {
		c.rtoAt = reactor.Never
		return
	}
	rto := c.rtt.OnTimeout()
	c.stats.Timeouts++
	switch c.state {
	case SynSent, SynReceived:
		c.sendSyn = true
		c.synRetransmitted = true
	default:
		c.cc.OnTimeout(c.flight(), c.sndMax, c.rtoRepeated)
		c.rtoRepeated = true
		if c.sackOK {
			c.sb.OnTimeout()
		}
		c.sndNxt = c.sndUna
		c.rtxNow = false
	}
	c.rtoAt = now.Add(rto)
}

// keepAliveAt returns when the next keep-alive probe is due (RFC 9293
// 3.8.4): the connection is idle (nothing in flight or queued) and the
// peer silent for KeepAlive, then every KeepAliveInterval.
func (c *Conn) keepAliveAt() reactor.Instant {
	if c.cfg.KeepAlive == 0 || (c.state != Established && c.state != CloseWait) ||
		c.sndMax != c.sndUna || c.unsent() > 0 {
		return reactor.Never
	}
	return c.lastRecv.Add(c.cfg.KeepAlive + c.cfg.KeepAliveInterval*time.Duration(c.keepProbes))
}

// userTimeoutAt returns when the user timeout strikes: UserTimeout after
// SND.UNA last advanced while something is unacknowledged, or after the
// first zero-window probe still unanswered (as Linux counts it). Probes
// that are answered keep the connection open as long as the window stays
// shut (RFC 9293 3.8.6.1).
func (c *Conn) userTimeoutAt() reactor.Instant {
	if c.cfg.UserTimeout == 0 || !c.state.synchronized() {
		return reactor.Never
	}
	switch {
	case c.sndMax != c.sndUna:
		return c.flightAt.Add(c.cfg.UserTimeout)
	case c.probeSince != reactor.Never:
		return c.probeSince.Add(c.cfg.UserTimeout)
	}
	return reactor.Never
}
