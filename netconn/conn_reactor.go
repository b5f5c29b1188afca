package netconn

import (
	"net"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
)

// The reactor's half of a Conn: it owns the tcp.Conn, starts and finishes
// the requests the callers post, and hears from the connection through its
// callbacks.

// newConn wraps tc, which the caller has just dialed or accepted. Reactor
// goroutine only.
func newConn(r *reactor.Reactor, tc *tcp.Conn) *Conn {
	local, remote := tc.Tuple()
	c := &Conn{
		r:      r,
		tc:     tc,
		laddr:  net.TCPAddrFromAddrPort(local),
		raddr:  net.TCPAddrFromAddrPort(remote),
		closer: newCloser(),
	}
	c.rd.init()
	c.wr.init()
	c.rdl.init()
	c.wdl.init()
	c.startRead = c.beginRead
	c.startWrite = c.beginWrite
	c.cancelRead = c.rd.cancel
	c.cancelWrite = c.wr.cancel
	c.doClose = c.closeReactor
	c.doCloseWrite = c.closeWriteReactor
	tc.OnReadable(c.pumpRead)
	tc.OnWritable(c.pumpWrite)
	tc.OnClosed(c.closedReactor)
	return c
}

func (c *Conn) beginRead() {
	if c.gone {
		c.rd.fail(net.ErrClosed)
		return
	}
	c.rd.pending = true
	c.pumpRead()
}

// pumpRead completes a waiting Read if the connection has data, the end of
// it, or an error.
func (c *Conn) pumpRead() {
	o := &c.rd
	if !o.pending {
		return
	}
	n, err := c.tc.Read(o.buf)
	if err == tcp.ErrWouldBlock {
		return
	}
	o.n, o.err = n, err
	o.finish()
}

func (c *Conn) beginWrite() {
	if c.gone {
		c.wr.fail(net.ErrClosed)
		return
	}
	c.wr.pending = true
	c.pumpWrite()
}

// pumpWrite queues as much of a waiting Write as the send ring takes and
// completes it once all of it is queued, or the connection cannot take
// more.
func (c *Conn) pumpWrite() {
	o := &c.wr
	if !o.pending {
		return
	}
	for o.n < len(o.buf) {
		n, err := c.tc.Write(o.buf[o.n:])
		o.n += n
		if err == tcp.ErrWouldBlock {
			return
		}
		if err != nil {
			o.err = err
			break
		}
	}
	o.finish()
}

// closedReactor runs when the connection reaches CLOSED: waiting calls
// learn why.
func (c *Conn) closedReactor(error) {
	c.pumpRead()
	c.pumpWrite()
}

func (c *Conn) closeWriteReactor() {
	if c.gone {
		return
	}
	c.tc.CloseWrite()
	c.pumpWrite() // a Write still waiting for room now fails
}

// closeReactor hands the connection to the stack to finish its close.
// Calls still waiting fail; later ones fail before they reach tc.
func (c *Conn) closeReactor() {
	if c.gone {
		return
	}
	c.gone = true
	if c.rd.pending {
		c.rd.fail(net.ErrClosed)
	}
	if c.wr.pending {
		c.wr.fail(net.ErrClosed)
	}
	c.tc.OnReadable(nil)
	c.tc.OnWritable(nil)
	c.tc.OnClosed(nil)
	c.tc.Close()
	// A tcp.Conn that can finish its close without its buffers says so
	// with Release; nothing of ours touches it afterwards.
	if r, ok := any(c.tc).(interface{ Release() }); ok {
		r.Release()
	}
	c.tc = nil
}
