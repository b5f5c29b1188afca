package tlsx

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hmac"
	"crypto/x509"
	"hash"
	"io"
)

// Client handshake states (RFC 8446 appendix A.1).
const (
	stWaitSH = iota
	stWaitEE
	stWaitCertCR
	stWaitCert
	stWaitCV
	stWaitFinished
	stConnected
)

type clientHandshake struct {
	state      int
	shape      helloShape
	keys       []*ecdh.PrivateKey
	groups     []Group
	ch         []byte // the ClientHello, until the suite picks a hash
	transcript hash.Hash
	hsSecret   []byte
	cHS, sHS   []byte
	cAP, sAP   []byte
	master     []byte
	leaf       *x509.Certificate
	certReq    bool
	certReqCtx []byte
}

var downgradeTLS12 = []byte("DOWNGRD\x01")
var downgradeTLS11 = []byte("DOWNGRD\x00")

func (c *Conn) startClient() error {
	cfg := c.cfg
	hs := &clientHandshake{}
	c.hs = hs
	if cfg.testHello != nil {
		hs.shape = *cfg.testHello
	} else {
		hs.shape = helloShape{suites: cfg.CipherSuites, sigAlgs: defaultSigAlgs, pskModes: true,
			recordSizeLimit: maxPlaintext + 1}
		if hs.shape.suites == nil {
			hs.shape.suites = []uint16{TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256}
		}
	}
	for _, s := range hs.shape.suites {
		if suiteByID(s) == nil && cfg.testHello == nil {
			return newError(KindConfig, 0, nil)
		}
	}
	hs.groups = cfg.Groups
	if hs.groups == nil {
		hs.groups = []Group{X25519, P256}
	}
	if cfg.testHello == nil {
		for _, g := range hs.groups {
			hs.shape.groups = append(hs.shape.groups, uint16(g))
		}
	}
	var random [32]byte
	if _, err := io.ReadFull(c.rand, random[:]); err != nil {
		return newError(KindInternal, 0, err)
	}
	shares := make([]keyShare, 0, len(hs.groups))
	for _, g := range hs.groups {
		k, err := generateKey(g, c.rand)
		if err != nil {
			return err
		}
		hs.keys = append(hs.keys, k)
		shares = append(shares, keyShare{g, k.PublicKey().Bytes()})
	}
	hs.ch = marshalClientHello(random[:], &hs.shape, cfg.ServerName, cfg.NextProtos, shares)
	if !c.writeMessage(contentHandshake, hs.ch) {
		return newError(KindInternal, 0, nil)
	}
	return nil
}

// generateKey draws a private key from r, so a fixed Rand gives fixed
// keys (crypto/ecdh's GenerateKey may ignore its reader).
func generateKey(g Group, r io.Reader) (*ecdh.PrivateKey, error) {
	var curve ecdh.Curve
	switch g {
	case X25519:
		curve = ecdh.X25519()
	case P256:
		curve = ecdh.P256()
	default:
		return nil, newError(KindConfig, 0, nil)
	}
	var b [32]byte
	for i := 0; i < 100; i++ {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, newError(KindInternal, 0, err)
		}
		if k, err := curve.NewPrivateKey(b[:]); err == nil {
			return k, nil
		}
	}
	return nil, newError(KindInternal, 0, nil)
}

func (c *Conn) hsFail(k Kind, a Alert, cause error) { c.fail(newError(k, a, cause)) }

// handshakeMessage handles one whole handshake message (header included).
func (c *Conn) handshakeMessage(msg []byte) {
	typ, body := msg[0], msg[4:]
	if c.complete {
		c.postHandshake(typ, body)
		return
	}
	hs := c.hs
	switch {
	case hs.state == stWaitSH && typ == typeServerHello:
		c.serverHello(msg, body)
	case hs.state == stWaitEE && typ == typeEncryptedExtensions:
		c.encryptedExtensions(msg, body)
	case hs.state == stWaitCertCR && typ == typeCertificateRequest:
		ctx, ok := parseCertificateRequest(body)
		if !ok {
			c.hsFail(KindDecode, AlertDecodeError, nil)
			return
		}
		hs.certReq, hs.certReqCtx = true, append([]byte(nil), ctx...)
		hs.transcript.Write(msg)
		hs.state = stWaitCert
	case (hs.state == stWaitCertCR || hs.state == stWaitCert) && typ == typeCertificate:
		c.certificate(msg, body)
	case hs.state == stWaitCV && typ == typeCertificateVerify:
		c.certificateVerify(msg, body)
	case hs.state == stWaitFinished && typ == typeFinished:
		c.serverFinished(msg, body)
	default:
		c.hsFail(KindUnexpectedMessage, AlertUnexpectedMessage, nil)
	}
}

func (c *Conn) serverHello(msg, body []byte) {
	hs := c.hs
	m, ok := parseServerHello(body)
	if !ok {
		c.hsFail(KindDecode, AlertDecodeError, nil)
		return
	}
	if bytes.Equal(m.random, helloRetryRandom[:]) {
		c.hsFail(KindHelloRetry, AlertHandshakeFailure, nil)
		return
	}
	// A TLS 1.3 server never sets the sentinel; one that does says an
	// attacker pushed it down to an older version (section 4.1.3).
	if tail := m.random[24:]; bytes.Equal(tail, downgradeTLS12) || bytes.Equal(tail, downgradeTLS11) {
		c.hsFail(KindDowngrade, AlertIllegalParameter, nil)
		return
	}
	if m.version != versionTLS13 {
		c.hsFail(KindProtocolVersion, AlertProtocolVersion, nil)
		return
	}
	if len(m.sessionID) != 0 || m.hasPSK || m.otherExt {
		c.hsFail(KindIllegalParameter, AlertIllegalParameter, nil)
		return
	}
	offered := false
	for _, s := range hs.shape.suites {
		offered = offered || s == m.suite
	}
	suite := suiteByID(m.suite)
	if !offered || suite == nil {
		c.hsFail(KindUnsupportedSuite, AlertIllegalParameter, nil)
		return
	}
	if !m.hasShare {
		c.hsFail(KindDecode, AlertMissingExtension, nil)
		return
	}
	var key *ecdh.PrivateKey
	for i, g := range hs.groups {
		if g == m.group {
			key = hs.keys[i]
		}
	}
	if key == nil {
		c.hsFail(KindUnsupportedGroup, AlertIllegalParameter, nil)
		return
	}
	peer, err := key.Curve().NewPublicKey(m.share)
	if err != nil {
		c.hsFail(KindIllegalParameter, AlertIllegalParameter, err)
		return
	}
	shared, err := key.ECDH(peer)
	if err != nil {
		c.hsFail(KindIllegalParameter, AlertIllegalParameter, err)
		return
	}
	c.suite = suite
	hs.transcript = suite.hash()
	hs.transcript.Write(hs.ch)
	hs.transcript.Write(msg)
	hs.ch, hs.keys = nil, nil

	early := extract(suite.hash, make([]byte, suite.hlen), nil)
	derived := deriveSecret(suite, early, "derived", emptyHash(suite))
	hs.hsSecret = extract(suite.hash, shared, derived)
	th := hs.transcript.Sum(nil)
	hs.cHS = deriveSecret(suite, hs.hsSecret, "c hs traffic", th)
	hs.sHS = deriveSecret(suite, hs.hsSecret, "s hs traffic", th)
	if err := c.rd.set(suite, hs.sHS); err != nil {
		c.hsFail(KindInternal, AlertInternalError, err)
		return
	}
	c.rdChanged = true
	hs.state = stWaitEE
}

func (c *Conn) encryptedExtensions(msg, body []byte) {
	hs := c.hs
	m, ok := parseEncryptedExtensions(body)
	if !ok {
		c.hsFail(KindDecode, AlertDecodeError, nil)
		return
	}
	if m.unsolicited {
		c.hsFail(KindUnsupportedExtension, AlertUnsupportedExtension, nil)
		return
	}
	if m.hasALPN {
		found := false
		for _, p := range c.cfg.NextProtos {
			found = found || p == m.alpn
		}
		if !found {
			c.hsFail(KindNoALPN, AlertIllegalParameter, nil)
			return
		}
		c.alpn = m.alpn
	}
	if m.recordSizeLimit != 0 {
		if hs.shape.recordSizeLimit == 0 || m.recordSizeLimit < 64 {
			c.hsFail(KindIllegalParameter, AlertIllegalParameter, nil)
			return
		}
		// The limit counts the inner content type byte (RFC 8449 4).
		if l := int(m.recordSizeLimit) - 1; l < c.maxSend {
			c.maxSend = l
		}
	}
	hs.transcript.Write(msg)
	hs.state = stWaitCertCR
}

func (c *Conn) certificate(msg, body []byte) {
	hs := c.hs
	ctx, certs, ok := parseCertificate(body)
	if !ok {
		c.hsFail(KindDecode, AlertDecodeError, nil)
		return
	}
	if len(ctx) != 0 || len(certs) == 0 {
		c.hsFail(KindDecode, AlertDecodeError, nil)
		return
	}
	parsed := make([]*x509.Certificate, len(certs))
	c.peerCerts = make([][]byte, len(certs))
	for i, der := range certs {
		// Copy: der points into the receive buffer, which is reused.
		c.peerCerts[i] = append([]byte(nil), der...)
		p, err := x509.ParseCertificate(c.peerCerts[i])
		if err != nil {
			c.hsFail(KindBadCertificate, AlertBadCertificate, err)
			return
		}
		parsed[i] = p
	}
	if !c.cfg.SkipCertificateVerification {
		if e := verifyChain(c.cfg, parsed); e != nil {
			c.fail(e)
			return
		}
	}
	hs.leaf = parsed[0]
	hs.transcript.Write(msg)
	hs.state = stWaitCV
}

func (c *Conn) certificateVerify(msg, body []byte) {
	hs := c.hs
	alg, sig, ok := parseCertificateVerify(body)
	if !ok {
		c.hsFail(KindDecode, AlertDecodeError, nil)
		return
	}
	offered := false
	for _, a := range hs.shape.sigAlgs {
		offered = offered || a == alg
	}
	if !offered {
		c.hsFail(KindIllegalParameter, AlertIllegalParameter, nil)
		return
	}
	if err := verifySignature(hs.leaf.PublicKey, alg, signedContent(hs.transcript.Sum(nil)), sig); err != nil {
		c.hsFail(KindBadSignature, AlertDecryptError, err)
		return
	}
	hs.transcript.Write(msg)
	hs.state = stWaitFinished
}

func (c *Conn) serverFinished(msg, body []byte) {
	hs := c.hs
	s := c.suite
	want := finishedMAC(s, hs.sHS, hs.transcript.Sum(nil))
	if !hmac.Equal(want, body) {
		c.hsFail(KindBadFinished, AlertDecryptError, nil)
		return
	}
	hs.transcript.Write(msg)
	th := hs.transcript.Sum(nil)
	derived := deriveSecret(s, hs.hsSecret, "derived", emptyHash(s))
	hs.master = extract(s.hash, make([]byte, s.hlen), derived)
	hs.cAP = deriveSecret(s, hs.master, "c ap traffic", th)
	hs.sAP = deriveSecret(s, hs.master, "s ap traffic", th)
	c.exporter = deriveSecret(s, hs.master, "exp master", th)
	if err := c.rd.set(s, hs.sAP); err != nil {
		c.hsFail(KindInternal, AlertInternalError, err)
		return
	}
	c.rdChanged = true

	// Our flight, under the client handshake key.
	if err := c.wr.set(s, hs.cHS); err != nil {
		c.hsFail(KindInternal, AlertInternalError, err)
		return
	}
	if hs.certReq {
		// No client certificates yet: an empty Certificate lets the
		// server decide (section 4.4.2).
		m := make([]byte, 0, 8+len(hs.certReqCtx))
		m = append(m, typeCertificate, 0, 0, byte(4+len(hs.certReqCtx)), byte(len(hs.certReqCtx)))
		m = append(m, hs.certReqCtx...)
		m = append(m, 0, 0, 0)
		hs.transcript.Write(m)
		c.writeMessage(contentHandshake, m)
	}
	fin := finishedMAC(s, hs.cHS, hs.transcript.Sum(nil))
	fm := append([]byte{typeFinished, 0, 0, byte(len(fin))}, fin...)
	hs.transcript.Write(fm)
	c.resumption = deriveSecret(s, hs.master, "res master", hs.transcript.Sum(nil))
	if !c.writeMessage(contentHandshake, fm) {
		c.hsFail(KindInternal, AlertInternalError, nil)
		return
	}
	if err := c.wr.set(s, hs.cAP); err != nil {
		c.hsFail(KindInternal, AlertInternalError, err)
		return
	}
	hs.state = stConnected
	c.complete = true
	c.hs = nil
	if c.cfg.testHello != nil {
		c.keep = hs // the RFC 8448 trace test reads the secrets
	}
}

// postHandshake handles NewSessionTicket and KeyUpdate.
func (c *Conn) postHandshake(typ byte, body []byte) {
	switch typ {
	case typeNewSessionTicket:
		if _, ok := parseNewSessionTicket(body); !ok {
			c.hsFail(KindDecode, AlertDecodeError, nil)
			return
		}
		c.tickets++ // resumption comes in a later slice
	case typeKeyUpdate:
		if len(body) != 1 || body[0] > 1 {
			c.hsFail(KindDecode, AlertDecodeError, nil)
			return
		}
		next := expandLabel(c.suite.hash, c.rd.secret, "traffic upd", nil, c.suite.hlen)
		if err := c.rd.set(c.suite, next); err != nil {
			c.hsFail(KindInternal, AlertInternalError, err)
			return
		}
		c.rdChanged = true
		if body[0] == 1 && !c.sentClose {
			if err := c.sendKeyUpdate(false); err != nil {
				return
			}
		}
	default:
		c.hsFail(KindUnexpectedMessage, AlertUnexpectedMessage, nil)
	}
}
