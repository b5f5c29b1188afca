package tlsx

import (
	"crypto"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/testpki"
)

// serverPKI adds to testPKI what server tests need: the leaves as tlsx
// Certificates, and client certificates, one from the test CA and one
// from a CA nobody trusts.
type serverPKI struct {
	*testPKI
	certs               map[string]Certificate
	client, untrusted   tls.Certificate
	clientTLSX          Certificate
	clientCAs           *x509.CertPool
	clientLeafSubjectCN string
}

var (
	spkiOnce sync.Once
	spki     serverPKI
)

func getServerPKI(t testing.TB) *serverPKI {
	p := getPKI(t)
	spkiOnce.Do(func() {
		spki.testPKI = p
		spki.certs = map[string]Certificate{}
		for name, l := range p.leaves {
			spki.certs[name] = Certificate{Chain: l.Certificate, Key: l.PrivateKey.(crypto.Signer)}
		}
		untrustedCA := testpki.NewCA(t, "untrusted CA")
		mkClient := func(ca *testpki.CA) tls.Certificate {
			return ca.Leaf(t, testpki.LeafOpts{Name: "device-7", Client: true, LeafOnly: true}).TLS()
		}
		spki.client = mkClient(p.ca)
		spki.untrusted = mkClient(untrustedCA)
		spki.clientTLSX = Certificate{Chain: spki.client.Certificate, Key: spki.client.PrivateKey.(crypto.Signer)}
		spki.clientCAs = p.roots
	})
	return &spki
}

// serverConfig is a server Config serving the named leaf.
func serverConfig(p *serverPKI, cert string) *Config {
	return &Config{Certificates: []Certificate{p.certs[cert]}}
}

// listen starts a loopback listener closed at the end of the test.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// accept takes one connection with a deadline so a broken test ends.
func accept(t *testing.T, ln net.Listener) net.Conn {
	t.Helper()
	nc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { nc.Close() })
	return nc
}

// serveEcho drives a server Conn over nc from this goroutine: it echoes
// every byte it reads; on the client's close_notify it answers with its
// own and returns the SHA-256 and count of what it read. If stopAfter is
// positive it closes after that many bytes instead of waiting for the
// client's close_notify.
func serveEcho(c *Conn, nc net.Conn, stopAfter int) ([32]byte, int, error) {
	h := sha256.New()
	total := 0
	buf := make([]byte, 32<<10)
	flush := func() error { return flushTo(c, nc) }
	finish := func() ([32]byte, int, error) {
		c.Close()
		flush()
		var s [32]byte
		copy(s[:], h.Sum(nil))
		return s, total, nil
	}
	// pump echoes what is readable; done reports the client's close.
	pump := func() (done bool, err error) {
		for {
			p, err := c.ReadLease()
			if err == io.EOF {
				return true, nil
			}
			if errors.Is(err, ErrWouldBlock) {
				return false, flush()
			}
			if err != nil {
				flush() // let the alert out
				return false, err
			}
			k, err := c.Write(p)
			if errors.Is(err, ErrWouldBlock) {
				if err := flush(); err != nil {
					return false, err
				}
				continue
			}
			if err != nil {
				return false, err
			}
			h.Write(p[:k])
			total += k
			c.Consume(k)
			if stopAfter > 0 && total >= stopAfter {
				return true, nil
			}
		}
	}
	for {
		done, err := pump()
		if err != nil {
			return [32]byte{}, total, err
		}
		if done {
			return finish()
		}
		n, rerr := nc.Read(buf)
		for off := 0; off < n; {
			k, ierr := c.Input(buf[off:n])
			off += k
			if ierr != nil {
				flush()
				return [32]byte{}, total, ierr
			}
			done, err := pump()
			if err != nil {
				return [32]byte{}, total, err
			}
			if done {
				return finish()
			}
		}
		if rerr != nil {
			c.InputEOF()
			flush()
			if c.Err() != nil {
				return [32]byte{}, total, c.Err()
			}
			return [32]byte{}, total, rerr
		}
	}
}

// flushTo writes everything c has queued to nc.
func flushTo(c *Conn, nc net.Conn) error {
	for c.Pending() > 0 {
		if _, err := nc.Write(c.OutputLease()); err != nil {
			return err
		}
		c.ConsumeOutput(c.Pending())
	}
	return nil
}

type goClientResult struct {
	sum   [32]byte
	n     int
	state tls.ConnectionState
	err   error
}

// goClient runs crypto/tls as a client on its own goroutine: it sends
// payload, half-closes with close_notify and reads the echo to EOF.
func goClient(addr string, cfg *tls.Config, payload []byte) <-chan goClientResult {
	res := make(chan goClientResult, 1)
	go func() {
		var r goClientResult
		defer func() { res <- r }()
		raw, err := net.Dial("tcp", addr)
		if err != nil {
			r.err = err
			return
		}
		defer raw.Close()
		raw.SetDeadline(time.Now().Add(20 * time.Second))
		tc := tls.Client(raw, cfg)
		if r.err = tc.Handshake(); r.err != nil {
			return
		}
		werr := make(chan error, 1)
		go func() {
			_, err := tc.Write(payload)
			if err == nil {
				err = tc.CloseWrite()
			}
			werr <- err
		}()
		h := sha256.New()
		n, err := io.Copy(h, tc)
		copy(r.sum[:], h.Sum(nil))
		r.n = int(n)
		r.state = tc.ConnectionState()
		if err != nil {
			r.err = err
			return
		}
		r.err = <-werr
	}()
	return res
}

// goClientConfig is a crypto/tls client that trusts the test CA and
// speaks TLS 1.3 only.
func goClientConfig(p *serverPKI, curves ...tls.CurveID) *tls.Config {
	return &tls.Config{RootCAs: p.roots, ServerName: "server.test", MinVersion: tls.VersionTLS13,
		CurvePreferences: curves}
}

func testPayload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*13 + i>>8)
	}
	return b
}
