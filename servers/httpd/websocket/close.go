package websocket

// How connections end. Three ways lead to end: the closing handshake
// completes (gotClose), a protocol error fails the connection (fail, then
// end once the peer closes TCP or CloseTimeout passes), or TCP goes away
// on its own (the peer's FIN or reset, a TCP timeout, our own timeouts).

// errorReason is each protocol error's close reason, as bytes for
// OnClose, made once.
var errorReason [len(errorText)][]byte

func init() {
	for i, s := range errorText {
		if len(s) > len("websocket: ") {
			errorReason[i] = []byte(s[len("websocket: "):])
		}
	}
}

// fail fails the connection for a protocol error (RFC 6455 7.1.7): it sends
// a close frame with the error's code unless one went out already, closes
// TCP's sending side behind it, discards all further input, reports the
// close to the application now, and waits for the peer to close TCP, at
// most CloseTimeout. The peer thus reads the close frame before it sees the
// end of the stream, rather than losing it to a reset.
func (c *Conn) fail(err Error) {
	if c.state == stFailing || c.state == stClosed {
		return
	}
	g := c.g
	g.stats.ProtocolErrors++
	code := err.CloseCode()
	reason := errorReason[err]
	c.releaseBuf()
	c.mop, c.mlen, c.hdrN, c.fleft, c.rstate = 0, 0, 0, 0, rsHeader
	c.readBlocked = false
	wasClosing := c.state == stClosing
	c.state = stFailing
	if !c.closeSent {
		c.closeCode, c.closeReason, c.closePending = code, errorText[err][len("websocket: "):], true
	}
	if !wasClosing {
		g.setTimer(c, tlClose, g.clockNow().Add(g.cfg.CloseTimeout))
	}
	g.unlink(c)
	if c.closePending {
		c.flushClose()
	} else {
		c.sc.CloseWrite()
	}
	if f := g.h.OnClose; f != nil {
		f(c, code, reason)
	}
}

// end finishes the connection: it leaves the Group's lists, gives its
// buffers back, releases the stream (reset first if abort, else after
// discarding unread input, so that the close is graceful) and runs
// OnClose unless fail ran it already.
func (c *Conn) end(code CloseCode, reason []byte, abort bool) {
	if c.state == stClosed {
		return
	}
	g := c.g
	reported := c.state == stFailing
	c.state = stClosed
	g.unlink(c)
	g.clearTimer(c)
	// waiting stays set while c is on the queue for a buffer: Poll
	// takes it off (and recycles it) without giving it one.
	c.readBlocked, c.closePending = false, false
	c.releaseBuf()
	c.lo = nil
	sc := c.sc
	if abort {
		sc.Abort()
	} else {
		// Unread input would turn the close into a reset (RFC 2525
		// 2.17); after a close frame it is meaningless anyway.
		for {
			b, _ := sc.ReadLease()
			if len(b) == 0 {
				break
			}
			sc.Consume(len(b))
		}
	}
	sc.Release()
	g.stats.Closed++
	if !reported {
		if f := g.h.OnClose; f != nil {
			f(c, code, reason)
		}
	}
	g.recycle(c)
}

// onWritable runs when the send ring gained room: a pending close frame
// goes first, then the answer a control frame waits for (and the reading
// behind it), then the application.
func (c *Conn) onWritable() {
	if c.state == stClosed {
		return
	}
	c.flushClose()
	if c.readBlocked {
		c.readBlocked = false
		c.readLoop()
	}
	if c.wantWrite && c.state == stOpen {
		c.wantWrite = false
		if f := c.g.h.OnWritable; f != nil {
			f(c)
		}
	}
}

// onPeerClosed runs when the peer's FIN arrives.
func (c *Conn) onPeerClosed() {
	c.eof = true
	c.readLoop()
}

// onTCPClosed runs when TCP reaches CLOSED while the Conn still holds it:
// a reset or a TCP timeout, never a close frame.
func (c *Conn) onTCPClosed(error) {
	c.end(CloseAbnormal, nil, false)
}

// closeTimedOut drops a connection whose peer did not finish the closing
// handshake (or, after a protocol error, did not close TCP) in time.
func (c *Conn) closeTimedOut() {
	c.g.stats.CloseTimeouts++
	c.end(CloseAbnormal, nil, true)
}

// pongTimedOut drops a connection that received nothing since its ping.
func (c *Conn) pongTimedOut() {
	c.g.stats.PongTimeouts++
	c.end(CloseAbnormal, nil, true)
}
