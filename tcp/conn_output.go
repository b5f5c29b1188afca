package tcp

import (
	"net/netip"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// planKind is what Output sends next.
type planKind uint8

const (
	planNone  planKind = iota
	planReset          // the reset sendReset queued
	planSYN            // our SYN, or SYN-ACK in SYN-RECEIVED
	planData           // [seq, seq+n) from the send ring, maybe with FIN
	planProbe          // zero-window or keep-alive probe: SEQ=SND.UNA-1, no data
	planACK            // an ACK alone
)

// plan is the next segment to send, decided by plan() without changing
// anything, so PollAt can ask the same question Output does.
type plan struct {
	kind planKind
	seq  Seq
	n    int  // payload bytes
	fin  bool // FIN follows the payload
	rtx  bool // a retransmission: no RTT timing (Karn)
	rule SegmentRule
}

// Output writes the next segment to send into b (TCP header, options and
// payload, with the checksum over the pseudo-header for src and dst) and
// returns its length. ok is false when there is nothing to send now. The
// stack calls it until it returns false, bounding the calls for fairness,
// and after every Input, Poll and user call; b should hold the link MTU
// minus the IP header. It does not allocate.
func (c *Conn) Output(now reactor.Instant, b []byte, src, dst netip.Addr) (n int, ok bool) {
	c.now = now
	if c.state.canSend() && c.sndMax == c.sndUna && c.lastSend != now {
		c.cc.RestartAfterIdle(now.Sub(c.lastSend), c.rtt.RTO()) // RFC 5681 4.1
	}
	p := c.plan(len(b) - wire.TCPHeaderLen - c.dataOptionsLen())
	if p.kind != planNone {
		n = c.send(now, b, src, dst, p)
	}
	c.syncPersist(now)
	c.fire()
	return n, n > 0
}

// dataOptionsLen is the option bytes of a segment after the handshake:
// timestamps, and SACK blocks while out-of-order data is held.
func (c *Conn) dataOptionsLen() int {
	n := 0
	if c.tsOK {
		n += tsOptionLen
	}
	if c.sackOK && !c.asm.Empty() {
		n += 4 + 8*min(c.asm.Ranges(), c.maxSACKBlocks())
	}
	return n
}

// maxSACKBlocks is how many SACK blocks fit beside the other options
// (RFC 2018 3): four, or three with timestamps.
func (c *Conn) maxSACKBlocks() int {
	if c.tsOK {
		return 3
	}
	return 4
}

// plan decides the next segment. room is the payload a segment may carry
// by the size of the caller's buffer.
func (c *Conn) plan(room int) plan {
	if c.rstNow {
		return plan{kind: planReset}
	}
	switch c.state {
	case Closed, Listen:
		return plan{}
	case SynSent:
		if c.sendSyn {
			return plan{kind: planSYN}
		}
		return plan{}
	case SynReceived:
		if c.sendSyn || c.ackNow {
			return plan{kind: planSYN}
		}
		return plan{}
	}
	if c.state.canSend() {
		limit := min(int(c.smss)-c.dataOptionsLen()+c.baseOptionsLen(), room)
		if p := c.planData(max(limit, 0)); p.kind != planNone {
			return p
		}
	}
	switch {
	case c.forceNow || c.keepNow:
		return plan{kind: planProbe, seq: c.sndUna - 1}
	case c.ackNow || c.windowUpdateDue():
		return plan{kind: planACK, seq: c.sndMax}
	}
	return plan{}
}

// baseOptionsLen is the option bytes smss already allows for.
func (c *Conn) baseOptionsLen() int {
	if c.tsOK {
		return tsOptionLen
	}
	return 0
}

// planData picks the data (or FIN) segment to send, if any: a
// retransmission the ACKs asked for, then RFC 6675's choice during SACK
// recovery, then new data or what a timeout left to send again.
func (c *Conn) planData(limit int) plan {
	if c.rtxNow {
		start, end, rule := c.sndUna, c.sndMax, SegmentRule(0)
		if c.inRecovery() {
			if s, ok := c.sb.FastRetransmit(); ok {
				start, end, rule = s.Start, s.End, RuleFastRetransmit
			}
		}
		if p := c.rangePlan(start, end, limit); p.kind != planNone {
			p.rtx, p.rule = true, rule
			return p
		}
	}
	if c.inRecovery() {
		return c.planRecovery(limit)
	}
	return c.planSend(limit)
}

// rangePlan plans sending again the sequence space [start, end), at most
// limit bytes of it, with our FIN if it lies at the end of the range.
func (c *Conn) rangePlan(start, end Seq, limit int) plan {
	dataEnd := c.dataEnd()
	n := 0
	if d := dataEnd.Sub(start); d > 0 {
		n = int(min(uint32(d), uint32(end-start), uint32(limit)))
	}
	fin := c.finSent() && start.Add(uint32(n)) == dataEnd && end.GreaterThan(dataEnd)
	if n == 0 && !fin {
		return plan{}
	}
	return plan{kind: planData, seq: start, n: n, fin: fin}
}

// planRecovery is RFC 6675 section 5 step (C): while cwnd - pipe allows a
// segment, send what NextSeg names.
func (c *Conn) planRecovery(limit int) plan {
	cwnd, pipe := c.cc.Window(), c.sb.Pipe()
	if pipe >= cwnd || cwnd-pipe < c.smss {
		return plan{}
	}
	sendable := min(c.unsent(), c.windowRoom())
	s, ok := c.sb.NextSeg(sendable)
	if !ok {
		return plan{}
	}
	if s.Rule == RuleNewData {
		n := int(min(s.Len(), uint32(limit)))
		if n == 0 {
			return plan{}
		}
		return plan{kind: planData, seq: c.sndNxt, n: n, fin: c.finQueued && c.sndNxt.Add(uint32(n)) == c.dataEnd(), rule: RuleNewData}
	}
	p := c.rangePlan(s.Start, s.End, limit)
	p.rtx, p.rule = true, s.Rule
	return p
}

// windowRoom returns how much new data the peer's window takes beyond
// SND.NXT.
func (c *Conn) windowRoom() uint32 {
	if d := c.sndUna.Add(c.sndWnd).Sub(c.sndNxt); d > 0 {
		return uint32(d)
	}
	return 0
}

// planSend plans new data, or the data a timeout pulled SND.NXT back over
// (go-back-N), within the peer's window and cwnd, with the FIN after the
// last byte. New data waits by Nagle's algorithm (RFC 9293 3.7.4) and the
// sender's silly window avoidance (3.8.6.2.1) unless the persist timer
// has fired.
func (c *Conn) planSend(limit int) plan {
	dataEnd := c.dataEnd()
	unsent := c.unsent()
	rtx := c.sndNxt.LessThan(c.sndMax)
	wndRoom := c.windowRoom()
	if rtx {
		// Data already sent once went into a window the peer offered;
		// send it again even if the window has since shrunk.
		wndRoom = max(wndRoom, uint32(c.sndMax-c.sndNxt))
	}
	var cwndRoom uint32
	if cwnd, flight := c.cc.Window()+c.limitedTransmit(rtx), uint32(c.sndNxt-c.sndUna); cwnd > flight {
		cwndRoom = cwnd - flight
	}
	n := min(unsent, wndRoom, cwndRoom, uint32(limit))
	fin := c.finQueued && !c.finAcked && c.sndNxt.Add(n) == dataEnd
	if n == 0 && !fin {
		return plan{}
	}
	if n > 0 && n < uint32(limit) && !rtx && !c.forceNow {
		switch {
		case n == unsent:
			// All that is queued: Nagle holds it while an earlier short
			// segment is unacknowledged (Minshall's variant, as Linux):
			// the tail of a bulk write goes out behind full segments at
			// once instead of waiting on the peer's delayed ACK, and a
			// stream of small writes still coalesces.
			if !c.cfg.NoDelay && !c.finQueued && c.smallEnd.GreaterThan(c.sndUna) {
				return plan{}
			}
		case n == wndRoom && n >= c.maxSndWnd/2:
			// Window-limited but at least half the largest window seen.
		default:
			return plan{}
		}
	}
	return plan{kind: planData, seq: c.sndNxt, n: int(n), fin: fin, rtx: rtx}
}

// limitedTransmit is RFC 3042's allowance: on each of the first two
// duplicate ACKs, one new segment beyond cwnd (cwnd itself unchanged), so
// a small window still has enough segments in flight to bring the third
// duplicate that starts fast retransmit instead of waiting for the timer.
// Only new data uses it, never a retransmission.
func (c *Conn) limitedTransmit(rtx bool) uint32 {
	d := c.cc.DupAcks()
	if rtx || d == 0 || d >= 3 || c.cc.State() == FastRecovery || c.inRecovery() {
		return 0
	}
	return min(d, 2) * c.smss
}
