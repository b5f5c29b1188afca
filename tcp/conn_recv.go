package tcp

import (
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// receive is the "seventh, process the segment text" and "eighth, check
// the FIN bit" steps of RFC 9293 3.10.7.4 for a segment already trimmed
// to the window: seq is at or after RCV.NXT. Data in order goes into the
// receive ring; data beyond a hole is parked in the ring's free space at
// its offset and recorded by the Assembler (RFC 2018's SACK blocks come
// from it), and is delivered when the hole fills.
func (c *Conn) receive(now reactor.Instant, seq Seq, payload []byte, fin bool) {
	if !c.state.canReceive() {
		return // the peer's FIN came before: nothing after it is data
	}
	if c.rdClosed && len(payload) > 0 {
		// Nobody will read this: tell the peer at once rather than let
		// it believe the data arrived (RFC 2525 2.17, as Linux does).
		c.sendReset(Repr{Seq: c.sndMax, Ack: c.rcvNxt, Flags: wire.TCPRst | wire.TCPAck})
		c.terminate(ErrAborted)
		return
	}
	off := int(seq - c.rcvNxt)
	if c.finHeld {
		// Nothing can follow the peer's FIN.
		if limit := int(c.finHeldSeq - c.rcvNxt); off+len(payload) > limit {
			payload = payload[:max(limit-off, 0)]
		}
	}
	if len(payload) > 0 && c.needRx() && !c.borrowRx() {
		// No buffer to put it in: drop the data, and the FIN that
		// follows it, unacknowledged; the peer sends both again.
		c.stats.PoolMisses++
		return
	}
	if room := c.rx.Free() - off; len(payload) > room {
		payload, fin = payload[:max(room, 0)], false
		c.ackNow = true
	}
	if len(payload) > 0 {
		holes := !c.asm.Empty()
		adv, ok := c.asm.Receive(&c.rx, off, payload)
		if adv > 0 {
			c.rcvNxt = c.rcvNxt.Add(uint32(adv))
			c.events |= evReadable
		}
		switch {
		case !ok:
			fin = false // the data before the FIN was not kept
			c.ackNow = true
		case off > 0 || holes:
			if off > 0 {
				c.stats.OutOfOrder++
			}
			// Out of order, or filling a hole: ACK at once so the sender
			// learns of it (RFC 5681 4.2, RFC 9293 3.8.6.3).
			c.ackNow = true
		default:
			c.delayAck(now)
		}
	}
	if fin {
		if end := seq.Add(uint32(len(payload))); end != c.rcvNxt {
			c.finHeld, c.finHeldSeq = true, end
			c.ackNow = true
			return
		}
		c.peerFIN(now)
		return
	}
	if c.finHeld && c.rcvNxt == c.finHeldSeq {
		c.peerFIN(now)
	}
}

// delayAck acknowledges in-order data at every second segment, else after
// DelayedAck (RFC 9293 3.8.6.3, RFC 5681 4.2).
func (c *Conn) delayAck(now reactor.Instant) {
	c.ackSegs++
	if c.cfg.DelayedAck == 0 || c.ackSegs >= 2 {
		c.ackNow = true
		return
	}
	if c.delAckAt == reactor.Never {
		c.delAckAt = now.Add(c.cfg.DelayedAck)
	}
}

// peerFIN takes the peer's FIN, all data before it having arrived.
func (c *Conn) peerFIN(now reactor.Instant) {
	c.finHeld = false
	c.rcvNxt++
	c.finRecvd = true
	c.ackNow = true
	c.events |= evPeerClosed | evReadable
	switch c.state {
	case Established:
		c.state = CloseWait
	case FinWait1:
		if c.finAcked {
			c.enterTimeWait(now)
		} else {
			c.state = Closing
		}
	case FinWait2:
		c.enterTimeWait(now)
	}
}
