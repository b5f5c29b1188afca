package tlsx

import (
	"bytes"
	"crypto/ecdh"
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
	state     int
	shape     helloShape
	random    [32]byte
	groups    []Group            // supported_groups we can make shares for
	keys      []*ecdh.PrivateKey // the shares in the latest ClientHello
	keyGroups []Group
	ch        []byte // the ClientHello, until the suite picks a hash

	// After a HelloRetryRequest: its suite, its cookie, and
	// message_hash(ClientHello1) || HelloRetryRequest, which precedes
	// ClientHello2 in the binder's transcript.
	hrr      bool
	hrrSuite *suiteInfo
	cookie   []byte
	prefix   []byte

	// The session offered (taken out of the cache), its suite and the
	// early secret of its PSK.
	session  *Session
	pskSuite *suiteInfo
	early    []byte

	transcript hash.Hash
	hsSecret   []byte
	cHS, sHS   []byte
	cAP, sAP   []byte
	master     []byte
	leaf       *x509.Certificate
	certReq    *certificateRequest
}

// offeredSuite is the suite id names if our ClientHello offered it and
// tlsx knows it, else nil.
func (hs *clientHandshake) offeredSuite(id uint16) *suiteInfo {
	if !has(hs.shape.suites, id) {
		return nil
	}
	return suiteByID(id)
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
			recordSizeLimit: uint16(c.recvLimit), padding: true}
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
	if _, err := io.ReadFull(c.rand, hs.random[:]); err != nil {
		return newError(KindInternal, 0, err)
	}
	n := cfg.KeyShares
	if n <= 0 {
		n = 1
	}
	if n > len(hs.groups) {
		n = len(hs.groups)
	}
	for _, g := range hs.groups[:n] {
		k, err := generateKey(g, c.rand)
		if err != nil {
			return err
		}
		hs.keys = append(hs.keys, k)
		hs.keyGroups = append(hs.keyGroups, g)
	}
	hs.session = c.takeSession()
	hs.ch = c.clientHello()
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
		cr, e := parseCertRequestFull(body)
		if e != nil {
			c.fail(e)
			return
		}
		hs.certReq = cr
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
		c.helloRetry(msg, m)
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
	if len(m.sessionID) != 0 || m.otherExt || m.cookie != nil {
		c.hsFail(KindIllegalParameter, AlertIllegalParameter, nil)
		return
	}
	suite := hs.offeredSuite(m.suite)
	if suite == nil {
		c.hsFail(KindUnsupportedSuite, AlertIllegalParameter, nil)
		return
	}
	if hs.hrr && suite != hs.hrrSuite {
		// Section 4.1.4: the suite of the retry is the suite.
		c.hsFail(KindHelloRetry, AlertIllegalParameter, nil)
		return
	}
	if m.hasPSK && (hs.session == nil || m.selectedPSK != 0 || hs.pskSuite.hlen != suite.hlen) {
		// We offer one identity; the server must pick it with a suite
		// of the PSK's hash (section 4.2.11).
		c.hsFail(KindIllegalParameter, AlertIllegalParameter, nil)
		return
	}
	if !m.hasShare {
		c.hsFail(KindDecode, AlertMissingExtension, nil)
		return
	}
	var key *ecdh.PrivateKey
	for i, g := range hs.keyGroups {
		if g == m.group {
			key = hs.keys[i]
		}
	}
	if key == nil {
		c.hsFail(KindUnsupportedGroup, AlertIllegalParameter, nil)
		return
	}
	shared, ok := c.ecdhe(key, m.share)
	if !ok {
		return
	}
	c.suite = suite
	if hs.transcript == nil {
		hs.transcript = suite.hash()
		hs.transcript.Write(hs.ch)
	} // else the retry already wrote message_hash, HRR and ClientHello2
	hs.transcript.Write(msg)
	hs.ch, hs.keys, hs.prefix = nil, nil, nil

	early := hs.early
	if m.hasPSK {
		c.resumed = true
		c.peerCerts = hs.session.peerCerts
	} else {
		early = earlySecret(suite, nil)
	}
	hs.hsSecret, hs.cHS, hs.sHS = handshakeTraffic(suite, early, shared, hs.transcript.Sum(nil))
	if !c.setReadKey(hs.sHS) {
		return
	}
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
		c.setPeerLimit(m.recordSizeLimit)
	}
	hs.transcript.Write(msg)
	hs.state = stWaitCertCR
	if c.resumed {
		// The PSK authenticates the server: straight to Finished
		// (section 2.2).
		hs.state = stWaitFinished
	}
}

func (c *Conn) certificate(msg, body []byte) {
	hs := c.hs
	ctx, certs, ok := parseCertificate(body)
	if !ok || len(ctx) != 0 || len(certs) == 0 {
		c.hsFail(KindDecode, AlertDecodeError, nil)
		return
	}
	parsed, ok := c.peerChain(certs)
	if !ok {
		return
	}
	if !c.cfg.SkipCertificateVerification {
		if e := verifyPeerChain(c.now(), c.cfg.RootCAs, c.cfg.ServerName, x509.ExtKeyUsageServerAuth, parsed); e != nil {
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
	if !c.checkCertVerify(body, hs.leaf, hs.shape.sigAlgs, true, hs.transcript.Sum(nil)) {
		return
	}
	hs.transcript.Write(msg)
	hs.state = stWaitFinished
}

func (c *Conn) serverFinished(msg, body []byte) {
	hs := c.hs
	s := c.suite
	if !c.checkFinished(hs.sHS, hs.transcript.Sum(nil), body) {
		return
	}
	hs.transcript.Write(msg)
	hs.master, hs.cAP, hs.sAP, c.exporter = appTraffic(s, hs.hsSecret, hs.transcript.Sum(nil))
	// Our flight, under the client handshake key.
	if !c.setReadKey(hs.sAP) || !c.setWriteKey(hs.cHS) {
		return
	}
	if hs.certReq != nil && !c.clientCertificate() {
		return
	}
	if !c.sendHandshake(hs.transcript, finishedMsg(s, hs.cHS, hs.transcript.Sum(nil))) {
		return
	}
	c.resumption = deriveSecret(s, hs.master, "res master", hs.transcript.Sum(nil))
	if !c.setWriteKey(hs.cAP) {
		return
	}
	hs.state = stConnected
	c.complete = true
	c.hs = nil
	c.handshakeDone()
	if c.cfg.testHello != nil {
		c.keep = hs // the RFC 8448 trace test reads the secrets
	}
}

// postHandshake handles NewSessionTicket and KeyUpdate.
func (c *Conn) postHandshake(typ byte, body []byte) {
	switch typ {
	case typeNewSessionTicket:
		m, ok := parseNewSessionTicket(body)
		if !ok {
			c.hsFail(KindDecode, AlertDecodeError, nil)
			return
		}
		c.tickets++
		c.storeTicket(m)
	case typeKeyUpdate:
		c.receiveKeyUpdate(body)
	default:
		c.hsFail(KindUnexpectedMessage, AlertUnexpectedMessage, nil)
	}
}
