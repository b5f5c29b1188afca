package tlsstream

import (
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/tlsx"
)

// CloseWrite sends close_notify, then the inner stream's end, and keeps
// reading until the peer's close_notify. Before the handshake completes
// it ends the attempt, as Close does.
func (c *Conn) CloseWrite() error {
	if c.closing != open {
		return nil
	}
	if !c.up || c.err != nil {
		return c.Close()
	}
	c.closing = closeWrite
	c.pump() // settle sends close_notify once the engine's output is out
	c.deliver()
	return nil
}

// Close sends close_notify (once the records before it are out), then
// closes the inner stream and stops reading. What the peer sent and was
// not read is dropped, not answered with a reset as tcp.Conn.Close would:
// the close_notify already says nothing more will be read, and a reset
// could overtake it. Bytes arriving after the inner close still reset it.
// Before the handshake completes Close ends the attempt: the ConnectFuture
// fails with tlsx.ErrClosed.
func (c *Conn) Close() error {
	if c.closing == closeFull {
		return nil
	}
	was := c.closing
	c.closing = closeFull
	if c.pool != nil {
		c.tls.DiscardInput() // its receive buffer goes back to the pool
	}
	switch {
	case c.err != nil:
		c.shutInner()
	case !c.up:
		c.stopTimer()
		c.connect.Complete(struct{}{}, tlsx.ErrClosed)
		c.shutInner()
	case was == closeWrite && c.innerShut:
		// The close_notify and the half-close went out already; now
		// stop reading too.
		c.drainInner()
		c.inner.Close()
	}
	c.pump()
	c.deliver()
	return nil
}

// Abort resets the inner stream at once; nothing more is sent, not even
// an alert.
func (c *Conn) Abort() {
	if c.closedFired && c.err == nil {
		return
	}
	c.stopTimer()
	if c.err == nil {
		c.err = tcp.ErrAborted
	}
	c.connect.Complete(struct{}{}, c.err)
	c.closing = closeFull
	c.innerShut = true
	if c.pool != nil {
		c.tls.Release() // both buffers back to the pool, the waits dropped
	}
	if !c.innerReleased {
		c.inner.Abort()
	}
	c.events |= evReadable | evClosed
	c.deliver()
}

// Release hands the stream back for good: it is closed as Close does if
// its owner did not, the close_notify is sent in the background and the
// inner stream is released once it is out. The owner must not touch the
// Conn afterwards.
func (c *Conn) Release() {
	if c.released {
		return
	}
	c.released = true
	c.onReadable, c.onWritable, c.onPeerClosed, c.onClosed = nil, nil, nil, nil
	if c.wleased {
		c.wleased = false
		c.tls.CommitWrite(0)
	}
	if c.closing != closeFull {
		c.Close()
	}
	if c.innerShut {
		c.releaseInner()
	}
}
