package tlsstream

import (
	"io"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/tlsx"
)

// pump moves bytes between the inner stream and the engine until neither
// side can move: records to send into the inner send ring, received bytes
// into the engine, and what that changed (the handshake done, an error,
// data to read, a close to pass on). A call from inside a pump (an inner
// callback run by an inner call) only asks for another round.
func (c *Conn) pump() {
	if c.pumping {
		c.again = true
		return
	}
	c.pumping = true
	for {
		c.again = false
		c.flush()
		c.feed()
		c.flush()
		c.settle()
		if !c.again {
			break
		}
	}
	c.pumping = false
}

// flush writes the engine's pending records into the inner stream as far
// as it has room; the rest waits for the inner OnWritable. Not while a
// WriteLease is outstanding: the engine's output must not move under it.
func (c *Conn) flush() {
	if c.wleased {
		return
	}
	if c.innerShut || c.innerDone {
		// Nothing more can go out (only a fatal alert or a reply to the
		// peer's KeyUpdate can come after the close); drop it.
		c.tls.ConsumeOutput(c.tls.Pending())
		return
	}
	for c.tls.Pending() > 0 {
		out := c.tls.OutputLease()
		n, err := c.inner.Write(out)
		if n > 0 {
			c.tls.ConsumeOutput(n)
			c.progress |= progOut
		}
		if err != nil {
			if err != tcp.ErrWouldBlock {
				c.innerFailed(err)
			}
			return
		}
		if n < len(out) {
			return
		}
	}
}

// feed offers what the inner stream lends to the engine, while the engine
// holds no decrypted bytes: feeding then could move them under the
// caller's ReadLease, and the inner receive ring is where a slow reader's
// backlog belongs (its window tells the peer to wait).
func (c *Conn) feed() {
	for !c.innerEOF && c.err == nil && c.closing != closeFull && !c.innerDone &&
		c.tls.Buffered() == 0 && c.tls.Err() == nil {
		b, err := c.inner.ReadLease()
		if len(b) > 0 {
			n, _ := c.tls.Input(b)
			if n > 0 {
				c.inner.Consume(n)
				c.progress |= progIn
			}
			if c.tls.Pending() > 0 {
				c.flush()
			}
			if n < len(b) {
				return
			}
			continue
		}
		switch {
		case err == io.EOF:
			c.innerEOF = true
			c.progress |= progIn
			c.tls.InputEOF()
		case err == nil || err == tcp.ErrWouldBlock:
		default:
			c.innerFailed(err)
		}
		return
	}
}

// settle acts on what the last moves changed.
func (c *Conn) settle() {
	if e := c.tls.Err(); e != nil && c.err == nil {
		c.fatal(e)
		return
	}
	if c.err != nil {
		return
	}
	if !c.up && c.tls.HandshakeComplete() {
		c.up = true
		c.stopTimer()
		c.connect.Complete(struct{}{}, nil)
		c.events |= evWritable
	}
	if c.up {
		if c.progress&progIn != 0 && c.tls.Buffered() > 0 {
			c.events |= evReadable
		}
		if !c.peerEOF && c.tls.Buffered() == 0 {
			if _, err := c.tls.ReadLease(); err == io.EOF {
				c.peerEOF = true
				c.events |= evReadable | evPeerClosed
			}
		}
		if c.progress&progOut != 0 && c.closing == open {
			c.events |= evWritable
		}
		if c.wantWrite && c.closing == open && c.sendRoom() > 0 {
			c.wantWrite = false
			c.events |= evWritable
		}
	}
	c.progress = 0
	if c.closing != open && c.up && !c.wleased {
		// close_notify waits for the engine's output to drain: a full
		// output buffer would have no room for it, and the engine would
		// drop it.
		if !c.notified && c.tls.Pending() == 0 {
			c.notified = true
			c.tls.Close()
			c.flush()
		}
		if c.notified && !c.innerShut && c.tls.Pending() == 0 {
			c.shutInner()
		}
	}
}

// fatal ends the session on the engine's error: its alert goes out, the
// inner stream is closed and released, and the callbacks learn of it.
func (c *Conn) fatal(e error) {
	c.err = e
	c.stopTimer()
	c.connect.Complete(struct{}{}, e)
	c.wleased = false
	c.flush()
	c.drainInner()
	c.closing = closeFull
	c.innerShut = true
	c.releaseInner()
	c.events |= evReadable | evClosed
}

// drainInner reads away what the inner stream holds once this side has
// closed: after a close_notify (or an alert) nothing more is read, and a
// tcp.Conn closed with unread bytes would reset, which could overtake the
// records still queued behind it.
func (c *Conn) drainInner() {
	for !c.innerDone && !c.innerReleased {
		b, _ := c.inner.ReadLease()
		if len(b) == 0 {
			return
		}
		c.inner.Consume(len(b))
	}
}

// innerFailed records an error of the inner stream (a reset, a refused
// connect); its OnClosed follows.
func (c *Conn) innerFailed(err error) {
	if c.err == nil {
		c.err = err
	}
	c.stopTimer()
	c.connect.Complete(struct{}{}, c.err)
	c.events |= evReadable
}

// shutInner passes the close on once the engine's last record is out.
func (c *Conn) shutInner() {
	if c.innerShut {
		if c.released {
			c.releaseInner()
		}
		return
	}
	c.innerShut = true
	switch {
	case c.closing == closeWrite && !c.released:
		if err := c.inner.CloseWrite(); err != nil && c.err == nil {
			c.innerFailed(err)
		}
	case c.released:
		c.drainInner()
		c.releaseInner()
	default:
		c.drainInner()
		c.inner.Close()
	}
}

func (c *Conn) releaseInner() {
	if c.innerReleased {
		return
	}
	c.innerReleased = true
	c.inner.Release()
	if c.released || c.err != nil {
		// Released: the inner stream says no more; this Conn is done.
		c.innerDone = true
	}
}

func (c *Conn) stopTimer() {
	if c.timer != nil {
		c.timer.Cancel()
		c.timer = nil
	}
}

// deliver runs the callbacks for the gathered events, unless a pump or a
// delivery is under way further up the stack (that one delivers them).
func (c *Conn) deliver() {
	if c.pumping || c.delivering || c.building {
		return
	}
	c.delivering = true
	for c.events != 0 {
		ev := c.events
		c.events = 0
		if ev&evReadable != 0 && c.onReadable != nil {
			c.onReadable()
		}
		if ev&evPeerClosed != 0 && c.onPeerClosed != nil {
			c.onPeerClosed()
		}
		if ev&evWritable != 0 && c.onWritable != nil && c.err == nil && c.closing == open {
			c.onWritable()
		}
		if ev&evClosed != 0 && !c.closedFired {
			c.closedFired = true
			if c.onClosed != nil {
				c.onClosed(c.err)
			}
		}
	}
	c.delivering = false
}

// innerEvent is the inner stream's OnReadable, OnWritable and
// OnPeerClosed: any of them may let bytes move.
func (c *Conn) innerEvent() {
	c.pump()
	c.deliver()
	c.resumePool()
}

func (c *Conn) innerConnected(_ struct{}, err error) {
	if err != nil {
		c.innerFailed(err)
	} else {
		c.pump()
	}
	c.deliver()
}

func (c *Conn) innerClosed(err error) {
	if err != nil {
		c.innerFailed(err)
	}
	c.pump() // what the inner stream still lends
	c.innerDone = true
	if !c.up && c.err == nil && c.closing == open {
		// The peer ended the stream in the middle of the handshake.
		c.err = tlsx.ErrTruncated
	}
	c.stopTimer()
	c.connect.Complete(struct{}{}, c.err)
	c.events |= evReadable | evClosed
	c.deliver()
	c.resumePool()
}

// hsTimer is the Conn as the reactor task that runs its handshake
// deadline; a conversion, so spawning it allocates only the Handle.
type hsTimer Conn

func (t *hsTimer) Poll(now reactor.Instant) reactor.Instant {
	c := (*Conn)(t)
	if c.timer == nil {
		return reactor.Never
	}
	if now < c.deadline {
		return c.deadline
	}
	c.tls.Tick(now.Time())
	c.pump()
	c.deliver()
	if c.timer != nil {
		return c.deadline
	}
	return reactor.Never
}
