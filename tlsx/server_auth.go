package tlsx

import (
	"crypto/x509"
	"errors"
)

// ClientAuth is a server's policy for client certificates (mutual TLS).
type ClientAuth uint8

// Client certificate policies. Only the Verify ones check the chain
// against Config.ClientCAs; the others accept any certificate, whose
// CertificateVerify still proves the client holds its key.
const (
	NoClientCert ClientAuth = iota
	RequestClientCert
	RequireClientCert
	VerifyClientCertIfGiven
	RequireAndVerifyClientCert
)

func (a ClientAuth) required() bool {
	return a == RequireClientCert || a == RequireAndVerifyClientCert
}

func (a ClientAuth) verify() bool {
	return a == VerifyClientCertIfGiven || a == RequireAndVerifyClientCert
}

// maxCertAuthorities bounds the certificate_authorities list a
// CertificateRequest carries: past it the list is left out (it is only a
// hint) rather than bloat every handshake.
const maxCertAuthorities = 4096

// certAuthorities lists ClientCAs' subjects for certificate_authorities,
// or nil when the pool is absent or too large.
func certAuthorities(pool *x509.CertPool) [][]byte {
	if pool == nil {
		return nil
	}
	// Subjects is deprecated only for system pools; this one is ours.
	subjects := pool.Subjects()
	total := 0
	for _, s := range subjects {
		total += 2 + len(s)
	}
	if total > maxCertAuthorities {
		return nil
	}
	return subjects
}

var errNoClientCAs = errors.New("Config.ClientCAs is nil and client certificates must be verified")

// srvClientCert takes the client's Certificate (section 4.4.2): an
// empty one when it has none.
func (c *Conn) srvClientCert(msg []byte) {
	hs := c.srv
	ctx, certs, ok := parseCertificate(msg[4:])
	if !ok {
		c.hsFail(KindDecode, AlertDecodeError, nil)
		return
	}
	if len(ctx) != 0 {
		c.hsFail(KindIllegalParameter, AlertIllegalParameter, nil)
		return
	}
	if len(certs) == 0 {
		if c.cfg.ClientAuth.required() {
			c.hsFail(KindCertificateRequired, AlertCertificateRequired, nil)
			return
		}
		hs.transcript.Write(msg)
		hs.state = srvWaitFinished
		return
	}
	parsed, ok := c.peerChain(certs)
	if !ok {
		return
	}
	if c.cfg.ClientAuth.verify() {
		if c.cfg.ClientCAs == nil {
			c.hsFail(KindUnknownCA, AlertUnknownCA, errNoClientCAs)
			return
		}
		if e := verifyPeerChain(c.now(), c.cfg.ClientCAs, "", x509.ExtKeyUsageClientAuth, parsed); e != nil {
			c.fail(e)
			return
		}
	}
	hs.leaf = parsed[0]
	hs.transcript.Write(msg)
	hs.state = srvWaitCV
}

func (c *Conn) srvClientCertVerify(msg []byte) {
	hs := c.srv
	if !c.checkCertVerify(msg[4:], hs.leaf, defaultSigAlgs, false, hs.transcript.Sum(nil)) {
		return
	}
	hs.transcript.Write(msg)
	hs.state = srvWaitFinished
}
