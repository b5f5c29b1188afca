package tlsbench

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"strings"
	"testing"

	"github.com/seed947b3480/legation/tlsx"
)

// TestHandshakes runs every handshake case twice over one link and checks
// what was negotiated: TLS 1.3, AES-128-GCM, the group asked for (never a
// post-quantum hybrid), the leaf served, and an empty link afterwards.
func TestHandshakes(t *testing.T) {
	p := mustPKI(t)
	for _, im := range handshakeImpls {
		for _, g := range groups {
			for _, cert := range certKinds {
				t.Run(fmt.Sprintf("impl=%s/group=%s/cert=%s", im.name, g.name, cert), func(t *testing.T) {
					op := im.prepare(p, g, cert)
					l := newLink()
					for range 2 {
						pr, err := op(l)
						if err != nil {
							t.Fatal(err)
						}
						checkPair(t, pr, g, p.leaves[cert].chain[0])
						if n, m := l.c2s.len(), l.s2c.len(); n != 0 || m != 0 {
							t.Fatalf("link not empty after the handshake: %d and %d bytes", n, m)
						}
					}
				})
			}
		}
	}
}

// checkPair checks one established pair, whichever implementations.
func checkPair(t *testing.T, pr pair, g group, leafDER []byte) {
	t.Helper()
	for _, side := range []any{pr.client, pr.server} {
		switch c := side.(type) {
		case *tls.Conn:
			cs := c.ConnectionState()
			if !cs.HandshakeComplete || cs.Version != tls.VersionTLS13 || cs.DidResume {
				t.Fatalf("crypto/tls state: complete %v version %x resumed %v", cs.HandshakeComplete, cs.Version, cs.DidResume)
			}
			if cs.CipherSuite != tls.TLS_AES_128_GCM_SHA256 {
				t.Fatalf("crypto/tls suite %s", tls.CipherSuiteName(cs.CipherSuite))
			}
			if cs.CurveID != g.curve {
				t.Fatalf("crypto/tls group %v, want %v", cs.CurveID, g.curve)
			}
			if c == pr.client && (len(cs.PeerCertificates) == 0 || !bytes.Equal(cs.PeerCertificates[0].Raw, leafDER)) {
				t.Fatal("crypto/tls client did not get the leaf")
			}
		case *tlsx.Conn:
			if !c.HandshakeComplete() || c.Err() != nil {
				t.Fatalf("tlsx: complete %v, err %v", c.HandshakeComplete(), c.Err())
			}
			if c.CipherSuite() != tlsx.TLS_AES_128_GCM_SHA256 {
				t.Fatalf("tlsx suite %04x", c.CipherSuite())
			}
			if c == pr.client && (len(c.PeerCertificates()) == 0 || !bytes.Equal(c.PeerCertificates()[0], leafDER)) {
				t.Fatal("tlsx client did not get the leaf")
			}
		default:
			t.Fatalf("unexpected conn type %T", side)
		}
	}
}

// TestClientsVerify shows that both clients check the chain and the host
// name in these handshakes: a name the leaf does not carry fails them.
func TestClientsVerify(t *testing.T) {
	p := mustPKI(t)
	g := groups[0]
	cc, sc := cryptoTLSConfigs(p, g, certECDSA)
	cc.ServerName = "other.test"
	if _, _, err := cryptoTLSHandshake(newLink(), cc, sc); err == nil {
		t.Error("crypto/tls client accepted a leaf for another name")
	}
	xc := tlsxClientConfig(p, g, nil)
	xc.ServerName = "other.test"
	if _, _, err := tlsxClientCryptoServer(newLink(), xc, sc); err == nil {
		t.Error("tlsx client accepted a leaf for another name (crypto/tls server)")
	}
	if _, _, err := tlsxHandshake(newLink(), xc, tlsxServerConfig(p, g, certECDSA, nil)); err == nil {
		t.Error("tlsx client accepted a leaf for another name (tlsx server)")
	}
}

// TestBulk sends 64 distinct full records through every bulk case and
// compares the SHA-256 of what the server read with what was sent.
func TestBulk(t *testing.T) {
	for _, im := range bulkImpls {
		for _, s := range im.suites {
			t.Run(fmt.Sprintf("impl=%s/suite=%s", im.name, s.name), func(t *testing.T) {
				got := sha256.New()
				want := sha256.New()
				op := im.start(t, s, got)
				for i := range 64 {
					msg := pattern(recordSize, byte(i))
					want.Write(msg)
					if err := op(msg); err != nil {
						t.Fatalf("record %d: %v", i, err)
					}
				}
				if !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
					t.Fatal("SHA-256 of the data read differs from the data sent")
				}
			})
		}
	}
}

// TestIdleBytes measures the heap of established idle connections that
// have carried a record each way (as the handshake benchmark reports it
// in B/usedconn) and fails if a connection holds
// nothing, which would mean the measurement is broken, or if a tlsx
// connection holds more than its two record buffers and a margin.
func TestIdleBytes(t *testing.T) {
	p := mustPKI(t)
	for _, im := range handshakeImpls {
		t.Run("impl="+im.name, func(t *testing.T) {
			cli, srv := idleBytes(t, im.prepare(p, groups[0], certECDSA), 50, true)
			t.Logf("after one record each way: client %.0f B/conn, server %.0f B/conn", cli, srv)
			if cli <= 0 || srv <= 0 {
				t.Fatalf("measured %.0f and %.0f bytes per connection", cli, srv)
			}
			// tlsx holds a full record's buffer each way (18 KiB each
			// with the size class) and a few KiB of keys and state.
			const tlsxMax = 48 << 10
			if cli > tlsxMax && strings.HasPrefix(im.name, "tlsx") {
				t.Errorf("a tlsx client holds %.0f bytes, more than %d", cli, tlsxMax)
			}
			if srv > tlsxMax && im.name == "tlsx" {
				t.Errorf("a tlsx server holds %.0f bytes, more than %d", srv, tlsxMax)
			}
		})
	}
}
