package tcp

import (
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// tsOptionLen is what the timestamps option costs every segment once
// negotiated, padding included (RFC 7323 appendix A layout).
const tsOptionLen = 12

// Connect starts an active open (RFC 9293 3.10.1): the connection enters
// SYN-SENT and Output sends the SYN. iss is the initial send sequence
// number, from an ISNGenerator. It returns ErrInUse if the Conn was opened
// before. Data written before the handshake completes is sent after it.
func (c *Conn) Connect(now reactor.Instant, local, remote netip.AddrPort, iss Seq) error {
	if c.opened {
		return ErrInUse
	}
	c.open(now, local, remote, iss)
	c.state = SynSent
	c.sendSyn = true
	return nil
}

// AcceptSYN starts a passive open from a SYN a listener received (RFC 9293
// 3.10.7.2): the connection takes the peer's options, enters SYN-RECEIVED,
// and Output sends the SYN-ACK. It returns ErrInUse if the Conn was opened
// before and ErrNotSYN unless syn carries SYN alone (no ACK, RST or FIN).
// Data on the SYN is not kept: the peer sends it again once acknowledged.
func (c *Conn) AcceptSYN(now reactor.Instant, local, remote netip.AddrPort, syn *Repr, iss Seq) error {
	if c.opened {
		return ErrInUse
	}
	if syn.Flags&(wire.TCPSyn|wire.TCPAck|wire.TCPRst|wire.TCPFin) != wire.TCPSyn {
		return ErrNotSYN
	}
	c.open(now, local, remote, iss)
	c.passive = true
	c.synReceived(syn)
	c.state = SynReceived
	c.sendSyn = true
	return nil
}

// open sets up the send side and the timers common to both opens.
func (c *Conn) open(now reactor.Instant, local, remote netip.AddrPort, iss Seq) {
	c.opened = true
	c.now, c.local, c.remote = now, packEndpoint(local), packEndpoint(remote)
	c.iss, c.sndUna, c.sndNxt, c.sndMax, c.smallEnd = iss, iss, iss, iss, iss
	// TSval runs from a per-connection offset (RFC 7323 5.4 and 7.1) so
	// it does not reveal the clock; the ISS is already a keyed hash.
	c.tsOffset = uint32(iss)
	if !c.cfg.DisableWindowScale {
		c.rcvShift = windowShift(c.rxCap())
	}
	if c.cfg.ConnectTimeout > 0 {
		c.openAt = now.Add(c.cfg.ConnectTimeout)
	}
	c.lastRecv, c.flightAt, c.lastSend = now, now, now
}

// windowShift returns the smallest window scale that lets a window field
// describe a buffer of n bytes, at most 14 (RFC 7323 2.3).
func windowShift(n int) uint8 {
	s := uint8(0)
	for s < wire.TCPMaxWindowScale && n > 0xffff<<s {
		s++
	}
	return s
}

// synReceived takes the peer's SYN: its sequence number, its window
// (never scaled in a SYN, RFC 7323 2.2) and its options.
func (c *Conn) synReceived(syn *Repr) {
	c.irs = syn.Seq
	c.rcvNxt = syn.Seq + 1
	c.lastAckSent = c.rcvNxt
	c.negotiate(&syn.Options)
	c.sndWnd = uint32(syn.Window)
	c.maxSndWnd = c.sndWnd
	c.sndWl1, c.sndWl2 = syn.Seq, c.iss
	// What our SYN or SYN-ACK advertises, unscaled.
	c.rcvAdv = c.rcvNxt.Add(min(uint32(c.rxFree()), 0xffff))
}

// negotiate settles the options from the peer's SYN: each option is used
// only if both sides sent it (RFC 7323 2.2 and 3.2, RFC 2018 2).
func (c *Conn) negotiate(o *wire.TCPOptions) {
	peerMSS := uint32(DefaultMSS) // RFC 9293 3.7.1: assumed when absent
	if o.HasMSS {
		peerMSS = max(uint32(o.MSS), minMSS)
	}
	c.wsOK = !c.cfg.DisableWindowScale && o.HasWindowScale
	if c.wsOK {
		c.sndShift = min(o.WindowScale, wire.TCPMaxWindowScale)
	} else {
		c.sndShift, c.rcvShift = 0, 0
	}
	c.sackOK = !c.cfg.DisableSACK && o.SACKPermitted
	c.tsOK = !c.cfg.DisableTimestamps && o.HasTimestamps
	if c.tsOK {
		c.tsRecent, c.tsRecentAt = o.TSVal, c.now
	}
	c.smss = min(peerMSS, uint32(c.cfg.MSS))
	if c.tsOK {
		c.smss -= tsOptionLen
	}
}

// establish enters ESTABLISHED (or FIN-WAIT-1, if the user closed during
// the handshake) and starts congestion control.
func (c *Conn) establish(now reactor.Instant) {
	c.state = Established
	if c.finQueued {
		c.state = FinWait1
	}
	c.openAt = reactor.Never
	c.sendSyn = false
	c.rtt.HandshakeDone(c.synRetransmitted)
	c.cc.Init(NewRenoConfig{ISS: c.iss, SMSS: c.smss, SACK: c.sackOK, SYNRetransmitted: c.synRetransmitted})
	c.sb.Reset(c.sndUna, c.smss)
	c.lastSend = now
	c.events |= evConnected | evWritable
}

// ackSYN records that the peer acknowledged our SYN.
func (c *Conn) ackSYN(now reactor.Instant, seg *Repr) {
	c.sndUna = seg.Ack
	c.sndNxt = SeqMax(c.sndNxt, c.sndUna)
	c.sampleRTT(now, seg, c.sndUna, 0)
	if c.sndUna == c.sndMax {
		c.rtoAt = reactor.Never
	}
	c.flightAt = now
}

// tsClock returns our TSval at now: a millisecond clock (RFC 7323 5.4
// asks for 1 ms to 1 s per tick) from the connection's offset.
func (c *Conn) tsClock(now reactor.Instant) uint32 { return tsValue(now, c.tsOffset) }

// tsValue is the TSval at now of a clock offset by offset: a connection's
// offset is its ISS, so a listener's SYN-ACK and the Conn Accept builds
// later keep one clock.
func tsValue(now reactor.Instant, offset uint32) uint32 {
	return uint32(int64(now)/int64(time.Millisecond)) + offset
}

// adopt makes c the connection a Listener completed: the handshake r
// recorded, with the window scale and SYN-ACK window the listener
// advertised. c enters ESTABLISHED without a segment exchanged.
func (c *Conn) adopt(now reactor.Instant, local, remote netip.AddrPort, r *passive, rcvShift uint8, synWindow uint16) {
	c.open(now, local, remote, r.iss)
	c.passive = true
	c.openAt = reactor.Never
	c.irs = r.irs
	c.rcvNxt = r.irs + 1
	c.lastAckSent = c.rcvNxt
	var o wire.TCPOptions
	o.MSS, o.HasMSS = r.peerMSS, true
	if r.opts&optWS != 0 {
		o.WindowScale, o.HasWindowScale = r.peerShift, true
	}
	o.SACKPermitted = r.opts&optSACK != 0
	if r.opts&optTS != 0 {
		o.HasTimestamps, o.TSVal = true, r.tsRecent
	}
	c.negotiate(&o)
	if c.wsOK {
		c.rcvShift = rcvShift
	}
	c.rcvAdv = c.rcvNxt.Add(uint32(synWindow))
	c.sndUna, c.sndNxt, c.sndMax = r.iss+1, r.iss+1, r.iss+1
	c.sndWnd = r.sndWnd
	c.maxSndWnd = c.sndWnd
	c.sndWl1, c.sndWl2 = r.irs+1, r.iss+1
	c.establish(now)
	if r.opts&optEarlyData != 0 {
		c.ackNow = true // tell the peer our window now, so it resends sooner
	}
}
