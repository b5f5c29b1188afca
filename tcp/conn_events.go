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

// fire delivers the gathered events: futures first, then callbacks.
func (c *Conn) fire() {
	ev := c.events
	if ev == 0 {
		return
	}
	c.events = 0
	if ev&evConnected != 0 {
		c.connectF.Complete(struct{}{}, nil)
	}
	if ev&evReadable != 0 && c.onReadable != nil {
		c.onReadable()
	}
	if ev&evPeerClosed != 0 && c.onPeerClosed != nil {
		c.onPeerClosed()
	}
	if ev&evWritable != 0 && c.onWritable != nil && c.writeErr() == nil && c.tx.Free() > 0 {
		c.onWritable()
	}
	if ev&evCloseDone != 0 {
		c.closeF.Complete(struct{}{}, nil)
	}
	if ev&evClosed != 0 {
		err := c.err
		if err == nil {
			err = ErrClosed
		}
		c.connectF.Complete(struct{}{}, err)
		c.closeF.Complete(struct{}{}, c.err)
		if c.onClosed != nil {
			c.onClosed(c.err)
		}
	}
}

// terminate enters CLOSED with err (nil for a graceful end) and stops
// every timer. A reset to send, if queued, still goes out.
func (c *Conn) terminate(err error) {
	if c.state == Closed {
		return
	}
	c.state = Closed
	c.err = err
	c.rtoAt, c.delAckAt, c.persistAt = reactor.Never, reactor.Never, reactor.Never
	c.twAt, c.openAt = reactor.Never, reactor.Never
	c.ackNow, c.sendSyn, c.rtxNow, c.forceNow, c.keepNow = false, false, false, false, false
	c.events |= evClosed
}
