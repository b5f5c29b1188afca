package tlsx

import (
	"bytes"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"net"
	"strings"
	"testing"

	"golang.org/x/crypto/cryptobyte"
)

// serverHelloRecord builds a plaintext ServerHello (or, with the retry
// random, HelloRetryRequest) record. share nil with group != 0 is the
// retry form of key_share.
func serverHelloRecord(random []byte, suite uint16, group Group, share, cookie []byte, extra ...byte) []byte {
	var b cryptobyte.Builder
	b.AddUint8(contentHandshake)
	b.AddUint16(0x0303)
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		b.AddUint8(typeServerHello)
		b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint16(0x0303)
			b.AddBytes(random)
			b.AddUint8(0)
			b.AddUint16(suite)
			b.AddUint8(0)
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
				b.AddUint16(extSupportedVersions)
				b.AddUint16(2)
				b.AddUint16(versionTLS13)
				if group != 0 {
					b.AddUint16(extKeyShare)
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
						b.AddUint16(uint16(group))
						if share != nil {
							b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(share) })
						}
					})
				}
				b.AddBytes(extra)
				if cookie != nil {
					b.AddUint16(extCookie)
					b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
						b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(cookie) })
					})
				}
			})
		})
	})
	return b.BytesOrPanic()
}

func hrrRecord(suite uint16, group Group, cookie []byte) []byte {
	return serverHelloRecord(helloRetryRandom[:], suite, group, nil, cookie)
}

// helloShares returns the groups of the key shares in a ClientHello record,
// its random and its cookie, read with the server's parser.
func helloShares(t *testing.T, rec []byte) (groups []Group, random []byte, cookie []byte) {
	t.Helper()
	m := parseHelloRecord(t, rec)
	for _, ks := range m.shares {
		groups = append(groups, ks.group)
	}
	return groups, m.random, m.cookie
}

// parseHelloRecord parses a ClientHello record of one record with the
// server's strict parser.
func parseHelloRecord(t *testing.T, rec []byte) *clientHelloMsg {
	t.Helper()
	m, e := parseClientHello(rec[5:])
	if e != nil {
		t.Fatalf("ClientHello does not parse: %v: %x", e, rec)
	}
	return m
}

func hrrClient(t *testing.T) (*Conn, []byte) {
	t.Helper()
	c, err := NewClient(&Config{SkipCertificateVerification: true})
	if err != nil {
		t.Fatal(err)
	}
	return c, drain(c)
}

func TestKeySharesDefault(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want []Group
	}{{0, []Group{X25519}}, {1, []Group{X25519}}, {2, []Group{X25519, P256}}, {5, []Group{X25519, P256}}} {
		c, err := NewClient(&Config{SkipCertificateVerification: true, KeyShares: tc.n})
		if err != nil {
			t.Fatal(err)
		}
		if got, _, _ := helloShares(t, drain(c)); len(got) != len(tc.want) || got[0] != tc.want[0] {
			t.Errorf("KeyShares %d: shares %v, want %v", tc.n, got, tc.want)
		}
	}
}

func TestHelloRetryAccepted(t *testing.T) {
	c, ch1 := hrrClient(t)
	_, random1, _ := helloShares(t, ch1)
	feed(t, c, hrrRecord(TLS_AES_256_GCM_SHA384, P256, []byte("cookie!")))
	ch2 := drain(c)
	groups, random2, cookie := helloShares(t, ch2)
	if len(groups) != 1 || groups[0] != P256 || !bytes.Equal(random1, random2) || string(cookie) != "cookie!" {
		t.Fatalf("ClientHello2: shares %v, same random %v, cookie %q", groups, bytes.Equal(random1, random2), cookie)
	}
	if len(ch2) >= 5+256 && len(ch2) < 5+512 {
		t.Fatalf("ClientHello2 of %d bytes is not padded out of 256..511", len(ch2)-5)
	}
	// A cookie-only retry keeps the shares.
	c2, _ := hrrClient(t)
	feed(t, c2, hrrRecord(TLS_AES_128_GCM_SHA256, 0, []byte{1}))
	if groups, _, cookie := helloShares(t, drain(c2)); len(groups) != 1 || groups[0] != X25519 || !bytes.Equal(cookie, []byte{1}) {
		t.Fatalf("cookie-only retry: %v %x", groups, cookie)
	}
}

func TestHelloRetryRefusals(t *testing.T) {
	p256, _ := ecdh.P256().GenerateKey(rand.Reader)
	x, _ := ecdh.X25519().GenerateKey(rand.Reader)
	random := make([]byte, 32)
	cases := []struct {
		name  string
		in    [][]byte
		want  error
		alert Alert
	}{
		{"second HRR", [][]byte{hrrRecord(0x1301, P256, nil), hrrRecord(0x1301, 0, []byte{1})}, ErrHelloRetry, AlertUnexpectedMessage},
		{"group already shared", [][]byte{hrrRecord(0x1301, X25519, nil)}, ErrHelloRetry, AlertIllegalParameter},
		{"group not offered", [][]byte{hrrRecord(0x1301, 0x0018, nil)}, ErrHelloRetry, AlertIllegalParameter},
		{"no change", [][]byte{hrrRecord(0x1301, 0, nil)}, ErrHelloRetry, AlertIllegalParameter},
		{"cookie too long", [][]byte{hrrRecord(0x1301, P256, make([]byte, maxCookie+1))}, ErrHelloRetry, AlertIllegalParameter},
		{"suite not offered", [][]byte{hrrRecord(0x1304, P256, nil)}, ErrUnsupportedSuite, AlertIllegalParameter},
		{"suite changed after HRR", [][]byte{hrrRecord(0x1301, P256, nil),
			serverHelloRecord(random, 0x1302, P256, p256.PublicKey().Bytes(), nil)}, ErrHelloRetry, AlertIllegalParameter},
		{"group changed after HRR", [][]byte{hrrRecord(0x1301, P256, nil),
			serverHelloRecord(random, 0x1301, X25519, x.PublicKey().Bytes(), nil)}, ErrUnsupportedGroup, AlertIllegalParameter},
		{"cookie in ServerHello", [][]byte{hrrRecord(0x1301, P256, nil),
			serverHelloRecord(random, 0x1301, P256, p256.PublicKey().Bytes(), []byte{1})}, ErrIllegalParameter, AlertIllegalParameter},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := hrrClient(t)
			for _, rec := range tc.in[:len(tc.in)-1] {
				feed(t, c, rec)
				drain(c)
			}
			expectFail(t, c, tc.in[len(tc.in)-1], tc.want, tc.alert)
		})
	}
}

// recConn records what the server sent, to see its HelloRetryRequest.
type recConn struct {
	net.Conn
	got []byte
}

func (r *recConn) Read(p []byte) (int, error) {
	n, err := r.Conn.Read(p)
	if len(r.got) < 4096 {
		r.got = append(r.got, p[:n]...)
	}
	return n, err
}

// TestHelloRetryGoServer: crypto/tls wants P-256, the client shares only
// X25519 first, so the server retries.
func TestHelloRetryGoServer(t *testing.T) {
	p := getPKI(t)
	payload := bytes.Repeat([]byte("retry "), 5000)
	for _, s := range []uint16{TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384} {
		nc, done := goServer(t, p.leaves["ecdsa-p256"], []tls.CurveID{tls.CurveP256}, nil, int64(len(payload)))
		rc := &recConn{Conn: nc}
		c, err := NewClient(&Config{ServerName: "server.test", RootCAs: p.roots, CipherSuites: []uint16{s}})
		if err != nil {
			t.Fatal(err)
		}
		sum, n, err := run(c, rc, payload)
		if err != nil {
			t.Fatalf("run: %v (server: %v)", err, <-done)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if sum != sha256.Sum256(payload) || n != len(payload) || c.CipherSuite() != s {
			t.Fatalf("echo %d bytes, suite %04x", n, c.CipherSuite())
		}
		if !bytes.Contains(rc.got, helloRetryRandom[:]) {
			t.Fatal("the server sent no HelloRetryRequest")
		}
	}
}

func TestClientHelloPadding(t *testing.T) {
	// RFC 8448 section 4: 421 bytes before padding, 87 bytes of padding.
	if n := paddingLen(421); n != 87 {
		t.Fatalf("paddingLen(421) = %d", n)
	}
	padded := 0
	for n := 0; n < 400; n += 7 {
		name := strings.Repeat("a", n) + ".test"
		for _, alpn := range [][]string{nil, {"h2", "http/1.1"}} {
			c, err := NewClient(&Config{ServerName: name, SkipCertificateVerification: true, NextProtos: alpn, KeyShares: 2})
			if err != nil {
				t.Fatal(err)
			}
			ch := drain(c)
			if l := len(ch) - 5; l >= 256 && l < 512 {
				t.Fatalf("name of %d bytes: ClientHello of %d bytes", len(name), l)
			}
			if helloHasExt(t, ch, extPadding) {
				padded++
			}
		}
	}
	if padded == 0 {
		t.Fatal("no hello needed padding: the test proves nothing")
	}
}

// helloHasExt reports whether a ClientHello record carries extension typ.
// (Not with parseClientHello: the padding test's host names are longer
// than a server accepts.)
func helloHasExt(t *testing.T, rec []byte, typ uint16) bool {
	t.Helper()
	s := cryptobyte.String(rec[5+4:])
	var sid, suites, comp, exts cryptobyte.String
	if !s.Skip(2+32) || !s.ReadUint8LengthPrefixed(&sid) || !s.ReadUint16LengthPrefixed(&suites) ||
		!s.ReadUint8LengthPrefixed(&comp) || !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		t.Fatalf("ClientHello does not parse: %x", rec)
	}
	for !exts.Empty() {
		var x uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&x) || !exts.ReadUint16LengthPrefixed(&data) {
			t.Fatal("bad extension")
		}
		if x == typ {
			return true
		}
	}
	return false
}
