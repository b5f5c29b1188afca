package tlsstream

import (
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/tlsx"
)

var serverAddr = netip.AddrPortFrom(addrB, 443)

// 1 MiB each way between the adapter and crypto/tls, both at once, through
// TCP rings of 2 KiB (a record is up to 16 KiB), for every suite: the
// SHA-256 of what each side read matches what the other sent, both ends
// see the other's close_notify, and the stream closes cleanly.
func TestBulkAgainstCryptoTLS(t *testing.T) {
	for _, s := range []struct {
		name  string
		suite uint16
		size  int
	}{
		{"AES128GCM", tlsx.TLS_AES_128_GCM_SHA256, 1 << 20},
		{"AES256GCM", tlsx.TLS_AES_256_GCM_SHA384, 256 << 10},
		{"CHACHA20", tlsx.TLS_CHACHA20_POLY1305_SHA256, 256 << 10},
	} {
		t.Run(s.name, func(t *testing.T) {
			e := newEnv(t)
			up := pattern(1, s.size)
			down := pattern(2, s.size)
			res := make(chan serverResult, 1)
			e.listen(":443", e.serverConfig(), echoSum(down, res))
			cfg := e.clientConfig()
			cfg.CipherSuites = []uint16{s.suite}
			var b *bulk
			start := time.Now()
			e.do(func() {
				d := &Dialer{Inner: e.tcpDialer(2048, 2048), Config: cfg}
				c, err := d.Dial(serverAddr, "")
				if err != nil {
					t.Fatal(err)
				}
				b = newBulk(c.(*Conn), up)
			})
			wait(t, b.done, "client")
			r := wait(t, res, "server")
			var got [32]byte
			var suite uint16
			var berr error
			var eof bool
			var n int
			e.do(func() {
				copy(got[:], b.h.Sum(nil))
				suite = b.c.TLS().CipherSuite()
				berr, eof, n = b.err, b.eof, b.got
			})
			if berr != nil || !eof {
				t.Fatalf("client: err %v, eof %v after %d bytes", berr, eof, n)
			}
			if r.err != nil {
				t.Fatalf("server: %v", r.err)
			}
			if n != len(down) || got != sha256.Sum256(down) {
				t.Errorf("client read %d bytes, sha256 %x; want %d, %x", n, got, len(down), sha256.Sum256(down))
			}
			if r.n != int64(len(up)) || r.sum != sha256.Sum256(up) {
				t.Errorf("server read %d bytes, sha256 %x; want %d, %x", r.n, r.sum, len(up), sha256.Sum256(up))
			}
			if suite != s.suite {
				t.Errorf("suite %#x, want %#x", suite, s.suite)
			}
			e.do(func() { b.c.Close() })
			if err := wait(t, b.closed, "OnClosed"); err != nil {
				t.Errorf("OnClosed(%v), want nil", err)
			}
			t.Logf("%d KiB each way in %v", s.size>>10, time.Since(start).Round(time.Millisecond))
		})
	}
}

// dialResult is a handshake's outcome as the client saw it.
func (e *env) dialAndWait(d *Dialer, name string) (*Conn, error) {
	done := make(chan error, 1)
	var c *Conn
	e.do(func() {
		s, err := d.Dial(serverAddr, name)
		if err != nil {
			done <- err
			return
		}
		c = s.(*Conn)
		c.ConnectFuture().OnComplete(func(_ struct{}, err error) { done <- err })
	})
	return c, wait(e.t, done, "connect")
}

// Refusals surface through ConnectFuture as typed tlsx errors, and the
// server sees the client's alert.
func TestRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		roots  func(*pki) *tlsx.Config
		dialAs string
		want   error
	}{
		{"UnknownCA", func(p *pki) *tlsx.Config { return &tlsx.Config{RootCAs: p.other} }, "server.test", tlsx.ErrUnknownCA},
		{"HostName", func(p *pki) *tlsx.Config { return &tlsx.Config{RootCAs: p.roots} }, "wrong.test", tlsx.ErrHostName},
		{"HostNameFixed", func(p *pki) *tlsx.Config {
			return &tlsx.Config{RootCAs: p.roots, ServerName: "other.test"}
		}, "server.test", tlsx.ErrHostName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			res := make(chan serverResult, 1)
			e.listen(":443", e.serverConfig(), echoSum(nil, res))
			c, err := e.dialAndWait(&Dialer{Inner: e.tcpDialer(0, 0), Config: tc.roots(e.pki)}, tc.dialAs)
			if !errors.Is(err, tc.want) {
				t.Fatalf("connect: %v, want %v", err, tc.want)
			}
			var rerr, cerr error
			e.do(func() { _, rerr = c.ReadLease(); cerr = c.Err() })
			if !errors.Is(rerr, tc.want) || !errors.Is(cerr, tc.want) {
				t.Errorf("ReadLease: %v, Err: %v; want %v", rerr, cerr, tc.want)
			}
			// The server's handshake fails. (It should fail on the client's
			// alert; tlsx's client sends alerts before its Finished in
			// plaintext, so crypto/tls reports a bad record MAC instead.)
			if r := wait(t, res, "server"); r.err == nil {
				t.Errorf("server: handshake succeeded")
			}
		})
	}
}

// The server name comes from the dial when Config has none: an address
// works too (the certificate names 10.0.0.2).
func TestDialerServerName(t *testing.T) {
	e := newEnv(t)
	res := make(chan serverResult, 2)
	e.listen(":443", e.serverConfig(), echoSum([]byte("hi"), res))
	d := &Dialer{Inner: e.tcpDialer(0, 0), Config: &tlsx.Config{RootCAs: e.pki.roots}}
	for _, name := range []string{"server.test", ""} {
		c, err := e.dialAndWait(d, name)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		var got string
		e.do(func() { got = c.TLS().ServerName() })
		want := name
		if want == "" {
			want = "10.0.0.2"
		}
		if got != want {
			t.Errorf("ServerName %q, want %q", got, want)
		}
		e.do(func() { c.Abort() })
		wait(t, res, "server")
	}
	if d.Config.ServerName != "" {
		t.Errorf("the shared Config was changed: %q", d.Config.ServerName)
	}
}

// A server that ends the TCP connection without close_notify: the client
// reads what came, then tlsx.ErrTruncated, and OnClosed reports it.
func TestTruncation(t *testing.T) {
	e := newEnv(t)
	e.listen(":443", e.serverConfig(), func(tc *tls.Conn, raw net.Conn, err error) {
		if err == nil {
			tc.Write([]byte("partial"))
		}
		raw.(interface{ CloseWrite() error }).CloseWrite()
		io.Copy(io.Discard, raw)
		raw.Close()
	})
	var b *bulk
	e.do(func() {
		c, err := Client(mustDial(t, e), e.clientConfig(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		b = newBulk(c, nil)
		b.closedW = true // keep the sending side open
	})
	wait(t, b.done, "client")
	var berr error
	var n int
	e.do(func() { berr, n = b.err, b.got })
	if !errors.Is(berr, tlsx.ErrTruncated) || n != len("partial") {
		t.Fatalf("read %d bytes, err %v; want 7, ErrTruncated", n, berr)
	}
	e.do(func() { b.c.Release() })
}

func mustDial(t *testing.T, e *env) *tcp.Conn {
	c, err := e.p.A.DialTCP(serverAddr, tcp.Config{NoDelay: true})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
