package tlsstream

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"hash"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/stacktest"
	"github.com/seed947b3480/legation/netconn"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/tlsx"
)

var (
	addrA = netip.MustParseAddr("10.0.0.1")
	addrB = netip.MustParseAddr("10.0.0.2")
)

// env is two stacks on a virtual clock: the client under test on A, and
// on B crypto/tls through netconn. crypto/tls blocks, so it runs on its
// own goroutine and the reactor turns on another (Run: idle, it waits for
// netconn's posts; its clock jumps only to timers, and these tests arm no
// deadline that a jump could fire early). The test reaches the reactor
// through do.
type env struct {
	t   *testing.T
	p   *stacktest.Pair
	net *netconn.Net
	pki *pki
}

func newEnv(t *testing.T) *env {
	t.Helper()
	p := stacktest.NewPair(t, stack.Config{Addr: netip.PrefixFrom(addrA, 24)},
		stack.Config{Addr: netip.PrefixFrom(addrB, 24)}, nil)
	e := &env{t: t, p: p, net: netconn.New(p.B, p.R, netconn.Config{}), pki: newPKI(t)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.R.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return e
}

// do runs fn on the reactor goroutine and waits for it.
func (e *env) do(fn func()) {
	done := make(chan struct{})
	e.p.R.Post(func() { fn(); close(done) })
	<-done
}

// wait waits for ch; the timer guards against a hang, it is not a wait.
func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(60 * time.Second):
		t.Fatalf("%s: no result", what)
	}
	var zero T
	return zero
}

func (e *env) serverConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{e.pki.leaf}, MinVersion: tls.VersionTLS13}
}

func (e *env) clientConfig() *tlsx.Config {
	return &tlsx.Config{RootCAs: e.pki.roots, ServerName: "server.test"}
}

// listen starts crypto/tls on B's port and runs serve on each accepted
// connection (on its own goroutine), after its handshake.
func (e *env) listen(port string, cfg *tls.Config, serve func(tc *tls.Conn, raw net.Conn, hsErr error)) {
	l, err := e.net.Listen("tcp", port)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { l.Close() })
	go func() {
		for {
			raw, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				tc := tls.Server(raw, cfg)
				serve(tc, raw, tc.Handshake())
			}()
		}
	}()
}

// tcpDialer dials from A with the given rings (nil: the default size).
func (e *env) tcpDialer(rx, tx int) *stream.TCP {
	cfg := tcp.Config{NoDelay: true}
	if rx > 0 {
		cfg.RxBuffer = make([]byte, rx)
	}
	if tx > 0 {
		cfg.TxBuffer = make([]byte, tx)
	}
	return &stream.TCP{Host: e.p.A, Config: cfg}
}

func pattern(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// bulk drives a Conn on the reactor: it sends send with WriteLease and
// CommitWrite, then half-closes, and reads to the end, hashing.
type bulk struct {
	c        *Conn
	send     []byte
	closedW  bool
	h        hash.Hash
	got      int
	eof      bool
	err      error
	finished bool
	done     chan struct{}
	closed   chan error
}

func newBulk(c *Conn, send []byte) *bulk {
	b := &bulk{c: c, send: send, h: sha256.New(), done: make(chan struct{}), closed: make(chan error, 1)}
	c.OnWritable(b.push)
	c.OnReadable(b.pull)
	c.OnClosed(func(err error) { b.closed <- err; b.finish() })
	return b
}

func (b *bulk) push() {
	for len(b.send) > 0 {
		first, _, err := b.c.WriteLease()
		if err != nil {
			if err != tcp.ErrWouldBlock {
				b.err = err
				b.finish()
			}
			return
		}
		n := copy(first, b.send)
		b.c.CommitWrite(n)
		b.send = b.send[n:]
	}
	if !b.closedW {
		b.closedW = true
		b.c.CloseWrite()
	}
}

func (b *bulk) pull() {
	for {
		p, err := b.c.ReadLease()
		if len(p) > 0 {
			b.h.Write(p)
			b.got += len(p)
			b.c.Consume(len(p))
			continue
		}
		switch err {
		case tcp.ErrWouldBlock:
		case io.EOF:
			b.eof = true
			if b.closedW {
				b.finish()
			}
		default:
			b.err = err
			b.finish()
		}
		return
	}
}

func (b *bulk) finish() {
	if !b.finished {
		b.finished = true
		close(b.done)
	}
}

// serverResult is what a crypto/tls server saw.
type serverResult struct {
	sum [32]byte
	n   int64
	err error
}

// echoSum is a crypto/tls server that sends reply, closes its side with
// close_notify and hashes what it reads until the client's close_notify.
func echoSum(reply []byte, res chan<- serverResult) func(*tls.Conn, net.Conn, error) {
	return func(tc *tls.Conn, raw net.Conn, hsErr error) {
		if hsErr != nil {
			res <- serverResult{err: hsErr}
			raw.Close()
			return
		}
		wrote := make(chan error, 1)
		go func() {
			_, err := tc.Write(reply)
			if err == nil {
				err = tc.CloseWrite()
			}
			wrote <- err
		}()
		h := sha256.New()
		n, err := io.Copy(h, tc)
		if werr := <-wrote; err == nil {
			err = werr
		}
		tc.Close()
		var r serverResult
		copy(r.sum[:], h.Sum(nil))
		r.n, r.err = n, err
		res <- r
	}
}
