package tlsx

import (
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/x509"
	"hash"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

// Steps the client and the server state machines share: the clock, the
// key exchange, the key schedule around Finished, and checking the peer's
// certificate chain and CertificateVerify.

// now is the one clock the engine reads (doc.go): Config.Time, else
// time.Now.
func (c *Conn) now() time.Time {
	if c.cfg.Time != nil {
		return c.cfg.Time()
	}
	return time.Now()
}

// ecdhe completes the key exchange with the peer's share; a share that is
// not a point of key's curve fails the handshake (illegal_parameter).
func (c *Conn) ecdhe(key *ecdh.PrivateKey, share []byte) ([]byte, bool) {
	peer, err := key.Curve().NewPublicKey(share)
	if err == nil {
		var shared []byte
		if shared, err = key.ECDH(peer); err == nil {
			return shared, true
		}
	}
	c.hsFail(KindIllegalParameter, AlertIllegalParameter, err)
	return nil, false
}

// handshakeTraffic derives the handshake secret and, over the transcript
// hash th through the ServerHello, both handshake traffic secrets
// (section 7.1).
func handshakeTraffic(s *suiteInfo, early, shared, th []byte) (hsSecret, cHS, sHS []byte) {
	hsSecret = handshakeSecret(s, early, shared)
	return hsSecret, deriveSecret(s, hsSecret, "c hs traffic", th), deriveSecret(s, hsSecret, "s hs traffic", th)
}

// appTraffic derives the master secret and, over the transcript hash th
// through the server's Finished, both application traffic secrets and the
// exporter master secret (section 7.1).
func appTraffic(s *suiteInfo, hsSecret, th []byte) (master, cAP, sAP, exporter []byte) {
	derived := deriveSecret(s, hsSecret, "derived", emptyHash(s))
	master = extract(s.hash, make([]byte, s.hlen), derived)
	return master, deriveSecret(s, master, "c ap traffic", th), deriveSecret(s, master, "s ap traffic", th),
		deriveSecret(s, master, "exp master", th)
}

// setReadKey switches record protection for what we receive to the
// traffic secret; the rest of the record being handled must not follow
// (rdChanged).
func (c *Conn) setReadKey(secret []byte) bool {
	if err := c.rd.set(c.suite, secret); err != nil {
		c.hsFail(KindInternal, AlertInternalError, err)
		return false
	}
	c.rdChanged = true
	return true
}

// setWriteKey switches record protection for what we send.
func (c *Conn) setWriteKey(secret []byte) bool {
	if err := c.wr.set(c.suite, secret); err != nil {
		c.hsFail(KindInternal, AlertInternalError, err)
		return false
	}
	return true
}

// sendHandshake adds m to the transcript t and queues it. While the
// handshake runs the send buffer grows to hold it, so not fitting is an
// internal error.
func (c *Conn) sendHandshake(t hash.Hash, m []byte) bool {
	t.Write(m)
	if !c.writeMessage(contentHandshake, m) {
		c.hsFail(KindInternal, AlertInternalError, errFlightTooBig)
		return false
	}
	return true
}

// sendCertificate sends our Certificate with request context ctx and,
// when cert is not nil, our CertificateVerify signed with its key and
// scheme over the transcript t (section 4.4.2, 4.4.3): the server's, or a
// client's answer to a CertificateRequest, whose chain is empty when it
// has no certificate that fits.
func (c *Conn) sendCertificate(t hash.Hash, ctx []byte, cert *Certificate, scheme uint16, fromServer bool) bool {
	var chain [][]byte
	if cert != nil {
		chain = cert.Chain
	}
	if !c.sendHandshake(t, marshalCertificateMsg(ctx, chain)) || cert == nil {
		return c.err == nil
	}
	sig, err := signHandshake(cert.Key, scheme, c.rand, certVerifyContent(fromServer, t.Sum(nil)))
	if err != nil {
		c.hsFail(KindInternal, AlertInternalError, err)
		return false
	}
	return c.sendHandshake(t, marshalCertificateVerify(scheme, sig))
}

// finishedMsg builds a Finished message, header included, keyed by the
// sender's handshake traffic secret over the transcript hash th.
func finishedMsg(s *suiteInfo, base, th []byte) []byte {
	fin := finishedMAC(s, base, th)
	return append([]byte{typeFinished, 0, 0, byte(len(fin))}, fin...)
}

// checkFinished checks the body of the peer's Finished against its
// handshake traffic secret base and the transcript hash th; a mismatch
// fails the handshake (decrypt_error).
func (c *Conn) checkFinished(base, th, body []byte) bool {
	if !hmac.Equal(finishedMAC(c.suite, base, th), body) {
		c.hsFail(KindBadFinished, AlertDecryptError, nil)
		return false
	}
	return true
}

// peerChain keeps a copy of the certificates of the peer's Certificate
// message (they point into the receive buffer, which is reused) for
// PeerCertificates, and parses them.
func (c *Conn) peerChain(certs [][]byte) ([]*x509.Certificate, bool) {
	parsed := make([]*x509.Certificate, len(certs))
	c.peerCerts = make([][]byte, len(certs))
	for i, der := range certs {
		c.peerCerts[i] = append([]byte(nil), der...)
		p, err := x509.ParseCertificate(c.peerCerts[i])
		if err != nil {
			c.hsFail(KindBadCertificate, AlertBadCertificate, err)
			return nil, false
		}
		parsed[i] = p
	}
	return parsed, true
}

// checkCertVerify checks the body of the peer's CertificateVerify: a
// scheme we offered, and the leaf's signature over the transcript hash th
// (section 4.4.3).
func (c *Conn) checkCertVerify(body []byte, leaf *x509.Certificate, offered []uint16, fromServer bool, th []byte) bool {
	alg, sig, ok := parseCertificateVerify(body)
	if !ok {
		c.hsFail(KindDecode, AlertDecodeError, nil)
		return false
	}
	if !has(offered, alg) {
		c.hsFail(KindIllegalParameter, AlertIllegalParameter, nil)
		return false
	}
	if err := verifySignature(leaf.PublicKey, alg, certVerifyContent(fromServer, th), sig); err != nil {
		c.hsFail(KindBadSignature, AlertDecryptError, err)
		return false
	}
	return true
}

// certVerifyContent is what a CertificateVerify signs: 64 spaces, the
// context string of the signer's side, a zero byte and the transcript hash
// (section 4.4.3).
func certVerifyContent(fromServer bool, th []byte) []byte {
	ctx := "TLS 1.3, client CertificateVerify"
	if fromServer {
		ctx = "TLS 1.3, server CertificateVerify"
	}
	b := make([]byte, 0, 64+len(ctx)+1+len(th))
	for i := 0; i < 64; i++ {
		b = append(b, 0x20)
	}
	b = append(b, ctx...)
	b = append(b, 0)
	return append(b, th...)
}

// has reports whether v is in list.
func has(list []uint16, v uint16) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// addUint16List appends a vector of uint16 with its 2-byte length.
func addUint16List(b *cryptobyte.Builder, vs []uint16) {
	b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
		for _, v := range vs {
			b.AddUint16(v)
		}
	})
}
