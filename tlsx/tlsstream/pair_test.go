package tlsstream

import (
	"crypto"
	"crypto/sha256"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/stacktest"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/tlsx"
)

// vpair is the adapter on both ends, all in one process on a virtual
// clock: deterministic, and the test goroutine turns the reactor.
type vpair struct {
	t   testing.TB
	p   *stacktest.Pair
	pki *pki
	l   *stack.TCPListener
	srv *Conn
}

func newVPair(t testing.TB, rx, tx int) *vpair {
	t.Helper()
	v := &vpair{t: t, pki: newPKI(t)}
	v.p = stacktest.NewPair(t, stack.Config{Addr: netip.PrefixFrom(addrA, 24)},
		stack.Config{Addr: netip.PrefixFrom(addrB, 24)}, nil)
	l, err := v.p.B.ListenTCP(443, stack.ListenConfig{Conn: tcp.Config{NoDelay: true},
		RxBufferSize: rx, TxBufferSize: tx})
	if err != nil {
		t.Fatal(err)
	}
	v.l = l
	return v
}

func (v *vpair) serverConfig() *tlsx.Config {
	return &tlsx.Config{Certificates: []tlsx.Certificate{{Chain: v.pki.leaf.Certificate,
		Key: v.pki.leaf.PrivateKey.(crypto.Signer)}}}
}

// accept wraps the next accepted connection in a server session, once.
func (v *vpair) accept(cfg *tlsx.Config, opts Options, ready func(*Conn)) {
	v.l.OnAccept(func() {
		c, ok := v.l.Accept()
		if !ok || v.srv != nil {
			return
		}
		s, err := Server(c, cfg, opts)
		if err != nil {
			v.t.Fatal(err)
		}
		v.srv = s
		ready(s)
	})
}

func (v *vpair) dial(cfg *tlsx.Config, rx, tx int, opts Options) *Conn {
	tc := tcp.Config{NoDelay: true}
	if rx > 0 {
		tc.RxBuffer = make([]byte, rx)
	}
	if tx > 0 {
		tc.TxBuffer = make([]byte, tx)
	}
	inner, err := v.p.A.DialTCP(serverAddr, tc)
	if err != nil {
		v.t.Fatal(err)
	}
	c, err := Client(inner, cfg, opts)
	if err != nil {
		v.t.Fatal(err)
	}
	return c
}

func (v *vpair) run(limit time.Duration, cond func() bool) bool {
	return v.p.R.RunUntil(limit, cond)
}

// handshake runs until the server end (*srv, set by accept's ready) and
// cli have both finished their handshakes.
func (v *vpair) handshake(tb testing.TB, srv **Conn, cli *Conn) {
	tb.Helper()
	if !v.run(time.Minute, func() bool { return *srv != nil && (*srv).ConnectFuture().Done() && cli.ConnectFuture().Done() }) {
		tb.Fatal("no handshake")
	}
}

// countReads is an OnReadable callback for c: it consumes all c has to
// read and adds the byte count to *n.
func countReads(c *Conn, n *int) func() {
	return func() {
		for {
			p, err := c.ReadLease()
			if err != nil {
				return
			}
			*n += len(p)
			c.Consume(len(p))
		}
	}
}

// 1 MiB each way between the adapter's client and server, through send
// rings of 1 KiB and receive rings of 2 KiB on both ends (a record is up to
// 16 KiB), in virtual time.
func TestPairBulk(t *testing.T) {
	v := newVPair(t, 2048, 1024)
	up, down := pattern(3, 1<<20), pattern(4, 1<<20)
	var sb *bulk
	v.accept(v.serverConfig(), Options{Reactor: v.p.R}, func(s *Conn) { sb = newBulk(s, down) })
	cb := newBulk(v.dial(&tlsx.Config{RootCAs: v.pki.roots, ServerName: "server.test"}, 2048, 1024,
		Options{Reactor: v.p.R}), up)
	start := v.p.Clock.Now()
	if !v.run(time.Minute, func() bool { return cb.finished && sb != nil && sb.finished }) {
		t.Fatalf("stalled: client got %d (err %v), server %v", cb.got, cb.err, sb)
	}
	for _, c := range []struct {
		name string
		b    *bulk
		want []byte
	}{{"client", cb, down}, {"server", sb, up}} {
		if c.b.err != nil || !c.b.eof || c.b.got != len(c.want) || [32]byte(c.b.h.Sum(nil)) != sha256.Sum256(c.want) {
			t.Errorf("%s: read %d, eof %v, err %v, sha256 match %v", c.name, c.b.got, c.b.eof, c.b.err,
				[32]byte(c.b.h.Sum(nil)) == sha256.Sum256(c.want))
		}
	}
	t.Logf("1 MiB each way in %v of virtual time", v.p.Clock.Now().Sub(start))
	cb.c.Close()
	sb.c.Close()
	if !v.run(time.Minute, func() bool { return len(cb.closed) > 0 && len(sb.closed) > 0 }) {
		t.Fatal("no OnClosed")
	}
	if e1, e2 := <-cb.closed, <-sb.closed; e1 != nil || e2 != nil {
		t.Errorf("OnClosed: client %v, server %v", e1, e2)
	}
	if cb.c.timer != nil || sb.c.timer != nil {
		t.Error("a handshake timer is still running")
	}
}

// A server that completes the TCP handshake and never answers: the
// client's handshake fails with tlsx.ErrTimeout exactly at its deadline.
func TestHandshakeTimeout(t *testing.T) {
	v := newVPair(t, 0, 0) // never accepted: the ClientHello is not even acknowledged
	c := v.dial(&tlsx.Config{RootCAs: v.pki.roots, ServerName: "server.test"}, 0, 0,
		Options{Reactor: v.p.R, HandshakeTimeout: 5 * time.Second})
	start := v.p.Clock.Now()
	closed := make(chan error, 1)
	c.OnClosed(func(err error) { closed <- err })
	f := c.ConnectFuture()
	if !v.run(time.Minute, f.Done) {
		t.Fatal("no timeout")
	}
	if took := v.p.Clock.Now().Sub(start); took != 5*time.Second {
		t.Errorf("failed after %v, want 5s", took)
	}
	if !errors.Is(f.Err(), tlsx.ErrTimeout) || !errors.Is(c.Err(), tlsx.ErrTimeout) {
		t.Errorf("future %v, Err %v; want ErrTimeout", f.Err(), c.Err())
	}
	if err := <-closed; !errors.Is(err, tlsx.ErrTimeout) {
		t.Errorf("OnClosed(%v)", err)
	}
	if c.timer != nil {
		t.Error("timer still spawned")
	}
}

// After the handshake a record through the adapter, both stacks and the
// engines allocates nothing: a 16 KiB write on one side, read on the other.
func TestZeroAllocsPerRecord(t *testing.T) {
	v := newVPair(t, 64<<10, 64<<10)
	var srv *Conn
	v.accept(v.serverConfig(), Options{}, func(s *Conn) { srv = s })
	cli := v.dial(&tlsx.Config{RootCAs: v.pki.roots, ServerName: "server.test"}, 64<<10, 64<<10, Options{})
	v.handshake(t, &srv, cli)
	msg := make([]byte, 16<<10)
	got := 0
	drain := countReads(srv, &got)
	srv.OnReadable(drain)
	want := 0
	done := func() bool { return got == want }
	round := func() {
		n, err := cli.Write(msg)
		if err != nil || n != len(msg) {
			t.Fatalf("Write = %d, %v", n, err)
		}
		want += n
		if !v.run(time.Minute, done) {
			t.Fatalf("read %d of %d", got, want)
		}
	}
	for i := 0; i < 10; i++ { // warm up: windows, congestion control
		round()
	}
	if a := testing.AllocsPerRun(100, round); a != 0 {
		t.Errorf("%.1f allocations per 16 KiB record, want 0", a)
	}
}

// A half-close (and a Release) while the engine's output buffer and the
// TCP send ring are full: the close_notify waits for room instead of being
// dropped, so the peer reads every byte written and then a clean end.
func TestCloseWithFullBuffers(t *testing.T) {
	for _, release := range []bool{false, true} {
		v := newVPair(t, 2048, 1024)
		var sb *bulk
		v.accept(v.serverConfig(), Options{}, func(s *Conn) { sb = newBulk(s, nil) })
		cli := v.dial(&tlsx.Config{RootCAs: v.pki.roots, ServerName: "server.test"}, 2048, 1024, Options{})
		if !v.run(time.Minute, func() bool { return sb != nil && cli.ConnectFuture().Done() }) {
			t.Fatal("no handshake")
		}
		data := pattern(5, 256<<10)
		n, err := cli.Write(data)
		if err != nil || n == 0 || n == len(data) {
			t.Fatalf("Write = %d, %v; want a partial write", n, err)
		}
		if _, err := cli.Write(data[n:]); err != tcp.ErrWouldBlock {
			t.Fatalf("second Write: %v, want ErrWouldBlock", err)
		}
		if release {
			cli.Release()
		} else {
			cli.CloseWrite()
		}
		sb.closedW = true // the server only reads
		if !v.run(time.Minute, func() bool { return sb.finished }) {
			t.Fatalf("release %v: server read %d of %d, err %v", release, sb.got, n, sb.err)
		}
		if sb.err != nil || !sb.eof || sb.got != n || [32]byte(sb.h.Sum(nil)) != sha256.Sum256(data[:n]) {
			t.Errorf("release %v: server read %d of %d, eof %v, err %v", release, sb.got, n, sb.eof, sb.err)
		}
	}
}

// KeyUpdates both ways in the middle of a transfer: the client's, and the
// server's answer to its request, which the engine queues while taking
// input and the adapter must send without being asked.
func TestKeyUpdateMidStream(t *testing.T) {
	v := newVPair(t, 4096, 4096)
	var sb *bulk
	up, down := pattern(7, 200<<10), pattern(8, 200<<10)
	v.accept(v.serverConfig(), Options{}, func(s *Conn) { sb = newBulk(s, down) })
	cli := v.dial(&tlsx.Config{RootCAs: v.pki.roots, ServerName: "server.test"}, 4096, 4096, Options{})
	cb := newBulk(cli, up[:100<<10])
	cb.closedW = true // hold the half-close until after the KeyUpdate
	if !v.run(time.Minute, func() bool { return len(cb.send) == 0 && cb.got > 50<<10 }) {
		t.Fatalf("stalled before the KeyUpdate: sent all %v, got %d", len(cb.send) == 0, cb.got)
	}
	if err := cli.KeyUpdate(true); err != nil {
		t.Fatal(err)
	}
	cb.send, cb.closedW = up[100<<10:], false
	cb.push()
	if !v.run(time.Minute, func() bool { return cb.finished && sb.finished }) {
		t.Fatalf("stalled after the KeyUpdate: client got %d (%v), server %d (%v)", cb.got, cb.err, sb.got, sb.err)
	}
	if cb.err != nil || sb.err != nil || [32]byte(cb.h.Sum(nil)) != sha256.Sum256(down) || [32]byte(sb.h.Sum(nil)) != sha256.Sum256(up) {
		t.Errorf("client %d bytes (%v), server %d bytes (%v); SHA-256 match %v %v", cb.got, cb.err, sb.got, sb.err,
			[32]byte(cb.h.Sum(nil)) == sha256.Sum256(down), [32]byte(sb.h.Sum(nil)) == sha256.Sum256(up))
	}
}

// A reset from the peer: reads end with tcp.ErrReset and OnClosed says
// so.
func TestPeerReset(t *testing.T) {
	v := newVPair(t, 0, 0)
	var srv *Conn
	v.accept(v.serverConfig(), Options{}, func(s *Conn) { srv = s })
	cli := v.dial(&tlsx.Config{RootCAs: v.pki.roots, ServerName: "server.test"}, 0, 0, Options{})
	cb := newBulk(cli, nil)
	cb.closedW = true
	if !v.run(time.Minute, func() bool { return srv != nil && cli.ConnectFuture().Done() }) {
		t.Fatal("no handshake")
	}
	srv.Abort()
	if !v.run(time.Minute, func() bool { return cb.finished }) {
		t.Fatal("the client did not notice")
	}
	if !errors.Is(cb.err, tcp.ErrReset) || !errors.Is(cli.Err(), tcp.ErrReset) {
		t.Errorf("read %v, Err %v; want tcp.ErrReset", cb.err, cli.Err())
	}
	if !v.run(time.Minute, func() bool { return len(cb.closed) > 0 }) {
		t.Fatal("no OnClosed")
	}
	if err := <-cb.closed; !errors.Is(err, tcp.ErrReset) {
		t.Errorf("OnClosed(%v)", err)
	}
}
