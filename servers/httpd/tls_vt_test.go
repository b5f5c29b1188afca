package httpd

import (
	"bytes"
	"errors"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/seed947b3480/legation/servers/httpd/websocket"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/tlsx"
	"github.com/seed947b3480/legation/tlsx/tlsstream"
)

// HTTPS in virtual time: legation's own TLS client (tlsstream over the
// client stack's TCP) against the server, on the test's goroutine.

// dialTLS connects a TLS client that trusts pki's CA to the server.
func (n *testNet) dialTLS(pki *testPKI) (*client, *tlsstream.Conn) {
	n.t.Helper()
	tc, err := n.cli.DialTCP(netip.AddrPortFrom(serverAddr, 80), tcp.Config{TimeWait: -1})
	if err != nil {
		n.t.Fatal(err)
	}
	ts, err := tlsstream.Client(tc, &tlsx.Config{
		ServerName: testServerName,
		RootCAs:    pki.roots,
		NextProtos: []string{"http/1.1"},
	}, tlsstream.Options{})
	if err != nil {
		n.t.Fatal(err)
	}
	return n.attach(ts), ts
}

// httpsServer is helloServer over TLS.
func httpsServer(t testing.TB, cfg Config) (*testNet, *testPKI) {
	pki := newTestPKI(t)
	cfg.TLS = pki.serverConfig()
	return helloServer(t, cfg), pki
}

func TestHTTPSKeepAlive(t *testing.T) {
	n, pki := httpsServer(t, Config{})
	c, ts := n.dialTLS(pki)
	for i := 1; i <= 3; i++ {
		c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
		n.run(time.Second, "response", func() bool { return c.responses() == i })
	}
	for _, resp := range splitResponses(c.got.Bytes()) {
		if !bytes.HasPrefix(resp, []byte("HTTP/1.1 200 OK\r\n")) || !bytes.HasSuffix(resp, []byte("\r\n\r\nhello, world\n")) {
			t.Fatalf("response:\n%s", resp)
		}
	}
	if p := ts.TLS().NegotiatedProtocol(); p != "http/1.1" {
		t.Fatalf("ALPN %q, want http/1.1", p)
	}
	if st := n.srv.Stats(); st.Accepted != 1 || st.Conns != 1 || st.Active != 0 || st.IdleConns != 1 || st.HandshakeErrors != 0 {
		t.Fatalf("stats %+v: want one idle connection holding no buffer", st)
	}
	// The client's close_notify ends the connection cleanly.
	c.tc.Close()
	n.run(time.Second, "close", func() bool { return n.srv.Stats().Conns == 0 })
}

// A keep-alive GET over TLS, both stacks, both TLS ends and the server
// included, allocates nothing once the connection is up.
func TestHTTPSKeepAliveRequestAllocatesNothing(t *testing.T) {
	n, pki := httpsServer(t, Config{})
	c, _ := n.dialTLS(pki)
	requestAllocatesNothing(t, n, c)
}

// The handshake counts against HeaderTimeout: a client that starts a
// handshake and stalls, one that sends nothing, and one that finishes
// the handshake but sends no request are all dropped HeaderTimeout after
// the accept, as a slow head is.
func TestHTTPSHandshakeCountsAgainstHeadTimeout(t *testing.T) {
	const headTimeout = 3 * time.Second
	n, pki := httpsServer(t, Config{HeaderTimeout: headTimeout})
	stalled := n.dial()
	stalled.send("\x16\x03\x01\x01\x00\x01\x00\x00") // a ClientHello record cut short
	silent := n.dial()
	idle, ts := n.dialTLS(pki)
	n.run(time.Second, "handshake", func() bool { return ts.ConnectFuture().Done() })
	if err := ts.ConnectFuture().Err(); err != nil {
		t.Fatal(err)
	}
	n.run(time.Second, "accepts", func() bool { return n.srv.Stats().Conns == 3 })
	start := n.clk.Now()
	if n.r.RunUntil(headTimeout-100*time.Millisecond, func() bool { return n.srv.Stats().Conns < 3 }) {
		t.Fatalf("a connection dropped after %v, before HeaderTimeout: %+v", n.clk.Now().Sub(start), n.srv.Stats())
	}
	n.run(time.Second, "timeouts", func() bool { return stalled.closed && silent.closed && idle.closed })
	if st := n.srv.Stats(); st.TimedOut != 3 || st.Conns != 0 || st.HandshakeErrors != 0 || st.Requests != 0 {
		t.Fatalf("stats %+v: want three timeouts", st)
	}
}

// A plaintext request on the TLS port is not a ClientHello: the server
// answers with an alert record and closes.
func TestHTTPSPlaintextClientRefused(t *testing.T) {
	n, _ := httpsServer(t, Config{})
	c := n.dial()
	c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
	n.run(time.Second, "close", func() bool { return c.eof || c.closed })
	if got := c.got.Bytes(); len(got) < 7 || got[0] != 0x15 {
		t.Fatalf("got %q; want an alert record", got)
	}
	n.run(time.Second, "release", func() bool { return n.srv.Stats().Conns == 0 })
	if st := n.srv.Stats(); st.HandshakeErrors != 1 || st.Requests != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// A WebSocket echo over TLS in virtual time, through the same upgrade
// path as over TCP.
func TestWSSUpgradeAndEcho(t *testing.T) {
	n, pki := httpsServer(t, Config{})
	g := websocket.NewGroup(websocket.Config{}, websocket.Handler{
		OnMessage: func(c *websocket.Conn, text bool, msg []byte) { c.Send(text, msg) },
	})
	n.srv.WebSocket("/ws", g)
	c, _ := n.dialTLS(pki)
	c.send(upgradeRequest + maskedFrame(1, "hello"))
	want := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x05hello"
	n.run(time.Second, "echo", func() bool { return c.got.Len() >= len(want) })
	if c.got.String() != want {
		t.Fatalf("got %q", c.got.String())
	}
	n.srv.Shutdown()
	c.got.Reset()
	n.run(time.Second, "close frame", func() bool { return c.got.Len() >= 4 })
	if !bytes.HasPrefix(c.got.Bytes(), []byte{0x88, 0x02, 0x03, 0xe9}) {
		t.Fatalf("close frame %x", c.got.Bytes())
	}
}

// What an idle HTTPS keep-alive connection costs the server beyond an
// idle HTTP one: the TLS session (tlsstream.Conn and the tlsx engine with
// its record buffers). The clients' TLS sessions are dropped before the
// heap is measured, so only the server's side counts.
func TestHTTPSIdleConnMemory(t *testing.T) {
	const conns = 100
	measure := func(useTLS bool) float64 {
		cfg := Config{MaxConns: conns + 1, IdleTimeout: time.Hour}
		var n *testNet
		var pki *testPKI
		if useTLS {
			n, pki = httpsServer(t, cfg)
		} else {
			n = helloServer(t, cfg)
		}
		var inner []*tcp.Conn
		before := heapInUse()
		for range conns {
			var c *client
			if useTLS {
				var ts *tlsstream.Conn
				c, ts = n.dialTLS(pki)
				inner = append(inner, ts.Inner().(*tcp.Conn))
			} else {
				c = n.dial()
				inner = append(inner, c.tc.(*tcp.Conn))
			}
			c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
			n.run(time.Second, "response", func() bool { return c.responses() == 1 })
		}
		if st := n.srv.Stats(); st.IdleConns != conns || st.Active != 0 {
			t.Fatalf("stats %+v", st)
		}
		// An idle connection holds no TCP buffer, with TLS or without,
		// once its answer is acknowledged (delayed ACKs included).
		pool := n.srv.cfg.Listen.Pool
		n.r.RunUntil(time.Second, func() bool { return pool.Stats().Lent == 0 })
		if ps := pool.Stats(); ps.Lent != 0 {
			t.Fatalf("TLS %v: %d TCP buffers lent to idle connections (%+v)", useTLS, ps.Lent, ps)
		}
		// Forget the clients' sessions: only their TCP connections stay.
		for _, tc := range inner {
			tc.OnReadable(nil)
			tc.OnWritable(nil)
			tc.OnPeerClosed(nil)
			tc.OnClosed(nil)
		}
		after := heapInUse()
		runtime.KeepAlive(inner)
		runtime.KeepAlive(n)
		return float64(after-before) / conns
	}
	plain := measure(false)
	secure := measure(true)
	t.Logf("idle keep-alive connection, server and client TCP included: HTTP %.0f B, HTTPS %.0f B; TLS adds %.0f B per connection on the server",
		plain, secure, secure-plain)
	if secure-plain > 96<<10 {
		t.Errorf("TLS costs %.0f B per idle connection", secure-plain)
	}
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// At MaxConns a TLS connection is closed at once: answering 503 would
// cost a handshake. The connection already served is not disturbed.
func TestHTTPSOverflowClosed(t *testing.T) {
	n, pki := httpsServer(t, Config{MaxConns: 1})
	first, _ := n.dialTLS(pki)
	first.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
	n.run(time.Second, "first response", func() bool { return first.responses() == 1 })
	second, ts := n.dialTLS(pki)
	n.run(time.Second, "refusal", func() bool { return ts.ConnectFuture().Done() })
	if ts.ConnectFuture().Err() == nil {
		t.Fatal("the handshake over MaxConns succeeded")
	}
	n.run(time.Second, "close", func() bool { return second.closed })
	first.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
	n.run(time.Second, "second response", func() bool { return first.responses() == 2 })
	if st := n.srv.Stats(); st.Overflow != 1 || st.Conns != 1 || st.HandshakeErrors != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// A TLS configuration the engine cannot serve with is refused at Listen,
// not connection by connection.
func TestHTTPSListenChecksConfig(t *testing.T) {
	n := newTestNet(t, Config{TLS: &tlsstream.Acceptor{Config: &tlsx.Config{}}})
	if err := n.srv.Listen(443); !errors.Is(err, tlsx.ErrConfig) {
		t.Fatalf("Listen with no certificate: %v; want tlsx.ErrConfig", err)
	}
}

// A WebSocket echo over TLS allocates nothing once the connection is up.
func TestWSSEchoAllocatesNothing(t *testing.T) {
	n, pki := httpsServer(t, Config{})
	g := websocket.NewGroup(websocket.Config{}, websocket.Handler{
		OnMessage: func(c *websocket.Conn, text bool, msg []byte) { c.Send(text, msg) },
	})
	n.srv.WebSocket("/ws", g)
	c, _ := n.dialTLS(pki)
	c.send(upgradeRequest)
	n.run(time.Second, "upgrade", func() bool { return bytes.HasSuffix(c.got.Bytes(), []byte("\r\n\r\n")) })
	frame := maskedFrame(2, string(randomBytes(100, 3)))
	echo := func() {
		c.got.Reset()
		c.send(frame)
		if !n.r.RunUntil(time.Second, func() bool { return c.got.Len() == 102 }) {
			t.Fatalf("echo: %d bytes", c.got.Len())
		}
	}
	for range 10 {
		echo()
	}
	if a := testing.AllocsPerRun(200, echo); a != 0 {
		t.Fatalf("%v allocations per echo", a)
	}
	if st := g.Stats(); st.MessagesIn < 210 || st.MessagesOut != st.MessagesIn {
		t.Fatalf("group stats %+v", st)
	}
}
