package tlsstream

import (
	"io"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/tlsx"
)

// DefaultHandshakeTimeout bounds a handshake when Options.Reactor is set
// and HandshakeTimeout is 0.
const DefaultHandshakeTimeout = 10 * time.Second

// Options are what a Conn needs besides the tlsx.Config.
type Options struct {
	// Reactor runs the handshake deadline: the Conn spawns a task on it
	// for the length of the handshake. nil: no deadline of the Conn's own,
	// for callers that bound the whole connect themselves (clients/http's
	// ConnectTimeout covers the TCP and the TLS handshakes).
	Reactor *reactor.Reactor
	// HandshakeTimeout bounds the TLS handshake from Client or Server on;
	// 0 means DefaultHandshakeTimeout, negative none. It fails the
	// handshake with tlsx.ErrTimeout.
	HandshakeTimeout time.Duration
}

// Events gathered while the Conn works, delivered to the callbacks once
// it is done (deliver), never from inside a user's call that reads or
// writes.
const (
	evReadable = 1 << iota
	evWritable
	evPeerClosed
	evClosed
)

// What was asked of the sending side.
const (
	open = iota
	closeWrite
	closeFull
)

// Conn is a TLS session over an inner stream, itself a stream.Conn: its
// ReadLease lends decrypted bytes, its WriteLease takes plaintext, and its
// ConnectFuture completes with the handshake. It belongs to the reactor
// goroutine.
type Conn struct {
	inner stream.Conn
	tls   *tlsx.Conn

	connect reactor.Future[struct{}]

	onReadable, onWritable, onPeerClosed func()
	onClosed                             func(error)

	pool     *tlsx.BufferPool // the engine's Config.Buffers, nil if none (pool.go)
	wake     func()           // innerEvent, made once
	timer    *reactor.Handle  // the handshake deadline's task, while it runs
	deadline reactor.Instant

	err error // why the stream ended: the TLS error or the inner one

	events   uint8
	progress uint8 // progIn, progOut: what the current pump moved
	closing  uint8 // open, closeWrite, closeFull

	pumping, again bool
	delivering     bool
	building       bool // inside the constructor: no callbacks yet
	up             bool // handshake complete, ConnectFuture done
	innerEOF       bool // the inner stream ended and the engine was told
	innerDone      bool // the inner stream reported OnClosed
	peerEOF        bool // the peer's close_notify, everything before read
	wleased        bool // a WriteLease is outstanding
	notified       bool // close_notify queued
	innerShut      bool // the inner stream was told to close (or half-close)
	released       bool
	innerReleased  bool
	closedFired    bool
	wantWrite      bool // a write was refused: OnWritable once it can go on (pool.go)
}

const (
	progIn = 1 << iota
	progOut
)

// Client starts a TLS client session over inner, which may still be
// connecting: the ClientHello is queued in it at once. cfg must name the
// server (ServerName) and its roots, unless it skips verification.
func Client(inner stream.Conn, cfg *tlsx.Config, opts Options) (*Conn, error) {
	e, err := tlsx.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	return New(inner, e, opts), nil
}

// New wraps an engine made by the caller (tlsx.NewClient or
// tlsx.NewServer) around inner. The Conn takes over inner's callbacks and
// its ConnectFuture's.
func New(inner stream.Conn, engine *tlsx.Conn, opts Options) *Conn {
	c := &Conn{inner: inner, tls: engine, building: true}
	c.wake = c.innerEvent
	stream.Callbacks{Readable: c.wake, Writable: c.wake, PeerClosed: c.wake, Closed: c.innerClosed}.Attach(inner)
	c.usePool(opts.Reactor)
	if opts.Reactor != nil && opts.HandshakeTimeout >= 0 {
		d := opts.HandshakeTimeout
		if d == 0 {
			d = DefaultHandshakeTimeout
		}
		c.deadline = opts.Reactor.Now().Add(d)
		engine.SetHandshakeDeadline(c.deadline.Time())
		c.timer = opts.Reactor.Spawn((*hsTimer)(c))
	}
	inner.ConnectFuture().OnComplete(c.innerConnected)
	c.pump()
	c.building = false
	return c
}

// TLS is the engine, for what a stream does not say: CipherSuite,
// NegotiatedProtocol, PeerCertificates, DidResume, ServerName. Calls that
// read or write through it bypass the Conn; use the Conn's own.
func (c *Conn) TLS() *tlsx.Conn { return c.tls }

// KeyUpdate sends a KeyUpdate and moves to the next write key;
// requestPeer asks the peer to update its keys too. (Through TLS() the
// KeyUpdate would wait in the engine until the next event moved bytes.)
func (c *Conn) KeyUpdate(requestPeer bool) error {
	if c.err != nil {
		return c.err
	}
	if err := c.tls.KeyUpdate(requestPeer); err != nil {
		return c.writeErr(err)
	}
	c.flush()
	return nil
}

// Inner is the stream the session runs over.
func (c *Conn) Inner() stream.Conn { return c.inner }

// ConnectFuture completes when the TLS handshake has, or with the error
// that stopped it: a *tlsx.Error, or the inner stream's.
func (c *Conn) ConnectFuture() *reactor.Future[struct{}] { return &c.connect }

// OnReadable sets the callback run when decrypted bytes, the end of the
// stream or an error can be read.
func (c *Conn) OnReadable(f func()) { c.onReadable = f }

// OnWritable sets the callback run when the handshake completes and when
// the engine can take plaintext again after sending some out.
func (c *Conn) OnWritable(f func()) { c.onWritable = f }

// OnPeerClosed sets the callback run at the peer's close_notify, once the
// data before it has been read.
func (c *Conn) OnPeerClosed(f func()) { c.onPeerClosed = f }

// OnClosed sets the callback run once the stream is closed: when the
// inner stream is, or at once after a fatal TLS error; nil after a
// graceful close, else the reason.
func (c *Conn) OnClosed(f func(error)) { c.onClosed = f }

// Err is why the stream closed: a *tlsx.Error or the inner stream's
// error; nil while open or after a graceful close.
func (c *Conn) Err() error { return c.err }

// Buffered is how many decrypted bytes ReadLease would lend now.
func (c *Conn) Buffered() int { return c.tls.Buffered() }

// SendQueued is what was written and is not yet acknowledged: records the
// engine still holds and what the inner stream has not had acknowledged.
func (c *Conn) SendQueued() int {
	n := c.tls.Pending()
	if !c.innerReleased {
		n += c.inner.SendQueued()
	}
	return n
}

// ReadLease lends the decrypted bytes of the current record; they stay
// valid until Consume or the next read. It answers tcp.ErrWouldBlock when
// nothing is ready, io.EOF after the peer's close_notify, else the error
// that ended the stream (tlsx.ErrTruncated for an end without
// close_notify).
func (c *Conn) ReadLease() ([]byte, error) {
	b, err := c.tls.ReadLease()
	if len(b) > 0 {
		return b, nil
	}
	return nil, c.readErr(err)
}

func (c *Conn) readErr(err error) error {
	switch {
	case err == io.EOF:
		return io.EOF
	case c.err != nil:
		return c.err
	case err == tlsx.ErrWouldBlock:
		if c.closing == closeFull {
			return tcp.ErrClosed
		}
		return tcp.ErrWouldBlock
	}
	return err
}

// Consume marks n lent bytes as read; more records are then taken from
// the inner stream.
func (c *Conn) Consume(n int) {
	c.tls.Consume(n)
	if c.tls.Buffered() == 0 || c.tls.Pending() > 0 {
		c.pump()
	}
}

// Read copies decrypted bytes into p, across records.
func (c *Conn) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		b, err := c.ReadLease()
		if len(b) == 0 {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		k := copy(p[n:], b)
		c.Consume(k)
		n += k
	}
	return n, nil
}

// Write encrypts p into records and sends them as far as the inner stream
// takes them; it answers tcp.ErrWouldBlock when it took nothing (wait for
// OnWritable).
func (c *Conn) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n := 0
	for n < len(p) {
		c.flush()
		q := p[n:]
		if c.pool != nil {
			if _, err := c.tls.Write(nil); err != nil {
				break // closed, failed or handshaking: the engine says
			}
			room := c.sendRoom()
			if room <= 0 {
				c.wantWrite = true
				break
			}
			q = q[:min(len(q), room)]
		}
		k, err := c.tls.Write(q)
		n += k
		if err != nil || k == 0 {
			if c.pool != nil {
				c.wantWrite = true
			}
			c.flush()
			if n > 0 {
				return n, nil
			}
			return 0, c.writeErr(err)
		}
	}
	c.flush()
	if n == 0 && len(p) > 0 {
		_, err := c.tls.Write(nil)
		return 0, c.writeErr(err)
	}
	return n, nil
}

// WriteLease lends room for the plaintext of one record (first; second is
// always empty); CommitWrite seals what was written there and sends it.
func (c *Conn) WriteLease() (first, second []byte, err error) {
	if c.err != nil {
		return nil, nil, c.err
	}
	if c.tls.Pending() > 0 {
		c.flush()
	}
	room := 0
	if c.pool != nil {
		if _, err := c.tls.Write(nil); err != nil {
			return nil, nil, c.writeErr(err)
		}
		if room = c.sendRoom(); room <= 0 {
			c.wantWrite = true
			return nil, nil, tcp.ErrWouldBlock
		}
	}
	b, err := c.tls.WriteLease()
	if err != nil {
		if c.pool != nil {
			c.wantWrite = true
		}
		return nil, nil, c.writeErr(err)
	}
	c.wleased = true
	if c.pool != nil {
		b = b[:min(len(b), room)]
	}
	return b, nil, nil
}

// CommitWrite seals the n bytes written into the WriteLease as a record.
func (c *Conn) CommitWrite(n int) {
	if !c.wleased {
		return
	}
	c.wleased = false
	c.tls.CommitWrite(n)
	c.flush()
}

func (c *Conn) writeErr(err error) error {
	if c.err != nil {
		return c.err
	}
	if err == nil || err == tlsx.ErrWouldBlock {
		return tcp.ErrWouldBlock
	}
	return err
}
