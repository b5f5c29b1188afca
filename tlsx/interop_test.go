package tlsx

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

// testPKI is a CA and server leaves of each key type, made once.
type testPKI struct {
	ca, otherCA *x509.Certificate
	caKey       crypto.Signer
	roots       *x509.CertPool
	otherRoots  *x509.CertPool
	leaves      map[string]tls.Certificate
}

var (
	pkiOnce sync.Once
	pki     testPKI
)

func mkCert(t testing.TB, tmpl, parent *x509.Certificate, pub any, signer crypto.Signer) *x509.Certificate {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func getPKI(t testing.TB) *testPKI {
	pkiOnce.Do(func() {
		now := time.Now()
		mkCA := func(name string) (*x509.Certificate, crypto.Signer) {
			k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
				NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true,
				BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
			return mkCert(t, tmpl, tmpl, k.Public(), k), k
		}
		pki.ca, pki.caKey = mkCA("tlsx test CA")
		pki.otherCA, _ = mkCA("someone else")
		pki.roots = x509.NewCertPool()
		pki.roots.AddCert(pki.ca)
		pki.otherRoots = x509.NewCertPool()
		pki.otherRoots.AddCert(pki.otherCA)
		pki.leaves = map[string]tls.Certificate{}
		p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
		_, edKey, _ := ed25519.GenerateKey(rand.Reader)
		keys := map[string]crypto.Signer{"ecdsa-p256": p256, "ecdsa-p384": p384, "rsa": rsaKey, "ed25519": edKey, "expired": p256}
		serial := int64(10)
		for name, k := range keys {
			serial++
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "server.test"},
				DNSNames: []string{"server.test"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
				KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
			if name == "expired" {
				tmpl.NotBefore, tmpl.NotAfter = now.Add(-48*time.Hour), now.Add(-24*time.Hour)
			}
			leaf := mkCert(t, tmpl, pki.ca, k.Public(), pki.caKey)
			pki.leaves[name] = tls.Certificate{Certificate: [][]byte{leaf.Raw, pki.ca.Raw}, PrivateKey: k, Leaf: leaf}
		}
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
