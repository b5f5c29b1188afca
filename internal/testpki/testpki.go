// Package testpki makes throw-away X.509 PKIs for tests and benchmarks: a
// CA, leaf certificates it signs (server or client, any key type, with
// names and addresses, valid or out of their validity window), the pools
// that trust them, and their PEM encodings and files for peers configured
// by path (curl, mosquitto, openssl).
//
// It returns plain DER, *x509.Certificate and crypto.Signer (and
// tls.Certificate), never tlsx types, so tlsx's own in-package tests can
// use it without an import cycle; callers wrap a Leaf into a
// tlsx.Certificate with tlsx.Certificate{Chain: l.Chain, Key: l.Key}.
//
// Every function takes a TB (a *testing.T or *testing.B): a failure ends
// the test with Fatal. With a nil TB a failure panics, for code that has
// no test to fail (package-level benchmark setup).
//
// Keys are random and validity windows follow the clock, so two runs make
// different certificates; what is stable is their shape (names, key
// types, usages, chains), which is all the tests check. Tests that need
// fixed bytes (tlsx's RFC 8448 trace) keep their own fixed keys.
package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"sync/atomic"
	"time"
)

// TB is the part of testing.TB this package uses.
type TB interface {
	Helper()
	Fatal(args ...any)
}

// fail ends the test, or panics without one.
func fail(tb TB, err error) {
	if tb == nil {
		panic("testpki: " + err.Error())
	}
	tb.Helper()
	tb.Fatal("testpki: ", err)
}

// KeyType names a key algorithm.
type KeyType int

const (
	ECDSAP256 KeyType = iota // the default everywhere
	ECDSAP384
	RSA2048
	Ed25519
)

// String is the name tlsx's tests and the benchmarks print.
func (k KeyType) String() string {
	switch k {
	case ECDSAP256:
		return "ecdsa-p256"
	case ECDSAP384:
		return "ecdsa-p384"
	case RSA2048:
		return "rsa"
	case Ed25519:
		return "ed25519"
	}
	return fmt.Sprintf("KeyType(%d)", int(k))
}

// NewKey makes a fresh private key of type k.
func NewKey(tb TB, k KeyType) crypto.Signer {
	var (
		key crypto.Signer
		err error
	)
	switch k {
	case ECDSAP256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case RSA2048:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case Ed25519:
		_, key, err = ed25519.GenerateKey(rand.Reader)
	default:
		err = fmt.Errorf("unknown key type %v", k)
	}
	if err != nil {
		if tb != nil {
			tb.Helper()
		}
		fail(tb, err)
	}
	return key
}

// serial numbers every certificate of the process differently, so no two
// certificates of one issuer share one (OpenSSL's stores refuse that).
var serial atomic.Int64

// validity is the default window: from an hour ago (clock skew between
// the test and a peer) to a day from now.
func validity() (notBefore, notAfter time.Time) {
	now := time.Now()
	return now.Add(-time.Hour), now.Add(24 * time.Hour)
}

// CA is a self-signed ECDSA P-256 certificate authority.
type CA struct {
	Cert *x509.Certificate
	DER  []byte // Cert.Raw
	Key  crypto.Signer
}

// NewCA makes a CA named name (its subject's common name), valid from an
// hour ago to a day from now.
func NewCA(tb TB, name string) *CA {
	if tb != nil {
		tb.Helper()
	}
	key := NewKey(tb, ECDSAP256)
	nb, na := validity()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial.Add(1)),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             nb,
		NotAfter:              na,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	cert, der := create(tb, tmpl, tmpl, key.Public(), key)
	return &CA{Cert: cert, DER: der, Key: key}
}

// Pool is a pool that trusts the CA (and nothing else).
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// PEM is the CA's certificate in PEM.
func (ca *CA) PEM() []byte { return CertsPEM(ca.DER) }

// LeafOpts says what Leaf makes. The zero value is an ECDSA P-256 server
// certificate with no names, valid from an hour ago to a day from now.
type LeafOpts struct {
	// Name is the subject's common name. A server certificate also takes
	// it as its one DNS name when DNS is nil and Name is not an IP
	// address.
	Name string
	// DNS are the DNS names (subject alternative names).
	DNS []string
	// IPs are the IP addresses (subject alternative names).
	IPs []net.IP
	// Key is the leaf's key; nil makes a new key of type KeyType.
	Key     crypto.Signer
	KeyType KeyType
	// Client makes a client-auth certificate instead of a server one.
	Client bool
	// NotBefore and NotAfter replace the default validity window when
	// not zero (expired or not yet valid certificates).
	NotBefore, NotAfter time.Time
	// LeafOnly leaves the issuer out of Chain, as a server that sends
	// only its own certificate.
	LeafOnly bool
}

// Leaf is a certificate and its key.
type Leaf struct {
	Cert  *x509.Certificate
	DER   []byte // Cert.Raw
	Key   crypto.Signer
	Chain [][]byte // DER, then the issuer's certificate unless LeafOnly or self-signed
}

// Leaf makes a certificate signed by the CA.
func (ca *CA) Leaf(tb TB, o LeafOpts) *Leaf {
	if tb != nil {
		tb.Helper()
	}
	key, tmpl := leafTemplate(tb, o)
	cert, der := create(tb, tmpl, ca.Cert, key.Public(), ca.Key)
	l := &Leaf{Cert: cert, DER: der, Key: key, Chain: [][]byte{der}}
	if !o.LeafOnly {
		l.Chain = append(l.Chain, ca.DER)
	}
	return l
}

// SelfSigned makes a certificate that is its own CA: a leaf for o's names
// that a pool of its own (Pool) trusts directly.
func SelfSigned(tb TB, o LeafOpts) *Leaf {
	if tb != nil {
		tb.Helper()
	}
	key, tmpl := leafTemplate(tb, o)
	tmpl.KeyUsage |= x509.KeyUsageCertSign
	tmpl.BasicConstraintsValid = true
	tmpl.IsCA = true
	cert, der := create(tb, tmpl, tmpl, key.Public(), key)
	return &Leaf{Cert: cert, DER: der, Key: key, Chain: [][]byte{der}}
}

func leafTemplate(tb TB, o LeafOpts) (crypto.Signer, *x509.Certificate) {
	key := o.Key
	if key == nil {
		key = NewKey(tb, o.KeyType)
	}
	nb, na := validity()
	if !o.NotBefore.IsZero() {
		nb = o.NotBefore
	}
	if !o.NotAfter.IsZero() {
		na = o.NotAfter
	}
	dns := o.DNS
	if dns == nil && !o.Client && o.Name != "" && net.ParseIP(o.Name) == nil {
		dns = []string{o.Name}
	}
	eku := x509.ExtKeyUsageServerAuth
	if o.Client {
		eku = x509.ExtKeyUsageClientAuth
	}
	return key, &x509.Certificate{
		SerialNumber: big.NewInt(serial.Add(1)),
		Subject:      pkix.Name{CommonName: o.Name},
		DNSNames:     dns,
		IPAddresses:  o.IPs,
		NotBefore:    nb,
		NotAfter:     na,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{eku},
	}
}

// Pool is a pool that trusts l itself (for a self-signed Leaf).
func (l *Leaf) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(l.Cert)
	return p
}

// TLS is the leaf as crypto/tls wants it, Leaf filled in as
// tls.X509KeyPair does.
func (l *Leaf) TLS() tls.Certificate {
	return tls.Certificate{Certificate: l.Chain, PrivateKey: l.Key, Leaf: l.Cert}
}

// CertPEM is Chain in PEM, leaf first.
func (l *Leaf) CertPEM() []byte { return CertsPEM(l.Chain...) }

// KeyPEM is the key in PKCS#8 PEM ("PRIVATE KEY").
func (l *Leaf) KeyPEM(tb TB) []byte {
	if tb != nil {
		tb.Helper()
	}
	return KeyPEM(tb, l.Key)
}

func create(tb TB, tmpl, parent *x509.Certificate, pub any, signer crypto.Signer) (*x509.Certificate, []byte) {
	if tb != nil {
		tb.Helper()
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		fail(tb, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		fail(tb, err)
	}
	return cert, der
}
