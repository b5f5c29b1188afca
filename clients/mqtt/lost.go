package mqtt

import (
	"time"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

// lost ends the connection (or the attempt) with err and schedules the
// next attempt, or gives up.
func (c *Client) lost(err error) {
	was := c.state
	if was == stClosed || was == stIdle || was == stNew {
		return
	}
	if was == stClosing {
		c.dropConn(err)
		c.finishClose()
		return
	}
	if isViolation(err) {
		c.stats.Malformed++
	}
	c.lookup = nil
	c.dropConn(err)
	c.state = stIdle // before any callback: Publish must see the client down
	c.deadline = c.now.Add(c.backoff())
	c.attempt++
	c.resetConnection() // OnDelivered for the QoS 0 messages dropped
	if c.state != stIdle {
		return // a callback called Disconnect
	}
	fatal := c.cfg.NoReconnect
	if was == stConnected {
		c.stats.ConnectionsLost++
		if f := c.cfg.OnConnectionLost; f != nil {
			f(err)
		}
	} else {
		c.stats.ConnectFailures++
		if re := asReasonError(err); re != nil && re.Kind == ErrRefused && fatalRefusal(re.Code) {
			fatal = true
		}
		if f := c.cfg.OnConnectFailed; f != nil {
			f(err)
		}
	}
	if fatal && c.state == stIdle {
		c.shutdown(err)
	}
}

// buffersShared reports whether every connection gets the same fixed
// buffers (Config.TCP with RxBuffer or TxBuffer, default dialer): an old
// connection must then be aborted, not closed in the background, before
// the next one takes them.
func (c *Client) buffersShared() bool {
	return c.cfg.Dialer == nil && (c.cfg.TCP.RxBuffer != nil || c.cfg.TCP.TxBuffer != nil)
}

// backoff is the delay before the next attempt: ReconnectMin doubled per
// consecutive failure, at most ReconnectMax, less a random part of up to
// half ("equal jitter"), so clients that lost the same broker do not come
// back in step.
func (c *Client) backoff() time.Duration {
	d := c.cfg.ReconnectMin
	for i := 0; i < c.attempt && d < c.cfg.ReconnectMax; i++ {
		d *= 2
	}
	d = min(d, c.cfg.ReconnectMax)
	half := d / 2
	return d - half + time.Duration(c.rng.Int64N(int64(half)+1))
}

// dropConn closes the stream. For a violation by a 5.0 broker it first
// says why in a DISCONNECT, when the stream is at a packet boundary.
func (c *Client) dropConn(err error) {
	conn := c.conn
	if conn == nil {
		return
	}
	graceful := false
	if c.cfg.Version == V5 && (c.state == stConnected || c.state == stConnecting) && c.w.done() && !c.buffersShared() {
		if code, ok := disconnectReason(err); ok {
			var b [8]byte
			d := packet.Disconnect{Code: code}
			if pkt, e := d.Append(b[:0], V5); e == nil {
				// ctrl holds whole packets only (writeCtrl), so
				// the stream is at a packet boundary: what ctrl still
				// holds is dropped with the connection.
				c.ctrlLen = 0
				if n, _ := conn.Write(pkt); n == len(pkt) {
					graceful = true
				}
			}
		}
	}
	if graceful {
		conn.Consume(conn.Buffered()) // unread data would turn Close into a reset
		conn.Close()
	} else {
		conn.Abort()
	}
	conn.Release()
	c.conn = nil
}

func isViolation(err error) bool {
	_, ok := disconnectReason(err)
	return ok
}

// resetConnection forgets what belonged to the connection that ended and
// readies the session state for the next one.
func (c *Client) resetConnection() {
	c.w.reset()
	c.ctrlLen = 0
	c.asmLen, c.asmNeed = 0, 0
	c.pingOut = false
	c.ioErr = nil
	c.discDue = false
	clear(c.outAlias)
	for i := range c.inAlias {
		c.inAlias[i] = c.inAlias[i][:0]
	}
	for _, o := range c.ops {
		o.sent, o.pid = false, 0
	}
	c.requeue()
}
