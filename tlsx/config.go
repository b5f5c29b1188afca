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
	// Time gives the time for certificate validity and session ticket
	// ages, the only clock the engine reads; nil means time.Now. On
	// legation's reactor, set it from the reactor's clock.
	Time func() time.Time
	// Rand is the randomness source; nil means crypto/rand.Reader.
	Rand io.Reader
	// MaxHandshakeMessage bounds one handshake message (a certificate
	// chain, usually); 0 means 64 KiB.
	MaxHandshakeMessage int
	// KeyShares is how many of Groups, from the first, get a key share in
	// a client's first ClientHello; 0 means 1. A server that wants another
	// of Groups asks for it with a HelloRetryRequest, which costs a round
	// trip; sending every share costs a key generation each instead.
	KeyShares int
	// SessionCache keeps a client's session tickets for resumption; nil
	// means no resumption. See NewSessionCache.
	SessionCache SessionCache
	// MaxTicketSize bounds the session tickets a client keeps; a larger
	// one is ignored. 0 means 4 KiB, and more than 16 KiB counts as 16
	// KiB (crypto/tls's tickets are about 200 bytes, OpenSSL's about 250).
	MaxTicketSize int

	// Certificates are, on a server, the chains it can serve: the first
	// whose leaf matches the client's SNI and whose key signs with a
	// scheme the client accepts, else the first whose key does. On a
	// client they are offered when the server asks for a certificate.
	Certificates []Certificate
	// ClientAuth is a server's client certificate policy; the zero value
	// asks for none.
	ClientAuth ClientAuth
	// ClientCAs are a server's roots for verifying client certificates.
	ClientCAs *x509.CertPool
	// TicketKeys seal a server's session tickets; nil means the server
	// sends no NewSessionTicket and resumes nothing.
	TicketKeys *TicketKeys
	// TicketLifetime is how long a server's tickets resume; 0 means
	// DefaultTicketLifetime (24 h), and RFC 8446 caps it at 7 days.
	TicketLifetime time.Duration

	// RecordSizeLimit is the record_size_limit this end advertises (RFC
	// 8449): the largest record plaintext, TLS 1.3's content type byte
	// included, it takes from the peer. It also bounds the records it
	// sends (with the peer's own limit, when the peer sent one). The
	// Conn's record buffers are sized by it: about one record each way
	// (see Conn.MemoryFootprint). 0 means 16385, a full record; 64 is
	// the least allowed. GnuTLS and NSS (Firefox) honour a smaller limit;
	// peers without RFC 8449 (Go's crypto/tls, BoringSSL, OpenSSL 3.0)
	// ignore it, and the first record they send over it fails the
	// connection with ErrRecordOverflow, so with them a small limit works
	// only while they write little at a time.
	RecordSizeLimit int

	// Buffers, when set, lends the Conns their record buffers only while
	// they hold records, so that idle connections hold none (see
	// BufferPool); RecordSizeLimit must not exceed the pool's. nil: each
	// Conn owns a buffer each way for its lifetime.
	Buffers *BufferPool

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
