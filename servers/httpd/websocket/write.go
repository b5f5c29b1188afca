package websocket

import (
	"encoding/binary"

	"github.com/seed947b3480/legation/tcp"
)

// Frames go straight into the TCP send ring, a whole frame or nothing:
// the ring is the connection's only send queue, so there is nothing to
// allocate, nothing to flush later, and a full ring is the backpressure the
// application sees.

// writeFrame writes one unmasked frame whose payload is p followed by s,
// if all of it fits in the send ring now.
func (c *Conn) writeFrame(op Opcode, fin bool, p []byte, s string) error {
	n := len(p) + len(s)
	var hb [MaxHeaderLen]byte
	h := AppendFrameHeader(hb[:0], FrameHeader{Fin: fin, Opcode: op, Length: uint64(n)})
	total := len(h) + n
	first, second, err := c.sc.WriteLease()
	switch {
	case err == tcp.ErrWouldBlock:
		return ErrQueueFull
	case err != nil:
		return ErrClosed
	}
	if free := len(first) + len(second); free < total {
		// End the lease: a pooled send buffer goes back if it is empty.
		c.sc.CommitWrite(0)
		if total > free+c.sc.SendQueued() {
			return ErrTooLarge
		}
		return ErrQueueFull
	}
	off := put(first, second, 0, h)
	off = put(first, second, off, p)
	putString(first, second, off, s)
	c.sc.CommitWrite(total)
	return nil
}

// room returns the free space of the send ring, and false if nothing can
// be sent on the connection any more. With a pooled tcp.Conn holding no
// send buffer it borrows one (or queues for one) and gives it back if it
// is still empty, so a room check never pins a buffer.
func (c *Conn) room() (int, bool) {
	first, second, err := c.sc.WriteLease()
	switch {
	case err == tcp.ErrWouldBlock:
		return 0, true
	case err != nil:
		return 0, false
	}
	c.sc.CommitWrite(0) // end the lease
	return len(first) + len(second), true
}

// put copies src into the free space first+second at offset off and
// returns the offset after it; the caller has checked that it fits.
func put(first, second []byte, off int, src []byte) int {
	if off < len(first) {
		k := copy(first[off:], src)
		src, off = src[k:], off+k
	}
	if len(src) > 0 {
		off += copy(second[off-len(first):], src)
	}
	return off
}

func putString(first, second []byte, off int, src string) int {
	if off < len(first) {
		k := copy(first[off:], src)
		src, off = src[k:], off+k
	}
	if len(src) > 0 {
		off += copy(second[off-len(first):], src)
	}
	return off
}

// flushClose sends our pending close frame if the ring has room; after a
// protocol error it also closes TCP's sending side behind it, as the server
// closes TCP first (RFC 6455 7.1.1). A frame that cannot be sent at all
// (the ring too small, TCP gone) is given up.
func (c *Conn) flushClose() {
	if !c.closePending {
		return
	}
	var code [2]byte
	binary.BigEndian.PutUint16(code[:], uint16(c.closeCode))
	err := c.writeFrame(OpClose, true, code[:], c.closeReason)
	if err == ErrQueueFull {
		return
	}
	c.closePending = false
	c.closeSent = err == nil
	if c.state == stFailing {
		c.sc.CloseWrite()
	}
}

// closeFrameLen is the length of our pending close frame.
func (c *Conn) closeFrameLen() int { return 4 + len(c.closeReason) }
