package tlsx

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"time"
)

// Config is what a client needs to know. A Config may be shared by many
// Conns and must not change while they use it.
type Config struct {
	// ServerName is sent in SNI (unless it is an IP literal) and is the
	// name the certificate must carry.
	ServerName string
	// RootCAs are the trust anchors. Required unless
	// SkipCertificateVerification: tlsx never falls back to a system pool.
	RootCAs *x509.CertPool
	// SkipCertificateVerification turns off the chain, host name and
	// validity checks of the server's certificate. The CertificateVerify
	// signature is still checked against the certificate's key, which then
	// proves nothing about who the peer is. For tests and lab use only.
	SkipCertificateVerification bool
	// NextProtos are the ALPN protocols offered, most preferred first.
	NextProtos []string
	// CipherSuites offered, in preference order; nil means all three.
	CipherSuites []uint16
	// Groups for which a key share is sent; nil means X25519 then P-256.
	Groups []Group
	// Time gives the time for certificate validity; nil means time.Now.
	Time func() time.Time
	// Rand is the randomness source; nil means crypto/rand.Reader.
	Rand io.Reader
	// MaxHandshakeMessage bounds one handshake message (a certificate
	// chain, usually); 0 means 64 KiB.
	MaxHandshakeMessage int

	// testHello replaces the ClientHello's advertised lists, for the RFC
	// 8448 trace whose client offers groups and algorithms tlsx lacks.
	testHello *helloShape
}

var errNoRoots = errors.New("Config.RootCAs is nil and SkipCertificateVerification is false")
var errNoName = errors.New("Config.ServerName is empty and SkipCertificateVerification is false")

// RootsFromPEM makes a root pool from PEM certificates.
func RootsFromPEM(pemCerts []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	n := 0
	for len(pemCerts) > 0 {
		var b *pem.Block
		b, pemCerts = pem.Decode(pemCerts)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		pool.AddCert(c)
		n++
	}
	if n == 0 {
		return nil, errors.New("tlsx: no certificate in PEM input")
	}
	return pool, nil
}

// RootsFromDER makes a root pool from DER certificates.
func RootsFromDER(der ...[]byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	for _, d := range der {
		c, err := x509.ParseCertificate(d)
		if err != nil {
			return nil, err
		}
		pool.AddCert(c)
	}
	return pool, nil
}
