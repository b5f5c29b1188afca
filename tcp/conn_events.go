package tcp

import "github.com/seed947b3480/legation/reactor"

// event is a set of things to tell the user, gathered while a segment or
// timer is processed and delivered by fire once the connection is
// consistent again, so a callback may call back into the Conn.
type event uint8

const (
	evConnected event = 1 << iota
	evReadable
	evWritable
	evPeerClosed
	evCloseDone // both FINs exchanged: the graceful close completed
	evClosed
)

// fire delivers the gathered events: futures first, then callbacks. Last,
// pooled buffers left empty go back: after the callbacks, so that a
// buffer the pool handed over, or one an ACK emptied, serves what
// OnWritable writes instead of going back and forth.
func (c *Conn) fire() {
	if c.released {
		c.afterRelease()
	}
	if c.events != 0 {
		c.deliver()
	}
	c.settleBuffers()
}

// deliver runs the futures and callbacks for the gathered events.
func (c *Conn) deliver() {
	ev := c.events
	c.events = 0
	c.happened |= ev & (evConnected | evCloseDone | evClosed)
	if c.futs != nil {
		c.futs.complete(c, ev)
	}
	if ev&evReadable != 0 && c.onReadable != nil {
		c.onReadable()
	}
	if ev&evPeerClosed != 0 && c.onPeerClosed != nil {
		c.onPeerClosed()
	}
	if ev&evWritable != 0 && c.onWritable != nil && c.writeErr() == nil && c.txWritable() {
		c.onWritable()
	}
	if ev&evClosed != 0 && c.onClosed != nil {
		c.onClosed(c.Err())
	}
}

// connFutures are a connection's futures, made only when the user asks
// for one: most connections never do, and an idle connection stays
// smaller without them.
type connFutures struct {
	connect, close reactor.Future[struct{}]
}

// complete resolves the futures for the events in ev. A future already
// done ignores a second completion.
func (f *connFutures) complete(c *Conn, ev event) {
	if ev&evConnected != 0 {
		f.connect.Complete(struct{}{}, nil)
	}
	if ev&evCloseDone != 0 {
		f.close.Complete(struct{}{}, nil)
	}
	if ev&evClosed != 0 {
		err := c.Err()
		if err == nil {
			err = ErrClosed
		}
		f.connect.Complete(struct{}{}, err)
		f.close.Complete(struct{}{}, c.Err())
	}
}

// futures returns the connection's futures, made now and brought up to
// date with what already happened if this is the first call.
func (c *Conn) futures() *connFutures {
	if c.futs == nil {
		c.futs = new(connFutures)
		c.futs.complete(c, c.happened)
	}
	return c.futs
}

// terminate enters CLOSED with err (0 for a graceful end) and stops
// every timer. A reset to send, if queued, still goes out.
func (c *Conn) terminate(err Error) {
	if c.state == Closed {
		return
	}
	c.state = Closed
	c.err = err
	c.rtoAt, c.delAckAt, c.persistAt = reactor.Never, reactor.Never, reactor.Never
	c.twAt, c.openAt = reactor.Never, reactor.Never
	c.ackNow, c.sendSyn, c.rtxNow, c.forceNow, c.keepNow = false, false, false, false, false
	c.stopWaiting()
	c.events |= evClosed
}
