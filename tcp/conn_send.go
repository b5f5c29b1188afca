package tcp

import (
	"net/netip"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// send builds the segment p describes into b and updates the send state:
// SND.NXT and SND.MAX, the retransmission timer, RTT timing, the
// scoreboard, and what was owed. It returns the segment's length, 0 if b
// is too short for it.
func (c *Conn) send(now reactor.Instant, b []byte, src, dst netip.Addr, p plan) int {
	if p.kind == planReset {
		r := Repr{Seq: c.rstSeq, Ack: c.rstAck, Flags: c.rstFlags}
		n := r.Emit(b, c.local.port, c.remote.port, src, dst)
		if n > 0 {
			c.rstNow = false
			c.stats.SegmentsOut++
		}
		return n
	}
	r := wire.TCPRepr{SrcPort: c.local.port, DstPort: c.remote.port, Flags: wire.TCPAck}
	switch p.kind {
	case planSYN:
		r.Seq = uint32(c.iss)
		r.Flags = wire.TCPSyn
		if c.state == SynReceived {
			r.Flags |= wire.TCPAck
		}
		c.synOptions(now, &r.Options)
		r.Window = c.synWindowField()
	case planData:
		r.Seq = uint32(p.seq)
		r.PayloadLen = p.n
		if p.fin {
			r.Flags |= wire.TCPFin
		}
		if p.n > 0 && p.seq.Add(uint32(p.n)) == c.dataEnd() {
			r.Flags |= wire.TCPPsh // the last queued byte: deliver it
		}
	default: // planProbe, planACK
		r.Seq = uint32(p.seq)
	}
	if r.Flags&wire.TCPAck != 0 {
		r.Ack = uint32(c.rcvNxt)
	}
	if p.kind != planSYN {
		c.dataOptions(now, &r.Options)
	}
	hl := r.HeaderLen()
	if len(b) < hl+p.n {
		return 0
	}
	if p.n > 0 {
		c.tx.CopyAt(b[hl:hl+p.n], int(p.seq-c.sndUna))
	}
	if p.kind != planSYN && r.Flags&wire.TCPAck != 0 {
		r.Window = c.windowField()
	}
	r.Emit(b, src, dst)
	c.stats.SegmentsOut++
	if p.rtx && (p.n > 0 || p.fin) {
		c.stats.Retransmits++
	}

	if r.Flags&wire.TCPAck != 0 {
		c.ackNow, c.ackSegs, c.delAckAt = false, 0, reactor.Never
		c.lastAckSent = c.rcvNxt
	}
	switch p.kind {
	case planSYN:
		c.sendSyn = false
		c.sent(now, c.iss, c.iss+1, c.synRetransmitted)
	case planData:
		end := p.seq.Add(uint32(p.n))
		if p.fin {
			end++
		}
		if p.rule != 0 {
			c.sb.Sent(Segment{SeqRange: SeqRange{Start: p.seq, End: end}, Rule: p.rule})
		}
		if p.rtx && p.rule == 0 || p.rule == RuleFastRetransmit {
			c.rtxNow = false
		}
		if p.rule != RuleNewData && p.seq != c.sndNxt {
			// A hole filled out of order: SND.NXT stays where it was.
			c.sent(now, p.seq, p.seq, true)
		} else {
			c.sndNxt = end
			c.sent(now, p.seq, end, p.rtx)
		}
		if p.n > 0 && uint32(p.n) < c.smss && !p.rtx {
			c.smallEnd = p.seq.Add(uint32(p.n)) // Nagle (Minshall) waits for this
		}
		c.forceNow = false
		c.lastSend = now
	case planProbe:
		if c.forceNow && c.probeSince == reactor.Never {
			c.probeSince = now
		}
		c.forceNow, c.keepNow = false, false
	}
	return hl + p.n
}

// sent records that [seq, end) went out at now: SND.MAX, the flight's
// start for the user timeout, the RTO (RFC 6298 5.1) and, for new data,
// RTT timing.
func (c *Conn) sent(now reactor.Instant, seq, end Seq, rtx bool) {
	if c.sndMax == c.sndUna && end != seq {
		c.flightAt = now
	}
	if end.GreaterThan(c.sndMax) {
		c.sndMax = end
	}
	if end.GreaterThan(c.sndNxt) {
		c.sndNxt = end
	}
	if rtx {
		c.rtt.OnRetransmit()
	} else if !c.tsOK || c.state == SynSent {
		c.rtt.StartTiming(end, now)
	}
	if c.rtoAt == reactor.Never && c.sndMax != c.sndUna {
		c.rtoAt = now.Add(c.rtt.RTO())
	}
}

// synOptions fills the options of our SYN (everything this side offers)
// or SYN-ACK (what the peer's SYN offered too).
func (c *Conn) synOptions(now reactor.Instant, o *wire.TCPOptions) {
	active := c.state == SynSent
	o.MSS, o.HasMSS = c.cfg.MSS, true
	if (active && !c.cfg.DisableWindowScale) || c.wsOK {
		o.WindowScale, o.HasWindowScale = c.rcvShift, true
	}
	o.SACKPermitted = (active && !c.cfg.DisableSACK) || c.sackOK
	if (active && !c.cfg.DisableTimestamps) || c.tsOK {
		o.HasTimestamps = true
		o.TSVal = c.tsClock(now)
		if !active {
			o.TSEcr = c.tsRecent
		}
	}
}

// dataOptions fills the options of a segment after the handshake.
func (c *Conn) dataOptions(now reactor.Instant, o *wire.TCPOptions) {
	if c.tsOK {
		o.HasTimestamps = true
		o.TSVal, o.TSEcr = c.tsClock(now), c.tsRecent
	}
	if c.sackOK && !c.asm.Empty() {
		o.NumSACK = c.asm.SACKBlocks(c.rcvNxt, o.SACK[:c.maxSACKBlocks()])
	}
}

// syncPersist arms the persist timer when data waits, nothing is in
// flight to bring an ACK, and the peer's window is too small to send it
// (zero, or small enough that SWS avoidance holds it back), and disarms it
// otherwise. Its period backs off like the RTO (RFC 9293 3.8.6.1).
func (c *Conn) syncPersist(now reactor.Instant) {
	blocked := c.state.canSend() && c.sndMax == c.sndUna && c.unsent() > 0 &&
		c.windowRoom() < min(c.unsent(), c.smss)
	switch {
	case !blocked:
		c.persistAt = reactor.Never
	case c.persistAt == reactor.Never:
		d := c.rtt.RTO()
		maxRTO := c.rtt.Config().MaxRTO
		for i := int32(0); i < c.persistN && d < maxRTO; i++ {
			d *= 2
		}
		c.persistAt = now.Add(min(d, maxRTO))
	}
}
