package tcp

import (
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// processAck is the "fifth, check the ACK field" step of RFC 9293 3.10.7.4
// for the synchronized states: RFC 5961 5.2's acceptable range, the
// cumulative acknowledgment with RTT sampling (RFC 6298, RFC 7323 4),
// duplicate ACKs and SACK blocks for loss recovery (RFC 5681, 6582, 6675),
// the send window update, and the state changes an ACK of our FIN makes.
// pure says the segment carries no data, SYN or FIN, which a duplicate
// ACK must not (RFC 5681 section 2). It reports false if the segment must
// go no further.
func (c *Conn) processAck(now reactor.Instant, seg *Repr, pure bool) bool {
	ack := seg.Ack
	// RFC 5961 5.2: only (SND.UNA - MAX.SND.WND) <= SEG.ACK <= SND.NXT is
	// acceptable; anything else is dropped with an ACK in reply.
	if ack.GreaterThan(c.sndMax) || ack.LessThan(c.sndUna-Seq(c.maxSndWnd)) {
		c.challengeACK(now)
		return false
	}
	wnd := uint32(seg.Window) << c.sndShift
	switch {
	case ack.GreaterThan(c.sndUna):
		c.ackNew(now, seg)
	case ack == c.sndUna:
		c.ackDuplicate(seg, pure && wnd == c.sndWnd)
	}
	// RFC 9293: update the send window from the newest segment only, by
	// SND.WL1 and SND.WL2, so an old reordered one cannot shrink it.
	if !ack.LessThan(c.sndUna) && (c.sndWl1.LessThan(seg.Seq) || (c.sndWl1 == seg.Seq && !c.sndWl2.GreaterThan(ack))) {
		if wnd > c.sndWnd {
			c.persistN = 0
		}
		c.sndWnd, c.sndWl1, c.sndWl2 = wnd, seg.Seq, ack
		c.maxSndWnd = max(c.maxSndWnd, wnd)
	}
	if !c.finAcked || c.sndUna != c.sndMax {
		return true
	}
	switch c.state {
	case FinWait1:
		c.state = FinWait2
	case Closing:
		c.enterTimeWait(now)
	case LastAck:
		c.terminate(0)
		return false
	}
	return true
}

// ackNew handles an ACK of new data: free what it covers, sample the RTT,
// tell congestion control and the scoreboard, and rearm the timer.
func (c *Conn) ackNew(now reactor.Instant, seg *Repr) {
	ack := seg.Ack
	acked := uint32(ack - c.sndUna)
	data := acked
	if c.finSent() && ack == c.dataEnd()+1 {
		c.finAcked = true
		data--
	}
	c.tx.Consume(int(min(data, uint32(c.tx.Len()))))
	if c.tx.Len() == 0 {
		// All acknowledged: a pooled send buffer goes back now, so that
		// data this same segment carries can borrow it.
		c.settleTx()
	}
	c.sndUna = ack
	c.sndNxt = SeqMax(c.sndNxt, ack)
	c.rtoRepeated = false
	c.flightAt = now
	flight := c.flight()
	c.sampleRTT(now, seg, ack, flight)

	ev := AckEvent{Ack: ack, Acked: acked, Flight: flight, SndMax: c.sndMax}
	if c.sackOK {
		c.sb.Update(ack, sackBlocks(seg), c.sndMax)
	}
	sig := c.cc.OnAck(ev)
	if sig&CCRetransmit != 0 {
		c.rtxNow = true
		c.rtt.OnRetransmit()
	}
	switch {
	case flight == 0:
		c.rtoAt = reactor.Never // RFC 6298 5.2
		c.rtxNow = false
	case sig&CCRestartTimer != 0 || c.rtoAt == reactor.Never:
		c.rtoAt = now.Add(c.rtt.RTO()) // RFC 6298 5.3
	}
	if data > 0 {
		c.events |= evWritable
	}
	c.checkSACKLoss(ev)
}

// ackDuplicate handles an ACK that does not move SND.UNA. Without SACK a
// duplicate is RFC 5681's (dup says it qualifies); with SACK, RFC 6675's:
// one whose blocks report new data.
func (c *Conn) ackDuplicate(seg *Repr, dup bool) {
	flight := c.flight()
	if flight == 0 {
		return
	}
	ev := AckEvent{Ack: c.sndUna, Flight: flight, SndMax: c.sndMax}
	if c.sackOK {
		if u := c.sb.Update(c.sndUna, sackBlocks(seg), c.sndMax); u.DupAck {
			c.cc.OnDupAck(ev)
		}
		c.checkSACKLoss(ev)
		return
	}
	if !dup {
		return
	}
	if sig := c.cc.OnDupAck(ev); sig&CCRetransmit != 0 {
		if sig&CCEnteredRecovery != 0 {
			c.stats.Recoveries++
		}
		c.rtxNow = true
		c.rtt.OnRetransmit()
	}
}

// checkSACKLoss starts RFC 6675 loss recovery when the scoreboard finds a
// loss and congestion control agrees (its recover point allows it).
func (c *Conn) checkSACKLoss(ev AckEvent) {
	if !c.sackOK || c.inRecovery() || !c.sb.LossDetected() {
		return
	}
	if c.cc.EnterRecovery(ev)&CCEnteredRecovery != 0 {
		c.stats.Recoveries++
		c.sb.EnterRecovery()
		c.rtxNow = true
		c.rtt.OnRetransmit()
	}
}

// sackBlocks returns the SACK blocks a segment carries.
func sackBlocks(seg *Repr) []wire.SACKBlock {
	return seg.Options.SACK[:min(max(seg.Options.NumSACK, 0), len(seg.Options.SACK))]
}

// sampleRTT takes an RTT sample from an ACK of new data: from the echoed
// timestamp when timestamps are in use (RFC 7323 4.1), else from the timed
// segment, which Karn's rule has cancelled if anything was retransmitted.
func (c *Conn) sampleRTT(now reactor.Instant, seg *Repr, ack Seq, flight uint32) {
	if c.tsOK && seg.Options.HasTimestamps && seg.Options.TSEcr != 0 {
		if r := int32(c.tsClock(now) - seg.Options.TSEcr); r >= 0 {
			c.rtt.TimestampSample(time.Duration(r)*time.Millisecond, flight, max(c.smss, 1))
		}
		return
	}
	c.rtt.OnAck(ack, now)
}

// enterTimeWait enters TIME-WAIT: both FINs are acknowledged, so the close
// is complete; the connection lingers 2*MSL to answer a retransmitted FIN.
func (c *Conn) enterTimeWait(now reactor.Instant) {
	c.state = TimeWait
	c.rtoAt, c.persistAt = reactor.Never, reactor.Never
	c.twAt = now.Add(c.cfg.TimeWait)
	c.events |= evCloseDone
}
