package tlsx

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/testpki"
)

// testPKI is a CA and server leaves of each key type, made once.
type testPKI struct {
	ca         *testpki.CA
	roots      *x509.CertPool
	otherRoots *x509.CertPool
	leaves     map[string]tls.Certificate // by testpki.KeyType's name, and "expired" (the P-256 key's)
}

var (
	pkiOnce sync.Once
	pki     testPKI
)

func getPKI(t testing.TB) *testPKI {
	pkiOnce.Do(func() {
		pki.ca = testpki.NewCA(t, "tlsx test CA")
		pki.roots = pki.ca.Pool()
		pki.otherRoots = testpki.NewCA(t, "someone else").Pool()
		pki.leaves = map[string]tls.Certificate{}
		p256 := testpki.NewKey(t, testpki.ECDSAP256)
		for _, kt := range []testpki.KeyType{testpki.ECDSAP256, testpki.ECDSAP384, testpki.RSA2048, testpki.Ed25519} {
			o := testpki.LeafOpts{Name: "server.test", KeyType: kt}
			if kt == testpki.ECDSAP256 {
				o.Key = p256
			}
			pki.leaves[kt.String()] = pki.ca.Leaf(t, o).TLS()
		}
		now := time.Now()
		pki.leaves["expired"] = pki.ca.Leaf(t, testpki.LeafOpts{Name: "server.test", Key: p256,
			NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-24 * time.Hour)}).TLS()
	})
	return &pki
}

// goServer runs crypto/tls on one loopback connection: it echoes
// echoBytes bytes and closes with close_notify. Its handshake error is
// sent on the returned channel.
func goServer(t *testing.T, cert tls.Certificate, curves []tls.CurveID, alpn []string, echoBytes int64) (net.Conn, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		defer ln.Close()
		raw, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		raw.SetDeadline(time.Now().Add(20 * time.Second))
		s := tls.Server(raw, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13,
			CurvePreferences: curves, NextProtos: alpn})
		defer s.Close()
		if err := s.Handshake(); err != nil {
			done <- err
			return
		}
		if _, err := io.CopyN(s, s, echoBytes); err != nil {
			done <- err
			return
		}
		done <- s.Close()
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { nc.Close() })
	return nc, done
}

// run drives c over nc from this goroutine: it sends payload once the
// handshake is done and reads until EOF or error. It returns the SHA-256
// of what was read.
func run(c *Conn, nc net.Conn, payload []byte) ([32]byte, int, error) {
	h := sha256.New()
	total := 0
	buf := make([]byte, 32<<10)
	for {
		if c.HandshakeComplete() && len(payload) > 0 {
			n, err := c.Write(payload)
			if err != nil && !errors.Is(err, ErrWouldBlock) {
				return [32]byte{}, total, err
			}
			payload = payload[n:]
		}
		for c.Pending() > 0 {
			if _, err := nc.Write(c.OutputLease()); err != nil {
				return [32]byte{}, total, err
			}
			c.ConsumeOutput(c.Pending())
			if c.HandshakeComplete() && len(payload) > 0 {
				n, _ := c.Write(payload)
				payload = payload[n:]
			}
		}
		for {
			p, err := c.ReadLease()
			if err == io.EOF {
				var s [32]byte
				copy(s[:], h.Sum(nil))
				return s, total, nil
			}
			if err != nil {
				if errors.Is(err, ErrWouldBlock) {
					break
				}
				return [32]byte{}, total, err
			}
			h.Write(p)
			total += len(p)
			c.Consume(len(p))
		}
		if c.Pending() > 0 || (c.HandshakeComplete() && len(payload) > 0) {
			continue
		}
		n, err := nc.Read(buf)
		for off := 0; off < n; {
			k, ierr := c.Input(buf[off:n])
			if ierr != nil {
				for c.Pending() > 0 { // let the alert out
					nc.Write(c.OutputLease())
					c.ConsumeOutput(c.Pending())
				}
				return [32]byte{}, total, ierr
			}
			off += k
			if k == 0 {
				// Full: lend out plaintext first.
				for {
					p, err := c.ReadLease()
					if err != nil {
						break
					}
					h.Write(p)
					total += len(p)
					c.Consume(len(p))
				}
			}
		}
		if err != nil {
			c.InputEOF()
			if c.Err() != nil {
				return [32]byte{}, total, c.Err()
			}
		}
	}
}

func TestInteropGoServer(t *testing.T) {
	p := getPKI(t)
	payload := make([]byte, 100_000)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	want := sha256.Sum256(payload)
	suites := []uint16{TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256}
	groups := map[Group]tls.CurveID{X25519: tls.X25519, P256: tls.CurveP256}
	for _, certName := range []string{"ecdsa-p256", "ecdsa-p384", "rsa", "ed25519"} {
		for _, s := range suites {
			for g, gid := range groups {
				t.Run(fmt.Sprintf("%s/%04x/%04x", certName, s, g), func(t *testing.T) {
					nc, done := goServer(t, p.leaves[certName], []tls.CurveID{gid}, []string{"h2", "x-tlsx"}, int64(len(payload)))
					c, err := NewClient(&Config{ServerName: "server.test", RootCAs: p.roots, CipherSuites: []uint16{s},
						Groups: []Group{g}, NextProtos: []string{"x-tlsx"}})
					if err != nil {
						t.Fatal(err)
					}
					sum, n, err := run(c, nc, payload)
					if err != nil {
						t.Fatalf("run: %v (server: %v)", err, <-done)
					}
					if n != len(payload) || sum != want {
						t.Fatalf("echo: %d bytes, sha256 match %v", n, sum == want)
					}
					if err := <-done; err != nil {
						t.Fatalf("server: %v", err)
					}
					if c.CipherSuite() != s || c.NegotiatedProtocol() != "x-tlsx" || c.tickets == 0 {
						t.Fatalf("suite %04x alpn %q tickets %d", c.CipherSuite(), c.NegotiatedProtocol(), c.tickets)
					}
				})
			}
		}
	}
}

func TestInteropRefusals(t *testing.T) {
	p := getPKI(t)
	cases := []struct {
		name  string
		cert  string
		cfg   Config
		want  error
		alert Alert
	}{
		{"unknown CA", "ecdsa-p256", Config{ServerName: "server.test", RootCAs: p.otherRoots}, ErrUnknownCA, AlertUnknownCA},
		{"wrong host", "ecdsa-p256", Config{ServerName: "other.test", RootCAs: p.roots}, ErrHostName, AlertBadCertificate},
		{"expired", "expired", Config{ServerName: "server.test", RootCAs: p.roots}, ErrCertificateExpired, AlertCertificateExpired},
		{"not yet valid via Config.Time", "rsa", Config{ServerName: "server.test", RootCAs: p.roots,
			Time: func() time.Time { return time.Now().Add(-30 * 24 * time.Hour) }}, ErrCertificateExpired, AlertCertificateExpired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nc, done := goServer(t, p.leaves[tc.cert], nil, nil, 0)
			cfg := tc.cfg
			c, err := NewClient(&cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = run(c, nc, nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var e *Error
			if errors.As(err, &e); e.Alert != tc.alert {
				t.Fatalf("alert %v, want %v", e.Alert, tc.alert)
			}
			nc.Close()
			if serr := <-done; serr == nil {
				t.Fatal("server saw no error")
			}
		})
	}
}
