package websocket

import (
	"encoding/binary"
	"io"
	"unicode/utf8"

	"github.com/seed947b3480/legation/tcp"
)

// The receive path reads frames straight from the TCP receive ring (after
// the Adopt leftover, if any). A data frame that ends a message and lies
// whole in one contiguous piece of the ring is unmasked in place and
// delivered from there. Everything else streams: each piece of payload is
// copied into the message buffer, unmasked at its offset and, for text,
// validated as it arrives, so an invalid prefix fails at once. A control
// frame is read whole once all of its at most 125 bytes are there and,
// for a ping or close, once the send ring has room for the answer: until
// then reading stops and TCP's window holds the peer back, so an answer is
// never dropped and never needs a buffer of its own.

// readLoop reads what has arrived. It runs from the readable callback, from
// Adopt, and again when what it waited for (room, a buffer) is there.
func (c *Conn) readLoop() {
	if c.busy || c.waiting || c.paused || c.state == stClosed {
		return
	}
	c.busy = true
	for c.state != stClosed && !c.waiting && !c.paused {
		if c.rstate == rsControl && c.state != stFailing {
			// Before looking for input: an empty close or ping has
			// nothing more to wait for.
			if !c.readControl() {
				break
			}
			continue
		}
		b, err := c.lease()
		if len(b) == 0 {
			if err == io.EOF {
				c.eof = true
			} else if err != nil && err != tcp.ErrWouldBlock {
				c.busy = false
				c.end(CloseAbnormal, nil, false)
				return
			}
			break
		}
		c.touch()
		if c.state == stFailing {
			c.consume(len(b)) // the framing may be lost: discard everything
			continue
		}
		if c.rstate == rsHeader {
			c.readHeader(b)
		} else if !c.readData(b) {
			break
		}
	}
	c.busy = false
	// The peer's FIN with nothing left that could still complete: a
	// connection that ends without a close frame (or a truncated one).
	if c.eof && c.state != stClosed && !c.waiting && !c.readBlocked {
		c.end(CloseAbnormal, nil, false)
	}
}

// lease returns the next contiguous received bytes.
func (c *Conn) lease() ([]byte, error) {
	if c.lo != nil {
		return c.lo.buf[c.lo.off:], nil
	}
	return c.sc.ReadLease()
}

// consume discards n bytes of the last lease.
func (c *Conn) consume(n int) {
	if c.lo != nil {
		if c.lo.off += n; c.lo.off >= len(c.lo.buf) {
			c.lo = nil
		}
		return
	}
	c.sc.Consume(n)
}

// buffered returns the bytes received and not yet consumed.
func (c *Conn) buffered() int {
	n := c.sc.Buffered()
	if c.lo != nil {
		n += len(c.lo.buf) - c.lo.off
	}
	return n
}

// readFull fills p with the next received bytes, which the caller has
// checked are there, across leases.
func (c *Conn) readFull(p []byte) {
	for len(p) > 0 {
		b, _ := c.lease()
		if len(b) == 0 {
			return
		}
		k := copy(p, b)
		c.consume(k)
		p = p[k:]
	}
}

// touch notes input for the keep-alive timers: any input is a sign of
// life. A connection waiting for a pong starts a fresh idle interval now;
// the others only mark themselves active (see timers.go).
func (c *Conn) touch() {
	if c.tlist == tlPong {
		c.active = false
		c.g.setTimer(c, tlIdle, c.g.clockNow().Add(c.g.cfg.PingInterval))
		return
	}
	c.active = true
}

// readHeader reads a frame header, or as much of one as b holds.
func (c *Conn) readHeader(b []byte) {
	if c.hdrN == 0 {
		h, n, err := ParseFrameHeader(b)
		switch err {
		case nil:
			if c.readWhole(&h, b, n) {
				return
			}
			c.consume(n)
			c.beginFrame(&h)
		case ErrNeedMore:
			// len(b) < MaxHeaderLen: keep the start of the header.
			c.hdrN = uint8(copy(c.hdr[:], b))
			c.consume(int(c.hdrN))
		default:
			c.fail(err.(Error))
		}
		return
	}
	had := int(c.hdrN)
	k := copy(c.hdr[had:], b)
	h, n, err := ParseFrameHeader(c.hdr[:had+k])
	switch err {
	case nil:
		c.hdrN = 0
		c.consume(n - had)
		c.beginFrame(&h)
	case ErrNeedMore:
		c.hdrN += uint8(k)
		c.consume(k)
	default:
		c.hdrN = 0
		c.fail(err.(Error))
	}
}

// check applies the rules a frame header must follow here, beyond those of
// ParseFrameHeader: masking, the order of fragments, the size limit.
func (c *Conn) check(h *FrameHeader) Error {
	switch {
	case !h.Masked:
		return ErrUnmasked
	case h.Opcode.IsControl():
		return 0
	case h.Opcode == OpContinuation && c.mop == 0:
		return ErrBadContinuation
	case h.Opcode != OpContinuation && c.mop != 0:
		return ErrExpectedContinuation
	}
	have := int(c.mlen)
	if h.Opcode != OpContinuation {
		have = 0
	}
	if h.Length > uint64(c.g.cfg.MaxMessage-have) {
		return ErrMessageTooBig
	}
	return 0
}

// readWhole delivers a whole unfragmented message that lies in b after its
// header, in place, and reports whether it did.
func (c *Conn) readWhole(h *FrameHeader, b []byte, n int) bool {
	if !h.Fin || h.Opcode != OpText && h.Opcode != OpBinary || uint64(len(b)-n) < h.Length || c.check(h) != 0 {
		return false
	}
	end := n + int(h.Length)
	msg := b[n:end:end]
	MaskBytes(h.Mask, 0, msg)
	text := h.Opcode == OpText
	if text && !utf8.Valid(msg) {
		c.consume(end)
		c.fail(ErrInvalidUTF8)
		return true
	}
	// Deliver before consuming: msg is the ring's memory, and stays the
	// message's until the ring is told it may be reused.
	c.deliver(text, msg)
	c.consume(end)
	return true
}

// beginFrame starts reading the payload of the frame whose header was just
// read.
func (c *Conn) beginFrame(h *FrameHeader) {
	if err := c.check(h); err != 0 {
		c.fail(err)
		return
	}
	c.fmask, c.fpos, c.fop, c.ffin, c.fleft = h.Mask, 0, h.Opcode, h.Fin, h.Length
	if h.Opcode.IsControl() {
		c.rstate = rsControl
		return
	}
	if h.Opcode != OpContinuation {
		c.mop, c.mlen = h.Opcode, 0
		c.utf8.Reset()
	}
	c.rstate = rsData
	if h.Length == 0 {
		c.endDataFrame()
	}
}

// readData takes the next piece of a data frame's payload from b. It
// reports false when it must wait for a buffer.
func (c *Conn) readData(b []byte) bool {
	k := len(b)
	if uint64(k) > c.fleft {
		k = int(c.fleft)
	}
	if c.state != stOpen {
		// Closing: messages are no longer delivered, only framed.
		c.consume(k)
		if c.fleft -= uint64(k); c.fleft == 0 {
			c.endDataFrame()
		}
		return true
	}
	if !c.reserve(int(c.mlen) + k) {
		return false
	}
	dst := c.mbuf[c.mlen : int(c.mlen)+k]
	copy(dst, b[:k])
	c.consume(k)
	c.fpos = uint8(MaskBytes(c.fmask, int(c.fpos), dst))
	c.mlen += uint32(k)
	c.fleft -= uint64(k)
	if c.mop == OpText && !c.utf8.Feed(dst) {
		c.fail(ErrInvalidUTF8)
		return true
	}
	if c.fleft == 0 {
		c.endDataFrame()
	}
	return true
}

// endDataFrame follows the last payload byte of a data frame; after a
// final one it delivers the message and gives its buffer back.
func (c *Conn) endDataFrame() {
	c.rstate = rsHeader
	if !c.ffin {
		return
	}
	text := c.mop == OpText
	c.mop = 0
	if text && !c.utf8.Done() && c.state == stOpen {
		c.fail(ErrInvalidUTF8)
		return
	}
	msg := c.mbuf[:c.mlen:c.mlen]
	c.mlen = 0
	c.deliver(text, msg)
	c.releaseBuf()
}

// deliver hands a whole message to the application.
func (c *Conn) deliver(text bool, msg []byte) {
	if c.state != stOpen {
		return
	}
	c.g.stats.MessagesIn++
	c.g.stats.BytesIn += uint64(len(msg))
	if f := c.g.h.OnMessage; f != nil {
		f(c, text, msg)
	}
}

// reserve makes the message buffer hold at least need bytes: a pool buffer
// while that suffices, then a larger one up to MaxMessage. It reports false
// when the pool is empty; the connection then waits for a buffer.
func (c *Conn) reserve(need int) bool {
	if need <= len(c.mbuf) {
		return true
	}
	g := c.g
	if c.mbuf == nil && need <= g.pool.Size() {
		b := g.pool.Get()
		if b == nil {
			g.waitBuffer(c)
			return false
		}
		c.mbuf, c.pooled = b, true
		g.stats.BuffersInUse++
		return true
	}
	// Enough for the rest of this frame, and at least double, so that a
	// message of many small fragments is copied O(log n) times.
	want := max(int(c.mlen)+int(c.fleft), 2*len(c.mbuf), need)
	want = min(want, max(g.cfg.MaxMessage, need))
	b := g.takeLarge(want)
	copy(b, c.mbuf[:c.mlen])
	c.releaseBuf()
	c.mbuf = b
	return true
}

// releaseBuf gives the message buffer back.
func (c *Conn) releaseBuf() {
	b := c.mbuf
	if b == nil {
		return
	}
	c.mbuf = nil
	if c.pooled {
		c.pooled = false
		c.g.putBuffer(b)
		return
	}
	c.g.keepLarge(b)
}

// readControl reads a control frame's payload once all of it has arrived
// and acts on it. It reports false when it must wait: for the rest of the
// payload, or for room in the send ring for the answer.
func (c *Conn) readControl() bool {
	need := int(c.fleft)
	if c.buffered() < need {
		return false
	}
	if reply := c.replyLen(need); reply > 0 {
		free, ok := c.room()
		if ok && free < reply {
			c.readBlocked = true
			return false
		}
	}
	c.readBlocked = false
	p := c.g.ctrl[:need]
	c.readFull(p)
	MaskBytes(c.fmask, 0, p)
	c.rstate = rsHeader
	switch c.fop {
	case OpPing:
		c.g.stats.PingsIn++
		if c.state == stOpen {
			c.writeFrame(OpPong, true, p, "")
		}
	case OpPong:
		c.g.stats.PongsIn++
	case OpClose:
		c.gotClose(p)
	}
	return true
}

// replyLen is the room the answer to the current control frame, of n
// bytes, needs in the send ring; 0 if it needs no answer.
func (c *Conn) replyLen(n int) int {
	switch {
	case c.fop == OpPing && c.state == stOpen:
		return 2 + n
	case c.fop == OpClose && c.state == stOpen:
		return 4
	case c.fop == OpClose && c.closePending:
		return c.closeFrameLen()
	}
	return 0
}

// gotClose handles the peer's close frame with payload p (RFC 6455 5.5.1,
// 7.1.5): it answers it if the peer started the closing handshake, and
// closes TCP, the server's side first (7.1.1).
func (c *Conn) gotClose(p []byte) {
	code, reason := CloseNoStatus, []byte(nil)
	switch {
	case len(p) == 1:
		c.fail(ErrBadClosePayload)
		return
	case len(p) >= 2:
		code, reason = CloseCode(binary.BigEndian.Uint16(p)), p[2:]
		if !code.Valid() {
			c.fail(ErrBadCloseCode)
			return
		}
		if !utf8.Valid(reason) {
			c.fail(ErrInvalidUTF8)
			return
		}
	}
	c.g.stats.ClosesIn++
	switch {
	case c.state == stOpen:
		// Echo the code, as 5.5.1 suggests; an empty close is answered
		// with an empty one.
		var echo [2]byte
		n := 0
		if code != CloseNoStatus {
			binary.BigEndian.PutUint16(echo[:], uint16(code))
			n = 2
		}
		c.writeFrame(OpClose, true, echo[:n], "")
	case c.closePending:
		c.flushClose()
	}
	c.end(code, reason, false)
}
