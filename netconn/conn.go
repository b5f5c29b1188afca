package netconn

import (
	"io"
	"net"
	"sync"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
)

// Conn is a TCP connection of the stack as a net.Conn, for any goroutine
// but the reactor's. It also has CloseWrite, as *net.TCPConn does, for code
// that half-closes.
type Conn struct {
	r            *reactor.Reactor
	laddr, raddr *net.TCPAddr

	rmu, wmu sync.Mutex // one Read and one Write in flight at a time
	rd, wr   op
	rdl, wdl deadline

	closer

	// Reactor goroutine only.
	tc   *tcp.Conn
	gone bool // Close has reached the reactor: tc is no longer ours

	// The functions posted to the reactor, made once so a post allocates
	// nothing.
	startRead, startWrite, cancelRead, cancelWrite, doClose, doCloseWrite func()
}

var _ net.Conn = (*Conn)(nil)

// Read reads data into b, waiting until some has arrived, the peer has
// closed its side (io.EOF), the connection has failed, or the read
// deadline has passed.
func (c *Conn) Read(b []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.closed.Load() {
		return 0, c.opError("read", net.ErrClosed)
	}
	if c.rdl.expired() {
		return 0, c.opError("read", errTimeout)
	}
	if len(b) == 0 {
		return 0, nil
	}
	c.rd.buf = b
	c.rd.run(c.r, c.startRead, c.cancelRead, &c.rdl, c.closing)
	c.rd.buf = nil
	return c.rd.n, c.opError("read", c.rd.err)
}

// Write queues all of b for sending, waiting for room in the send ring as
// needed. It returns less than len(b) only with an error: the write
// deadline passed, the connection failed or was closed.
func (c *Conn) Write(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed.Load() {
		return 0, c.opError("write", net.ErrClosed)
	}
	if c.wdl.expired() {
		return 0, c.opError("write", errTimeout)
	}
	if len(b) == 0 {
		return 0, nil
	}
	c.wr.buf = b
	c.wr.run(c.r, c.startWrite, c.cancelWrite, &c.wdl, c.closing)
	c.wr.buf = nil
	return c.wr.n, c.opError("write", c.wr.err)
}

// Close closes the connection. Blocked calls return net.ErrClosed at once.
// Data already written is still sent, followed by a FIN, unless received
// data was left unread: then the connection is reset, as Linux does. The
// rest of the close happens on the reactor in the background.
func (c *Conn) Close() error {
	if !c.shut(c.r, c.doClose, false) {
		return c.opError("close", net.ErrClosed)
	}
	return nil
}

// CloseWrite shuts down the sending side: a FIN follows the data already
// written, and the connection still receives until the peer's FIN. A Write
// still waiting for room fails.
func (c *Conn) CloseWrite() error {
	if c.closed.Load() {
		return c.opError("close", net.ErrClosed)
	}
	c.r.Post(c.doCloseWrite)
	return nil
}

// LocalAddr returns the local address, a *net.TCPAddr.
func (c *Conn) LocalAddr() net.Addr { return c.laddr }

// RemoteAddr returns the peer's address, a *net.TCPAddr.
func (c *Conn) RemoteAddr() net.Addr { return c.raddr }

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.opError("set", net.ErrClosed)
	}
	c.rdl.set(t)
	c.wdl.set(t)
	return nil
}

// SetReadDeadline sets the deadline for Read calls, waiting ones included;
// the zero time clears it.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.opError("set", net.ErrClosed)
	}
	c.rdl.set(t)
	return nil
}

// SetWriteDeadline sets the deadline for Write calls, waiting ones
// included; the zero time clears it.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.opError("set", net.ErrClosed)
	}
	c.wdl.set(t)
	return nil
}

// opError wraps err as package net does: a *net.OpError naming the call
// and both ends. io.EOF and nil pass through.
func (c *Conn) opError(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	switch {
	case err == tcp.ErrClosed && c.closed.Load():
		err = net.ErrClosed
	case err == tcp.ErrAborted && c.closed.Load():
		err = net.ErrClosed // our own Close reset it
	default:
		err = sysErr(err)
	}
	return &net.OpError{Op: op, Net: "tcp", Source: c.laddr, Addr: c.raddr, Err: err}
}
