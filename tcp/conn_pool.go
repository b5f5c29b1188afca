package tcp

// A Conn with a Config.Pool holds a buffer only while it holds data: an
// idle keep-alive connection costs its record and nothing more. The rules:
//
//   - Receive: in-window data that finds no receive buffer borrows one,
//     with the table of out-of-order ranges (Assembler) that goes with it;
//     if the pool has none the data (and a FIN after it) is dropped
//     unacknowledged and counted in Stats.PoolMisses, while the rest of
//     the segment (its ACK and window) is processed as usual. The buffer
//     goes back once the user has read everything and no out-of-order
//     data is parked in it, or once nobody will read it (Close).
//   - The window offered while no receive buffer is held is the free
//     space of a pool buffer, Size bytes, and the window scale offered in
//     the SYN is chosen from Size: borrowing and giving back never moves
//     the advertised right edge to the left (RFC 9293 3.8.6.2.2).
//   - Send: Write and WriteLease borrow a send buffer; if the pool has
//     none they refuse with ErrWouldBlock and the connection waits in the
//     pool, which hands it the next buffer given back and wakes it through
//     its Notifier; OnWritable then runs from the connection's next call,
//     never from inside Put. The buffer goes back once the peer has
//     acknowledged every byte in it, unless a WriteLease is outstanding.
//   - Closing: at CLOSED (and in TIME-WAIT, everything being
//     acknowledged) the send buffer goes back; the receive buffer too
//     unless it holds data the user may still read, which stays until it
//     is read or the user calls Close, Abort or Release. Abort discards
//     unread data and gives both back; Release gives both back once what
//     was sent is acknowledged, where it drops the owner's buffers.

// poolState records a pooled connection's dealings with its pool.
type poolState uint8

const (
	txWaiting poolState = 1 << iota // queued in the pool for a send buffer
	txLeased                        // WriteLease handed out the send ring's free space
)

// rxCap is the receive buffer's size: the held one's, or for a pooled
// Conn holding none, a pool buffer's.
func (c *Conn) rxCap() int {
	if c.rx.Cap() == 0 && c.cfg.PoolRx {
		return c.pool.Size()
	}
	return c.rx.Cap()
}

// rxFree is the receive space the window may offer: the held buffer's
// free space, or for a pooled Conn holding none, a whole pool buffer.
func (c *Conn) rxFree() int {
	if c.rx.Cap() == 0 && c.cfg.PoolRx {
		return c.pool.Size()
	}
	return c.rx.Free()
}

// txWritable reports whether a Write may take something: the send ring
// has room, or none is held and the pool may lend one.
func (c *Conn) txWritable() bool {
	return c.tx.Free() > 0 || (c.tx.Cap() == 0 && c.cfg.PoolTx && c.pooling&txWaiting == 0)
}

// needRx reports whether data that arrived needs a receive buffer first.
func (c *Conn) needRx() bool { return c.rx.Cap() == 0 && c.cfg.PoolRx }

// needTx reports whether a write needs a send buffer first.
func (c *Conn) needTx() bool { return c.tx.Cap() == 0 && c.cfg.PoolTx }

// borrowRx takes a receive buffer for data that arrived, and the
// reassembly table that goes with it; false if the pool has none.
func (c *Conn) borrowRx() bool {
	b := c.pool.Get()
	if b == nil {
		return false
	}
	c.rx = NewRing(b)
	c.asm = Assembler{spans: c.pool.getSpans(int(c.cfg.OutOfOrderRanges))}
	return true
}

// borrowTx takes a send buffer for a write. If the pool has none the
// connection queues for the next one given back, once.
func (c *Conn) borrowTx() bool {
	if c.pooling&txWaiting != 0 {
		return false // already queued: the buffer will be handed over
	}
	if b := c.pool.Get(); b != nil {
		c.tx = NewRing(b)
		return true
	}
	c.pooling |= txWaiting
	c.pool.wait(c)
	return false
}

// takeTx is the pool handing over the buffer c waited for. It runs inside
// Put, perhaps inside another connection's call, so it only records the
// event and asks the stack to poll c: OnWritable runs from c's own fire.
func (c *Conn) takeTx(b []byte) {
	c.pooling &^= txWaiting
	c.tx = NewRing(b)
	c.events |= evWritable
	c.notify()
}

// stopWaiting leaves the pool's queue.
func (c *Conn) stopWaiting() {
	if c.pooling&txWaiting != 0 {
		c.pooling &^= txWaiting
		c.pool.unwait(c)
	}
}

// settleBuffers gives back the pooled buffers that hold nothing needed,
// and leaves the pool's queue once nothing more can be written. It runs at
// the end of every call that can empty a ring or end the connection.
func (c *Conn) settleBuffers() {
	if c.pool == nil {
		return
	}
	if c.writeErr() != nil {
		c.stopWaiting()
	}
	c.settleTx()
	if c.cfg.PoolRx && c.rx.Cap() > 0 &&
		(c.rdClosed || (c.rx.Len() == 0 && (c.asm.Empty() || c.state == Closed))) {
		c.giveRx()
	}
}

// settleTx gives back a pooled send buffer that holds nothing needed:
// everything in it is acknowledged, or the connection is closed, and no
// WriteLease is outstanding.
func (c *Conn) settleTx() {
	if c.cfg.PoolTx && c.tx.Cap() > 0 && c.pooling&txLeased == 0 && (c.tx.Len() == 0 || c.state == Closed) {
		c.giveTx()
	}
}

// giveTx gives the send buffer back to the pool, discarding what it
// holds; an explicit one is dropped, as Release does.
func (c *Conn) giveTx() {
	b := c.tx.buf
	c.tx = Ring{}
	c.pooling &^= txLeased
	if c.cfg.PoolTx {
		c.pool.Put(b)
	}
}

// giveRx gives the receive buffer back to the pool, forgetting any
// out-of-order data parked in it; an explicit one is dropped.
func (c *Conn) giveRx() {
	b := c.rx.buf
	c.rx = Ring{}
	if c.cfg.PoolRx && b != nil {
		c.pool.putSpans(c.asm.spans)
		c.asm = Assembler{}
		c.pool.Put(b)
	}
}
