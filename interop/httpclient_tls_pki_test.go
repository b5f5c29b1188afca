package interop

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// hctPKI is a test CA made for one test, a server certificate it signed
// (for the kernel's address and server.test), an unrelated CA, and all of
// it as PEM files for peers configured by path (mosquitto).
type hctPKI struct {
	roots, other *x509.CertPool
	server       tls.Certificate
	caPEM        []byte
	dir          string
	caFile       string // the CA, PEM
	certFile     string // the server's chain, PEM
	keyFile      string // the server's key, PKCS#8 PEM
	ca           *x509.Certificate
	caKey        *ecdsa.PrivateKey
}

func hctNewPKI(t *testing.T, ips ...net.IP) *hctPKI {
	t.Helper()
	p := &hctPKI{roots: x509.NewCertPool(), other: x509.NewCertPool(), dir: t.TempDir()}
	var caDER []byte
	p.ca, p.caKey, caDER = hctCA(t, "legation interop CA")
	p.roots.AddCert(p.ca)
	other, _, _ := hctCA(t, "unrelated CA")
	p.other.AddCert(other)
	p.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	der, key := p.issue(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "server.test"},
		DNSNames:    []string{"server.test"},
		IPAddresses: ips,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	p.server = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	p.caFile = p.write(t, "ca.pem", p.caPEM)
	p.certFile = p.write(t, "server.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	p.keyFile = p.write(t, "server.key", hctKeyPEM(t, key))
	return p
}

// issue signs tmpl (its serial and validity filled in) with the CA.
func (p *hctPKI) issue(t *testing.T, tmpl *x509.Certificate) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore = time.Now().Add(-time.Hour)
	tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}

func (p *hctPKI) write(t *testing.T, name string, b []byte) string {
	t.Helper()
	f := filepath.Join(p.dir, name)
	if err := os.WriteFile(f, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func hctCA(t *testing.T, name string) (*x509.Certificate, *ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key, der
}

func hctKeyPEM(t *testing.T, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	b, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: b})
}
