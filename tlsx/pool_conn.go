package tlsx

import "unsafe"

// A Conn with Config.Buffers borrows its record buffers from the pool
// only while they hold something (pool.go):
//
//   - Receive: Input borrows a buffer when bytes arrive and none is held;
//     it goes back once every record in it is processed and its
//     plaintext consumed (Input, Consume), or when the connection fails.
//     With none to borrow, Input takes nothing and answers ErrWouldBlock.
//   - Send: Write and WriteLease borrow one; it goes back once Output has
//     taken every record in it and no WriteLease is out. With none to
//     borrow, they answer ErrWouldBlock. Alerts, close_notify and KeyUpdate
//     answers go into ctl when no buffer is held, so they never wait.
//   - The handshake's output is built on the heap, in a buffer grown to
//     the flight's size, and dropped once sent (settlePooledOut).
//
// A refused Conn waits in the pool; the buffer it is handed is its own
// until BufferPool.Resume has told it (OnBufferReady) and found it unused.

// OnBufferReady sets f, run by BufferPool.Resume once the Conn, refused a
// buffer by Input, Write or WriteLease, has been handed one: call Input or
// Write again. It is how a transport adapter resumes exactly the
// connections that waited.
func (c *Conn) OnBufferReady(f func()) { c.onBuffer = f }

// Pool is the Conn's Config.Buffers, nil if it owns its buffers.
func (c *Conn) Pool() *BufferPool { return c.pool }

// MaxWrite is the most plaintext one record carries now: what a Write of
// one record or a WriteLease can take at best.
func (c *Conn) MaxWrite() int { return c.maxSend }

// borrowIn gets a receive buffer from the pool, or queues the Conn for one.
func (c *Conn) borrowIn() bool {
	if c.pool == nil {
		return c.in != nil
	}
	b := c.pool.get()
	if b == nil {
		c.pool.wait(c, poolWaitIn)
		return false
	}
	c.adoptIn(b)
	return true
}

// adoptIn makes the pool buffer b the (empty) receive buffer.
func (c *Conn) adoptIn(b []byte) {
	c.in, c.inPooled = b, true
	c.inStart, c.inEnd, c.plainOff, c.plainEnd = 0, 0, 0, 0
}

// returnIn gives the receive buffer back if it holds nothing.
func (c *Conn) returnIn() {
	if !c.inPooled || c.inStart != c.inEnd || c.plainEnd != c.plainOff {
		return
	}
	b := c.in
	c.in, c.inPooled = nil, false
	c.inStart, c.inEnd, c.plainOff, c.plainEnd = 0, 0, 0, 0
	c.pool.put(b)
}

// borrowOut makes sure application data has a pool buffer to go into
// once the handshake's output is gone, and reports whether it has. Without
// a pool, or while the handshake's buffer is in use, it does nothing.
func (c *Conn) borrowOut() bool {
	if c.pool == nil || c.outPooled || !c.outSteady {
		return true
	}
	if c.leased {
		return false
	}
	b := c.pool.get()
	if b == nil {
		c.pool.wait(c, poolWaitOut)
		return false
	}
	c.adoptOut(b)
	return true
}

// adoptOut moves what ctl holds into the pool buffer b.
func (c *Conn) adoptOut(b []byte) {
	n := copy(b, c.out[c.outStart:c.outEnd])
	c.out, c.outStart, c.outEnd, c.outPooled = b, 0, n, true
}

// returnOut gives the send buffer back if it holds nothing; ctl takes its
// place.
func (c *Conn) returnOut() {
	if !c.outPooled || c.outStart != c.outEnd || c.leased {
		return
	}
	b := c.out
	c.out, c.outStart, c.outEnd, c.outPooled = c.ctl[:], 0, 0, false
	c.pool.put(b)
}

// settlePooledOut drops the handshake's heap send buffer once what it
// holds fits ctl (usually: once it is empty).
func (c *Conn) settlePooledOut() {
	pending := c.outEnd - c.outStart
	if c.leased || pending > len(c.ctl) {
		return
	}
	if !c.outIsCtl() {
		copy(c.ctl[:], c.out[c.outStart:c.outEnd])
		c.out, c.outStart, c.outEnd = c.ctl[:], 0, pending
	}
	c.outSteady = true
}

func (c *Conn) outIsCtl() bool { return unsafe.SliceData(c.out) == &c.ctl[0] }

// takeBuffer is the pool handing b to the Conn that waited for a buffer
// of direction dir; false if it needs one no longer.
func (c *Conn) takeBuffer(dir uint8, b []byte) bool {
	if c.err != nil {
		return false
	}
	if dir == poolWaitIn {
		if c.in != nil || c.noInput {
			return false
		}
		c.adoptIn(b)
		return true
	}
	if c.outPooled || !c.outSteady || c.leased || c.sentClose {
		return false
	}
	c.adoptOut(b)
	return true
}

// DiscardInput drops the decrypted bytes and records the Conn holds and
// not yet read, gives back its receive buffer, and makes Input take
// nothing more: for an owner that will read no more (a close).
func (c *Conn) DiscardInput() {
	c.noInput = true
	c.inStart, c.inEnd, c.plainOff, c.plainEnd, c.rawLeft = 0, 0, 0, 0, 0
	c.returnIn() // a wait for a receive buffer is refused when one comes
}

// Release gives back every buffer borrowed from Config.Buffers, dropping
// what they hold (records not sent included), and takes the Conn off the
// pool's lists: for an owner done with the Conn (an abort). Afterwards
// every call answers the Conn's error, ErrClosed if it had none.
func (c *Conn) Release() {
	if c.err == nil {
		c.err = ErrClosed
	}
	c.noInput = true
	c.inStart, c.inEnd, c.plainOff, c.plainEnd, c.rawLeft = 0, 0, 0, 0, 0
	c.leased = false
	c.outStart, c.outEnd = 0, 0
	if c.pool == nil {
		return
	}
	c.pool.leave(c)
	c.returnIn()
	c.returnOut()
	if !c.outPooled && !c.outIsCtl() {
		c.out = c.ctl[:] // the handshake's heap buffer
	}
}
