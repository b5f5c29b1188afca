package tcp

import (
	"io"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// The user's side of a Conn. These calls run on the reactor goroutine,
// between the stack's calls; after one that queues data or frees room,
// the stack's next PollAt says whether Output has something to send.

// Read copies received data into p. At the end of the peer's data it
// returns io.EOF; with nothing to read yet, ErrWouldBlock (wait for the
// readable callback). Data that arrived before a reset is still returned
// before the reset's error.
func (c *Conn) Read(p []byte) (int, error) {
	if c.rdClosed {
		return 0, ErrClosed
	}
	if n := c.rx.Read(p); n > 0 || len(p) == 0 {
		c.settleBuffers() // all read: a pooled receive buffer goes back
		c.notify()        // the window may have opened: a window update may be due
		return n, nil
	}
	return 0, c.readErr()
}

// readErr is why nothing can be read now.
func (c *Conn) readErr() error {
	switch {
	case c.finRecvd:
		return io.EOF
	case c.err != 0:
		return c.err
	case c.state == Closed:
		return ErrClosed
	}
	return ErrWouldBlock
}

// ReadLease returns received data in place, without copying: the longest
// contiguous run at the front of the receive ring (call again after
// Consume for the rest). It is empty, with the error Read would return,
// when there is nothing to read. The ring never moves the bytes it holds,
// and a borrowed receive buffer goes back to its pool only once empty, so
// the slice stays valid until the bytes are consumed (Consume, Read) or
// the connection drops them (Abort, Close, Release); writes and arriving
// segments leave it alone.
func (c *Conn) ReadLease() ([]byte, error) {
	if c.rdClosed {
		return nil, ErrClosed
	}
	if b := c.rx.ReadLease(); len(b) > 0 {
		return b, nil
	}
	return nil, c.readErr()
}

// Consume discards the first n bytes of received data, those read through
// ReadLease. n is clamped to what is there.
func (c *Conn) Consume(n int) {
	c.rx.Consume(min(max(n, 0), c.rx.Len()))
	c.settleBuffers()
	c.notify()
}

// Buffered returns the bytes ready to be read.
func (c *Conn) Buffered() int { return c.rx.Len() }

// Write queues as much of p as the send ring takes and returns how much;
// ErrWouldBlock if it took nothing (wait for the writable callback).
// Data written during the handshake is sent once it completes. With a
// Config.Pool, a Conn holding no send buffer borrows one; if the pool has
// none it is ErrWouldBlock too, and OnWritable runs once a buffer has
// been set aside for this connection.
func (c *Conn) Write(p []byte) (int, error) {
	if err := c.writeErr(); err != nil {
		return 0, err
	}
	c.pooling &^= txLeased // a Write ends a lease (its space is written over)
	if len(p) > 0 && c.needTx() && !c.borrowTx() {
		return 0, ErrWouldBlock
	}
	n := c.tx.Write(p)
	if n == 0 && len(p) > 0 {
		return 0, ErrWouldBlock
	}
	c.syncPersist(c.now)
	c.notify()
	return n, nil
}

// writeErr is why nothing can be written, or nil.
func (c *Conn) writeErr() error {
	if c.finQueued {
		return ErrClosed
	}
	switch c.state {
	case SynSent, SynReceived, Established, CloseWait:
		return nil
	}
	if c.err != 0 {
		return c.err
	}
	return ErrClosed
}

// WriteLease returns the free space of the send ring in place, as at most
// two slices to fill in order; CommitWrite queues what was filled. Both
// are empty, with the error Write would return, when nothing can be
// written. With a Config.Pool it borrows a send buffer as Write does, and
// the connection keeps it, even empty, until CommitWrite (of 0 bytes if
// nothing was filled) or Release ends the lease.
func (c *Conn) WriteLease() (first, second []byte, err error) {
	if err := c.writeErr(); err != nil {
		return nil, nil, err
	}
	if c.needTx() && !c.borrowTx() {
		return nil, nil, ErrWouldBlock
	}
	first, second = c.tx.WriteLease()
	if len(first) == 0 {
		return nil, nil, ErrWouldBlock
	}
	if c.cfg.PoolTx {
		c.pooling |= txLeased
	}
	return first, second, nil
}

// CommitWrite queues n bytes filled in through WriteLease; n is clamped to
// the free space. It does nothing once the sending side is closed.
func (c *Conn) CommitWrite(n int) {
	c.pooling &^= txLeased
	if c.writeErr() != nil {
		c.settleBuffers()
		return
	}
	c.tx.CommitWrite(min(max(n, 0), c.tx.Free()))
	c.settleBuffers() // nothing committed: a pooled send buffer goes back
	c.syncPersist(c.now)
	c.notify()
}

// SendQueued returns the bytes written and not yet acknowledged.
func (c *Conn) SendQueued() int { return c.tx.Len() }

// CloseWrite closes the sending side (RFC 9293 3.10.4): a FIN follows the
// queued data, and the connection still receives until the peer's FIN.
// During SYN-SENT it ends the attempt. Calling it again does nothing.
func (c *Conn) CloseWrite() error {
	switch c.state {
	case SynSent:
		c.terminate(0)
		c.fire()
		return nil
	case SynReceived:
		// The FIN waits for the handshake to complete (RFC 9293 3.10.4);
		// establish then goes to FIN-WAIT-1.
	case Established:
		c.state = FinWait1
	case CloseWait:
		c.state = LastAck
	case Closed:
		if !c.opened || c.err != 0 {
			return ErrClosed
		}
		return nil
	default:
		return nil
	}
	c.finQueued = true
	c.settleBuffers() // nothing more to write: leave the pool's queue
	c.syncPersist(c.now)
	c.notify()
	return nil
}

// Close closes the sending side as CloseWrite does and stops reading: if
// received data is left unread, or more arrives later, the connection is
// reset instead, so the peer does not take its data as delivered (RFC 2525
// 2.17; Linux does the same). The close itself continues in the
// background (FIN, retransmissions, TIME-WAIT): watch CloseFuture or
// OnClosed.
func (c *Conn) Close() error {
	defer c.settleBuffers() // nothing more will be read: a pooled receive buffer goes back
	if c.state != Closed && c.rx.Len() > 0 {
		c.rdClosed = true
		c.Abort()
		return nil
	}
	c.rdClosed = true
	return c.CloseWrite()
}

// Abort resets the connection (RFC 9293 3.10.5): a reset goes to the peer
// in any state that has one, queued data is discarded, and the connection
// is closed with ErrAborted. With a Config.Pool, both buffers go back to
// the pool, received data not yet read with them (unless a WriteLease is
// outstanding, which keeps the send buffer until CommitWrite or Release).
func (c *Conn) Abort() {
	if c.cfg.PoolRx {
		c.giveRx()
	}
	switch c.state {
	case Closed:
		return
	case SynReceived, Established, FinWait1, FinWait2, CloseWait:
		c.sendReset(Repr{Seq: c.sndMax, Ack: c.rcvNxt, Flags: wire.TCPRst | wire.TCPAck})
	}
	c.terminate(ErrAborted)
	c.fire()
	c.notify()
}

// OnReadable sets the callback run when data (or the end of it) arrives.
func (c *Conn) OnReadable(f func()) { c.onReadable = f }

// OnWritable sets the callback run when the send ring gains room or the
// connection becomes established.
func (c *Conn) OnWritable(f func()) { c.onWritable = f }

// OnPeerClosed sets the callback run when the peer's FIN arrives: it will
// send nothing more.
func (c *Conn) OnPeerClosed(f func()) { c.onPeerClosed = f }

// OnClosed sets the callback run once the connection reaches CLOSED, with
// nil after a graceful close, else the reason.
func (c *Conn) OnClosed(f func(error)) { c.onClosed = f }

// ConnectFuture completes when the handshake does, or with the error that
// ended the attempt.
func (c *Conn) ConnectFuture() *reactor.Future[struct{}] { return &c.futures().connect }

// CloseFuture completes when the graceful close does (both FINs sent and
// acknowledged; TIME-WAIT may follow), or with the error that ended the
// connection instead.
func (c *Conn) CloseFuture() *reactor.Future[struct{}] { return &c.futures().close }
