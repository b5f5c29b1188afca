package testpki

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Every key type chains to its CA for its names, and to no other CA; the
// PEM forms load back with crypto/tls.
func TestLeafVerifies(t *testing.T) {
	ca, other := NewCA(t, "test CA"), NewCA(t, "other CA")
	for _, kt := range []KeyType{ECDSAP256, ECDSAP384, RSA2048, Ed25519} {
		t.Run(kt.String(), func(t *testing.T) {
			l := ca.Leaf(t, LeafOpts{Name: "server.test", IPs: []net.IP{net.IPv4(10, 0, 0, 2)}, KeyType: kt})
			switch k := l.Key.(type) {
			case *ecdsa.PrivateKey:
				if want := map[KeyType]int{ECDSAP256: 256, ECDSAP384: 384}[kt]; k.Curve.Params().BitSize != want {
					t.Fatalf("curve %d bits, want %d", k.Curve.Params().BitSize, want)
				}
			case *rsa.PrivateKey:
				if kt != RSA2048 || k.N.BitLen() != 2048 {
					t.Fatalf("RSA %d bits for %v", k.N.BitLen(), kt)
				}
			case ed25519.PrivateKey:
				if kt != Ed25519 {
					t.Fatalf("Ed25519 for %v", kt)
				}
			}
			for _, host := range []string{"server.test", "10.0.0.2"} {
				if _, err := l.Cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: host}); err != nil {
					t.Errorf("%s: %v", host, err)
				}
			}
			if _, err := l.Cert.Verify(x509.VerifyOptions{Roots: other.Pool(), DNSName: "server.test"}); err == nil {
				t.Error("verified against an unrelated CA")
			}
			if len(l.Chain) != 2 || string(l.Chain[1]) != string(ca.DER) {
				t.Errorf("chain of %d", len(l.Chain))
			}
			kp, err := tls.X509KeyPair(l.CertPEM(), l.KeyPEM(t))
			if err != nil || len(kp.Certificate) != 2 || string(kp.Certificate[0]) != string(l.DER) {
				t.Fatalf("X509KeyPair: %v", err)
			}
		})
	}
}

func TestClientExpiredSelfSigned(t *testing.T) {
	ca := NewCA(t, "test CA")
	c := ca.Leaf(t, LeafOpts{Name: "client.test", Client: true, LeafOnly: true})
	if len(c.Chain) != 1 || c.Cert.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth || len(c.Cert.DNSNames) != 0 {
		t.Fatalf("chain %d, usage %v", len(c.Chain), c.Cert.ExtKeyUsage)
	}
	if _, err := c.Cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	old := ca.Leaf(t, LeafOpts{Name: "server.test", NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-24 * time.Hour)})
	var inv x509.CertificateInvalidError
	if _, err := old.Cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: "server.test"}); !errors.As(err, &inv) || inv.Reason != x509.Expired {
		t.Fatalf("expired: %v", err)
	}
	if old.Cert.SerialNumber.Cmp(c.Cert.SerialNumber) == 0 {
		t.Fatal("two certificates share a serial")
	}
	s := SelfSigned(t, LeafOpts{Name: "10.9.0.1", IPs: []net.IP{net.IPv4(10, 9, 0, 1)}})
	if len(s.Cert.DNSNames) != 0 {
		t.Fatalf("an address as Name became DNS names %v", s.Cert.DNSNames)
	}
	if _, err := s.Cert.Verify(x509.VerifyOptions{Roots: s.Pool(), DNSName: "10.9.0.1"}); err != nil {
		t.Fatal(err)
	}
	f := WriteFile(t, t.TempDir(), "ca.pem", ca.PEM())
	if b, err := os.ReadFile(f); err != nil || filepath.Base(f) != "ca.pem" || string(b) != string(ca.PEM()) {
		t.Fatalf("WriteFile: %v", err)
	}
}

// With no TB a failure panics rather than dereferencing nil.
func TestNilTBPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	NewKey(nil, KeyType(99))
}
