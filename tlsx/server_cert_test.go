package tlsx

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/seed947b3480/legation/internal/testpki"
)

func TestLoadCertificate(t *testing.T) {
	p := getServerPKI(t)
	chainPEM := func(name string) []byte { return testpki.CertsPEM(p.leaves[name].Certificate...) }
	pkcs8 := func(k any) []byte { return testpki.KeyPEM(t, k) }
	ecKey := p.leaves["ecdsa-p256"].PrivateKey.(*ecdsa.PrivateKey)
	sec1, _ := x509.MarshalECPrivateKey(ecKey)
	rsaKey := p.leaves["rsa"].PrivateKey.(*rsa.PrivateKey)
	for _, tc := range []struct {
		name      string
		cert, key []byte
		ok        bool
	}{
		{"PKCS#8 ECDSA", chainPEM("ecdsa-p256"), pkcs8(ecKey), true},
		{"SEC1 ECDSA", chainPEM("ecdsa-p256"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}), true},
		{"PKCS#1 RSA", chainPEM("rsa"), pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)}), true},
		{"PKCS#8 Ed25519", chainPEM("ed25519"), pkcs8(p.leaves["ed25519"].PrivateKey), true},
		{"key of another leaf", chainPEM("rsa"), pkcs8(ecKey), false},
		{"no certificate", nil, pkcs8(ecKey), false},
		{"no key", chainPEM("ecdsa-p256"), []byte("garbage"), false},
		{"broken key", chainPEM("ecdsa-p256"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2}}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := LoadCertificate(tc.cert, tc.key)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v", err)
			}
			if tc.ok && (len(c.Chain) != 2 || c.Key == nil) {
				t.Fatalf("chain %d key %v", len(c.Chain), c.Key)
			}
		})
	}
}

func TestNewServerRefusesBadConfig(t *testing.T) {
	p := getServerPKI(t)
	good := p.certs["ecdsa-p256"]
	_, weak, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		name string
		cfg  *Config
	}{
		{"nil", nil},
		{"no certificates", &Config{}},
		{"no key", &Config{Certificates: []Certificate{{Chain: good.Chain}}}},
		{"no chain", &Config{Certificates: []Certificate{{Key: weak}}}},
		{"verify without ClientCAs", &Config{Certificates: []Certificate{good}, ClientAuth: RequireAndVerifyClientCert}},
		{"unknown suite", &Config{Certificates: []Certificate{good}, CipherSuites: []uint16{0x1305}}},
		{"unknown group", &Config{Certificates: []Certificate{good}, Groups: []Group{0x0018}}},
	} {
		if _, err := NewServer(tc.cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
}

// TestServerPicksCertificate: by SNI among several chains, and by the
// client's signature_algorithms.
func TestServerPicksCertificate(t *testing.T) {
	p := getServerPKI(t)
	ol := p.ca.Leaf(t, testpki.LeafOpts{Name: "other.test", LeafOnly: true})
	other := Certificate{Chain: ol.Chain, Key: ol.Key}
	cfg := &Config{Certificates: []Certificate{other, p.certs["rsa"], p.certs["ed25519"]}}
	for _, tc := range []struct {
		name   string
		sni    string
		algs   []uint16
		want   []byte
		scheme uint16
	}{
		{"by name", "server.test", []uint16{sigECDSAP256SHA256, sigRSAPSSRSAE256, sigEd25519}, p.certs["rsa"].Chain[0], sigRSAPSSRSAE256},
		{"by name and scheme", "server.test", []uint16{sigEd25519, sigECDSAP256SHA256}, p.certs["ed25519"].Chain[0], sigEd25519},
		{"other name", "other.test", defaultSigAlgs, other.Chain[0], sigECDSAP256SHA256},
		{"unknown name: first usable", "nobody.test", []uint16{sigEd25519}, p.certs["ed25519"].Chain[0], sigEd25519},
		{"RSA-PSS SHA-384 only", "", []uint16{sigRSAPSSRSAE384}, p.certs["rsa"].Chain[0], sigRSAPSSRSAE384},
		{"nothing usable", "server.test", []uint16{0x0401}, nil, 0},
	} {
		c := &Conn{cfg: cfg}
		got, scheme := c.srvPickCert(tc.sni, tc.algs)
		if got == nil && tc.want != nil || got != nil && (!bytes.Equal(got.Chain[0], tc.want) || scheme != tc.scheme) {
			t.Errorf("%s: got scheme %04x", tc.name, scheme)
		}
	}
	// And over the wire, crypto/tls sees the chain for its SNI.
	ccfg := goClientConfig(p)
	ccfg.ServerName = "other.test"
	_, r, _, _, err := runGoClient(t, cfg, ccfg, []byte("x"))
	if err != nil || r.err != nil || !bytes.Equal(r.state.PeerCertificates[0].Raw, other.Chain[0]) {
		t.Fatalf("server %v client %v", err, r.err)
	}
}

// TestServerSignsEveryScheme: each key type signs with each scheme the
// client may ask for, and the signature verifies.
func TestServerSignsEveryScheme(t *testing.T) {
	p := getServerPKI(t)
	msg := certVerifyContent(true, bytes.Repeat([]byte{1}, 32))
	for name, crt := range p.certs {
		for _, s := range keySchemes(crt.Key.Public()) {
			sig, err := signHandshake(crt.Key, s, rand.Reader, msg)
			if err != nil {
				t.Fatalf("%s %04x: %v", name, s, err)
			}
			if err := verifySignature(crt.Key.Public(), s, msg, sig); err != nil {
				t.Fatalf("%s %04x: %v", name, s, err)
			}
		}
	}
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if s := keySchemes(p521.Public()); len(s) != 1 || s[0] != sigECDSAP521SHA512 {
		t.Fatal("P-521 schemes")
	}
	var _ crypto.Signer = p521
	_ = tls.VersionTLS13
}
