package tcp

import (
	"time"

	"github.com/seed947b3480/legation/reactor"
)

// FinWait2Timeout bounds FIN-WAIT-2 for a released connection: nobody
// will read what the peer still sends, so a peer that never closes its
// side cannot keep the record forever. It is Linux's tcp_fin_timeout.
// A connection its owner still holds stays in FIN-WAIT-2 for as long as
// the peer keeps its side open, as RFC 9293 says.
const FinWait2Timeout = 60 * time.Second

// Release hands the connection back to the stack: its owner will not
// touch it again. It closes the connection as Close does if the owner has
// not (gracefully, or with a reset if received data is left unread),
// drops the callbacks, and lets go of the owner's buffers as soon as
// nothing in them is needed, that is once the peer has acknowledged every
// byte sent. The close then finishes in the background from the
// connection's own record (FIN, retransmissions, TIME-WAIT), and the
// buffers may be reused as soon as SendQueued is 0 or at once if the
// connection was reset; buffers a Config.Pool lent go back to it then.
// This closes embassy-net's and smoltcp's gap where dropping a socket
// loses its unsent data.
func (c *Conn) Release() {
	if c.released {
		return
	}
	c.onReadable, c.onWritable, c.onPeerClosed, c.onClosed = nil, nil, nil, nil
	if c.state != Closed && !c.rdClosed {
		c.Close()
	}
	c.released = true
	c.pooling &^= txLeased // the owner will not fill a lease now
	c.afterRelease()
	c.settleBuffers()
	c.notify()
}

// Released reports whether Release was called.
func (c *Conn) Released() bool { return c.released }

// afterRelease drops the owner's buffers once they hold nothing needed and
// bounds FIN-WAIT-2. It runs at the end of every call into a released
// connection.
func (c *Conn) afterRelease() {
	if c.tx.Len() == 0 || c.state == Closed {
		c.giveTx() // back to the pool, if they came from one
		c.giveRx()
	}
	if c.state == FinWait2 && c.twAt == reactor.Never {
		c.twAt = c.now.Add(FinWait2Timeout)
	}
}
