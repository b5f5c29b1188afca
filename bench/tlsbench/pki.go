package tlsbench

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"sync"
	"time"
)

// serverName is the name in every leaf's SAN, sent in SNI and checked by
// both clients.
const serverName = "server.test"

// certKind names a server certificate: the leaf's key type (no trailing
// "-digits" in the name, which benchstat would take for GOMAXPROCS). The CA is
// ECDSA P-256 in both cases, so only the leaf's CertificateVerify and the
// chain's last signature check change with it.
type certKind string

const (
	certECDSA certKind = "ECDSAP256"
	certRSA   certKind = "RSA2048"
)

// pki is a test CA and one leaf per certKind, each usable by both
// implementations: the same DER chain and the same key.
type pki struct {
	caDER  []byte
	roots  *x509.CertPool
	leaves map[certKind]leaf
}

type leaf struct {
	chain  [][]byte // leaf, then the CA (sent as a real server would)
	key    crypto.Signer
	parsed *x509.Certificate
}

var (
	pkiOnce sync.Once
	pkiVal  *pki
	pkiErr  error
)

// getPKI makes the CA and leaves once per process: RSA key generation
// alone takes longer than many handshakes.
func getPKI() (*pki, error) {
	pkiOnce.Do(func() { pkiVal, pkiErr = makePKI() })
	return pkiVal, pkiErr
}

func makePKI() (*pki, error) {
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tlsbench test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	p := &pki{caDER: caDER, roots: x509.NewCertPool(), leaves: map[certKind]leaf{}}
	p.roots.AddCert(ca)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	for i, k := range []struct {
		kind certKind
		key  crypto.Signer
	}{{certECDSA, ecKey}, {certRSA, rsaKey}} {
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(int64(2 + i)),
			Subject:      pkix.Name{CommonName: serverName},
			DNSNames:     []string{serverName},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, k.key.Public(), caKey)
		if err != nil {
			return nil, err
		}
		parsed, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, err
		}
		p.leaves[k.kind] = leaf{chain: [][]byte{der, caDER}, key: k.key, parsed: parsed}
	}
	return p, nil
}

// tlsCertificate is the leaf as crypto/tls wants it, its Leaf filled in
// as tls.X509KeyPair does, so no handshake parses it again.
func (l leaf) tlsCertificate() tls.Certificate {
	return tls.Certificate{Certificate: l.chain, PrivateKey: l.key, Leaf: l.parsed}
}
