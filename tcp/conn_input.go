package tcp

import (
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// RFC 5961 section 7 asks that challenge ACKs be rate-limited, so a
// blind attacker cannot use them to make a connection talk at will.
const (
	challengeACKLimit  = 10
	challengeACKPeriod = time.Second
)

// tsRecentLifetime is how long TS.Recent stays valid without being
// refreshed (RFC 7323 5.5): 24 days, below the 2^31 ms a TSval clock at
// 1 ms per tick takes to turn half way round.
const tsRecentLifetime = 24 * 24 * time.Hour

// Input processes a segment that arrived for this connection, as RFC 9293
// 3.10.7 ("SEGMENT ARRIVES") directs for every state, hardened by RFC 5961
// and with PAWS (RFC 7323 5). The stack has verified the checksum and
// found the connection by the 4-tuple. Replies are left for Output.
//
// A closed connection answers with the reset of ResetFor. The payload is
// copied into the receive ring as far as it is acceptable; Input keeps no
// reference to seg.
func (c *Conn) Input(now reactor.Instant, seg *Repr) {
	c.now = now
	c.stats.SegmentsIn++
	switch c.state {
	case Closed:
		if c.opened {
			if r, ok := ResetFor(seg); ok {
				c.sendReset(r)
			}
		}
	case Listen:
	case SynSent:
		c.inputSynSent(now, seg)
	default:
		c.inputSynced(now, seg)
	}
	c.syncPersist(now)
	c.fire()
}

// inputSynSent is RFC 9293 3.10.7.3, with RFC 5961 3.2's rule that a reset
// counts only if it acknowledges our SYN.
func (c *Conn) inputSynSent(now reactor.Instant, seg *Repr) {
	f := seg.Flags
	ack := f&wire.TCPAck != 0
	if ack && (seg.Ack.LessEq(c.iss) || seg.Ack.GreaterThan(c.sndMax)) {
		if f&wire.TCPRst == 0 {
			c.sendReset(Repr{Seq: seg.Ack, Flags: wire.TCPRst})
		}
		return
	}
	if f&wire.TCPRst != 0 {
		if ack {
			c.terminate(ErrRefused)
		}
		return
	}
	if f&wire.TCPSyn == 0 {
		return
	}
	c.lastRecv = now
	c.synReceived(seg)
	if !ack {
		// Simultaneous open (RFC 9293 figure 8): answer with a SYN-ACK
		// of the same ISS and wait for the peer's ACK of it.
		c.state = SynReceived
		c.sendSyn = true
		return
	}
	c.sndWl2 = seg.Ack
	c.ackSYN(now, seg)
	c.establish(now)
	c.ackNow = true
}

// inputSynced handles SYN-RECEIVED and the synchronized states (RFC 9293
// 3.10.7.4, "Otherwise").
func (c *Conn) inputSynced(now reactor.Instant, seg *Repr) {
	f := seg.Flags
	syn, fin := f&wire.TCPSyn != 0, f&wire.TCPFin != 0

	// RFC 7323 5.3 R1: PAWS comes before the sequence number check, and
	// does not apply to resets.
	if c.tsOK && f&wire.TCPRst == 0 {
		if !seg.Options.HasTimestamps {
			return // RFC 7323 3.2: SHOULD be dropped silently
		}
		if c.pawsRejects(now, seg.Options.TSVal) {
			// An old duplicate: acknowledge it (RFC 7323 5.3), rate-limited
			// when it carries nothing, as for an out-of-window ACK below.
			c.stats.PAWSDrops++
			if seg.Len() == 0 {
				c.challengeACK(now)
			} else {
				c.ackNow = true
			}
			return
		}
	}
	wnd := c.rcvWnd()
	if f&wire.TCPRst != 0 {
		c.inputRST(now, seg, wnd)
		return
	}

	if syn && c.state.synchronized() {
		// RFC 5961 4.2: a SYN in a synchronized state, whatever its
		// sequence number, draws a challenge ACK and nothing else. A peer
		// that lost our ACK of its SYN-ACK gets that ACK this way.
		c.challengeACK(now)
		return
	}
	seq, payload := seg.Seq, seg.Payload
	if syn && seq.LessThan(c.rcvNxt) {
		// SYN-RECEIVED: the peer's SYN again (its SYN-ACK after a
		// simultaneous open, or a retransmission because our SYN-ACK was
		// lost). That octet is old, so only the rest of the segment is new
		// (RFC 9293 3.10.7.4 on straddling segments); the duplicate earns
		// an answer, which in SYN-RECEIVED is the SYN-ACK.
		syn = false
		seq++
		c.ackNow = true
	}
	if fin && c.state == TimeWait && seq.Add(uint32(len(payload))) == c.rcvNxt-1 {
		// A retransmitted FIN: our ACK was lost. Acknowledge it and
		// restart the 2*MSL timer (RFC 9293, TIME-WAIT, "eighth").
		c.twAt = now.Add(c.cfg.TimeWait)
	}

	segLen := uint32(len(payload))
	if fin {
		segLen++
	}
	if !acceptable(seq, segLen, c.rcvNxt, wnd) {
		if wnd != 0 || seq != c.rcvNxt {
			// RFC 9293: an unacceptable segment draws an ACK. One without
			// data is rate-limited like a challenge ACK, as Linux does,
			// so that two ends that disagree cannot loop on ACKs.
			c.stats.Unaccepted++
			if segLen == 0 {
				c.challengeACK(now)
			} else {
				c.ackNow = true
			}
			return
		}
		// A zero window still takes the ACK, and a FIN, which needs no
		// room, from a segment at RCV.NXT (RFC 9293 3.10.7.4's "special
		// allowance"; Linux does the same).
		if len(payload) > 0 {
			payload, fin = nil, false
			c.ackNow = true
		}
	}
	c.lastRecv, c.keepProbes, c.probeSince = now, 0, reactor.Never

	// Trim what was already received from the front, and what lies
	// beyond the window from the back.
	if d := c.rcvNxt.Sub(seq); d > 0 {
		n := min(int(d), len(payload))
		payload, seq = payload[n:], seq.Add(uint32(n))
		if int(d) > n && fin {
			fin = false
			seq++
		}
		c.ackNow = true
	}
	if room := wnd - uint32(seq-c.rcvNxt); uint32(len(payload)) > room {
		payload, fin = payload[:room], false
	}

	// RFC 7323 4.3 R3: remember the newest timestamp of a segment that
	// the last ACK we sent covered.
	if c.tsOK && !seg.Seq.GreaterThan(c.lastAckSent) &&
		(int32(seg.Options.TSVal-c.tsRecent) >= 0 || now.Sub(c.tsRecentAt) > tsRecentLifetime) {
		c.tsRecent, c.tsRecentAt = seg.Options.TSVal, now
	}

	if syn {
		// A new SYN in SYN-RECEIVED (RFC 9293 3.10.7.4, fourth): after a
		// passive open the connection returns to LISTEN, which for a Conn
		// means it ends and the listener keeps listening; after an active
		// one it is handled as in the synchronized states.
		if c.passive {
			c.terminate(ErrReset)
			return
		}
		c.challengeACK(now)
		return
	}
	if f&wire.TCPAck == 0 {
		return // RFC 9293: "if the ACK bit is off, drop the segment"
	}
	if c.state == SynReceived {
		if !seg.Ack.GreaterThan(c.sndUna) || seg.Ack.GreaterThan(c.sndMax) {
			c.sendReset(Repr{Seq: seg.Ack, Flags: wire.TCPRst})
			return
		}
		c.sndWnd = uint32(seg.Window) << c.sndShift
		c.maxSndWnd = max(c.maxSndWnd, c.sndWnd)
		c.sndWl1, c.sndWl2 = seg.Seq, seg.Ack
		c.ackSYN(now, seg)
		c.establish(now)
	}
	if !c.processAck(now, seg, len(payload) == 0 && !fin && f&wire.TCPSyn == 0) {
		return
	}
	if len(payload) > 0 || fin {
		c.receive(now, seq, payload, fin)
	}
}

// acceptable is RFC 9293's segment acceptability test (3.10.7.4, table 6),
// widened to take a segment that covers the whole window too: any segment
// with an octet inside the window is acceptable, and its parts outside are
// trimmed. A zero-length segment must start inside the window or at its
// right edge, or at RCV.NXT when the window is zero. The right edge is
// Linux's leniency (tcp_sequence) beyond the RFC's table: a peer that
// filled our window while we hold a hole sends its pure ACKs from there,
// and refusing them would lose the ACKs that let our own data move.
func acceptable(seq Seq, segLen uint32, rcvNxt Seq, wnd uint32) bool {
	start := seq.Sub(rcvNxt)
	switch {
	case segLen == 0 && wnd == 0:
		return start == 0
	case segLen == 0:
		return start >= 0 && uint32(start) <= wnd
	case wnd == 0:
		return false
	}
	end := int64(start) + int64(segLen)
	return int64(start) < int64(wnd) && end > 0
}

// pawsRejects is RFC 7323 5.3 R1: a TSval older than TS.Recent marks an
// old duplicate, unless TS.Recent itself has gone stale (5.5).
func (c *Conn) pawsRejects(now reactor.Instant, tsval uint32) bool {
	if now.Sub(c.tsRecentAt) > tsRecentLifetime {
		return false
	}
	return int32(tsval-c.tsRecent) < 0
}

// inputRST is RFC 5961 3.2: a reset is accepted only at exactly RCV.NXT;
// one elsewhere in the window draws a challenge ACK, so that a blind
// attacker must guess the exact number; the rest are dropped.
func (c *Conn) inputRST(now reactor.Instant, seg *Repr, wnd uint32) {
	switch {
	case seg.Seq == c.rcvNxt:
		switch c.state {
		case SynReceived:
			if c.passive {
				c.terminate(ErrReset)
			} else {
				c.terminate(ErrRefused)
			}
		case TimeWait:
			c.terminate(0) // the close had completed: nothing was lost
		default:
			c.terminate(ErrReset)
		}
	case seg.Seq.InWindow(c.rcvNxt, wnd):
		c.challengeACK(now)
	}
}

// challengeACK asks Output for an ACK of the current state (RFC 5961 3.2,
// 4.2, 5.2), at most challengeACKLimit per challengeACKPeriod; ACKs for
// out-of-window segments without data share the limit.
func (c *Conn) challengeACK(now reactor.Instant) {
	if now.Sub(c.challengeAt) >= challengeACKPeriod {
		c.challengeAt, c.challengeCount = now, 0
	}
	if c.challengeCount < challengeACKLimit {
		c.challengeCount++
		c.stats.Challenges++
		c.ackNow = true
	}
}

// sendReset queues a reset for Output without changing state: the answer
// to a segment that acknowledges something never sent.
func (c *Conn) sendReset(r Repr) {
	c.rstSeq, c.rstAck, c.rstFlags, c.rstNow = r.Seq, r.Ack, r.Flags, true
}
