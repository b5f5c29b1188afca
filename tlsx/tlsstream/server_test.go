package tlsstream

import (
	"crypto"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/tlsx"
)

// echoConn echoes what it reads on the reactor, with backpressure: what
// the engine does not take stays lent until OnWritable. At the peer's
// close_notify it closes.
type echoConn struct {
	c      *Conn
	closed bool
}

func (x *echoConn) pump() {
	for {
		p, err := x.c.ReadLease()
		if len(p) == 0 {
			if err == io.EOF && !x.closed {
				x.closed = true
				x.c.Close()
			}
			return
		}
		n, werr := x.c.Write(p)
		if n > 0 {
			x.c.Consume(n)
		}
		if werr != nil || n < len(p) {
			return
		}
	}
}

// The adapter's server side under crypto/tls's client: 256 KiB echoed
// through TCP rings of 2 KiB, SHA-256 checked, and the close_notify both
// ways.
func TestServerAgainstCryptoTLS(t *testing.T) {
	e := newEnv(t)
	cfg := &tlsx.Config{Certificates: []tlsx.Certificate{{Chain: e.pki.leaf.Certificate,
		Key: e.pki.leaf.PrivateKey.(crypto.Signer)}}}
	var srv *Conn
	e.do(func() {
		l, err := e.p.A.ListenTCP(443, stack.ListenConfig{Conn: tcp.Config{NoDelay: true}, RxBufferSize: 2048, TxBufferSize: 2048})
		if err != nil {
			t.Fatal(err)
		}
		l.OnAccept(func() {
			c, ok := l.Accept()
			if !ok {
				return
			}
			// No handshake deadline: crypto/tls computes on its own
			// goroutine while the virtual clock may jump to any timer.
			s, err := Server(c, cfg, Options{})
			if err != nil {
				t.Error(err)
				return
			}
			srv = s
			x := &echoConn{c: s}
			s.OnReadable(x.pump)
			s.OnWritable(x.pump)
		})
	})
	raw, err := e.net.Dial("tcp", netip.AddrPortFrom(addrA, 443).String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	tc := tls.Client(raw, &tls.Config{RootCAs: e.pki.roots, ServerName: "server.test"})
	data := pattern(6, 256<<10)
	wrote := make(chan error, 1)
	go func() {
		_, err := tc.Write(data)
		if err == nil {
			err = tc.CloseWrite()
		}
		wrote <- err
	}()
	h := sha256.New()
	n, err := io.Copy(h, tc)
	if werr := <-wrote; werr != nil || err != nil {
		t.Fatalf("client: write %v, read %v", werr, err)
	}
	if n != int64(len(data)) || [32]byte(h.Sum(nil)) != sha256.Sum256(data) {
		t.Fatalf("echoed %d bytes of %d, SHA-256 match %v", n, len(data), [32]byte(h.Sum(nil)) == sha256.Sum256(data))
	}
	var name string
	var serr error
	e.do(func() { name, serr = srv.TLS().ServerName(), srv.Err() })
	if name != "server.test" || serr != nil {
		t.Errorf("server: SNI %q, Err %v", name, serr)
	}
}

// A client that connects and says nothing: the server's handshake fails
// with tlsx.ErrTimeout at its deadline, in virtual time.
func TestServerHandshakeTimeout(t *testing.T) {
	v := newVPair(t, 0, 0)
	var srv *Conn
	v.accept(v.serverConfig(), Options{Reactor: v.p.R, HandshakeTimeout: 3 * time.Second}, func(s *Conn) { srv = s })
	inner, err := v.p.A.DialTCP(serverAddr, tcp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if !v.run(time.Minute, func() bool { return srv != nil }) {
		t.Fatal("not accepted")
	}
	start := v.p.Clock.Now()
	if !v.run(time.Minute, srv.ConnectFuture().Done) {
		t.Fatal("no timeout")
	}
	if took := v.p.Clock.Now().Sub(start); took > 3*time.Second {
		t.Errorf("failed after %v, want 3s", took)
	}
	if err := srv.ConnectFuture().Err(); !errors.Is(err, tlsx.ErrTimeout) {
		t.Errorf("server: %v, want ErrTimeout", err)
	}
	// The silent client got the alert and the end of the stream.
	got := 0
	ended := func() bool {
		p, err := inner.ReadLease()
		got += len(p)
		inner.Consume(len(p))
		return err == io.EOF
	}
	if !v.run(time.Minute, ended) || got == 0 {
		t.Errorf("the client's stream: %d bytes, ended %v", got, ended())
	}
	inner.Abort()
}
