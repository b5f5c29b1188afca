package mqtt

import (
	"github.com/seed947b3480/legation/clients/mqtt/packet"
	"github.com/seed947b3480/legation/reactor"
)

// shutdown stops the client for good: the messages and subscriptions
// pending fail with ErrClosed, a ConnectFuture still pending with err.
func (c *Client) shutdown(err error) {
	if c.conn != nil {
		c.conn.Abort()
		c.conn.Release()
		c.conn = nil
	}
	c.state = stClosed
	c.w.reset()
	c.failQueue(ErrClosed)
	ops := c.ops
	c.ops = nil
	for _, o := range ops {
		o.fail(ErrClosed)
	}
	c.connectFut.Complete(struct{}{}, err)
	if c.h != nil {
		c.h.Cancel()
	}
}

// Disconnect ends the session's connection the proper way: a DISCONNECT
// (so the broker discards the will), then the close. The client does not
// reconnect; queued messages not yet acknowledged fail with ErrClosed.
// The future completes once the broker has the DISCONNECT (acknowledged,
// or the stream closed), or after ConnectTimeout.
func (c *Client) Disconnect() *reactor.Future[struct{}] {
	if c.discFut != nil {
		return c.discFut
	}
	c.discFut = reactor.NewFuture[struct{}]()
	c.now = c.clockNow()
	switch c.state {
	case stConnected:
		c.state = stClosing
		c.deadline = c.now.Add(c.cfg.ConnectTimeout)
		c.discDue, c.discCode = true, packet.NormalDisconnection
		c.failQueue(ErrClosed)
		c.flush()
		c.wake()
	default:
		c.shutdown(ErrClosed)
		c.discFut.Complete(struct{}{}, nil)
	}
	return c.discFut
}

// pollClosing closes the stream once the DISCONNECT is written, and
// finishes once it is acknowledged or the stream has closed.
func (c *Client) pollClosing() {
	if c.conn == nil {
		c.finishClose()
		return
	}
	if c.discDue || !c.w.done() || c.ctrlLen > 0 {
		if !c.now.Before(c.deadline) {
			c.finishClose()
		}
		return
	}
	if !c.closeSent {
		c.closeSent = true
		c.conn.Consume(c.conn.Buffered())
		c.conn.Close()
	}
	if c.conn.SendQueued() == 0 || c.conn.Err() != nil || !c.now.Before(c.deadline) {
		c.finishClose()
	}
}

func (c *Client) finishClose() {
	if c.conn != nil {
		c.conn.Release()
		c.conn = nil
	}
	c.shutdown(ErrClosed)
	c.discFut.Complete(struct{}{}, nil)
}
