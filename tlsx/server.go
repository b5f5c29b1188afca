package tlsx

import (
	"crypto/rand"
	"crypto/x509"
	"hash"
	"io"
)

// Server handshake states (RFC 8446 appendix A.2).
const (
	srvWaitCH  = iota
	srvWaitCH2 // after a HelloRetryRequest
	srvWaitCert
	srvWaitCV
	srvWaitFinished
	srvConnected
)

type serverHandshake struct {
	state      int
	transcript hash.Hash
	// After a HelloRetryRequest: the first ClientHello (a copy: the
	// receive buffer is reused) and message_hash(ClientHello1) followed
	// by the HelloRetryRequest, which begin the transcript.
	ch1         []byte
	prefix      []byte
	hrr         bool // a HelloRetryRequest was sent (kept after the handshake, for tests)
	group       Group
	sentCCS     bool
	hsSecret    []byte
	cHS, cAP    []byte
	master      []byte
	leaf        *x509.Certificate // the client's
	certReq     bool
	resumedCert bool // resumed from a ticket issued to a verified client certificate
}

// srvDone is the handshake state of every established server Conn: never
// written, only read (by tests: the state, and whether a
// HelloRetryRequest was sent).
var srvDone = [2]serverHandshake{{state: srvConnected}, {state: srvConnected, hrr: true}}

var defaultServerSuites = []uint16{TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256}

// NewServer makes a server Conn that waits for a ClientHello: Input it
// what the client sends. It refuses a Config without Certificates, with a
// certificate tlsx cannot sign with, or that must verify client
// certificates without ClientCAs.
func NewServer(cfg *Config) (*Conn, error) {
	if cfg == nil || len(cfg.Certificates) == 0 {
		return nil, newError(KindConfig, 0, errNoCertChain)
	}
	for i := range cfg.Certificates {
		crt := &cfg.Certificates[i]
		if len(crt.Chain) == 0 || crt.Key == nil {
			return nil, newError(KindConfig, 0, errNoCertChain)
		}
		if len(keySchemes(crt.Key.Public())) == 0 {
			return nil, newError(KindConfig, 0, errKeyType)
		}
	}
	if cfg.ClientAuth.verify() && cfg.ClientCAs == nil {
		return nil, newError(KindConfig, 0, errNoClientCAs)
	}
	for _, s := range cfg.CipherSuites {
		if suiteByID(s) == nil {
			return nil, newError(KindConfig, 0, nil)
		}
	}
	for _, g := range cfg.Groups {
		if g != X25519 && g != P256 {
			return nil, newError(KindConfig, 0, nil)
		}
	}
	c := &Conn{
		cfg:      cfg,
		rand:     randOrDefault(cfg.Rand),
		maxHS:    cfg.MaxHandshakeMessage,
		isServer: true,
		srv:      &serverHandshake{},
	}
	if err := c.initBuffers(); err != nil {
		return nil, err
	}
	if c.maxHS <= 0 {
		c.maxHS = defaultMaxHSMsg
	}
	return c, nil
}

// ServerName is, on a server, the SNI host name the client sent ("" when
// none); on a client, Config.ServerName.
func (c *Conn) ServerName() string {
	if c.isServer {
		return c.sni
	}
	return c.cfg.ServerName
}

func randOrDefault(r io.Reader) io.Reader {
	if r == nil {
		return rand.Reader
	}
	return r
}

// serverHandshakeMessage handles one whole handshake message (header
// included) on a server Conn.
func (c *Conn) serverHandshakeMessage(msg []byte) {
	typ := msg[0]
	if c.complete {
		c.serverPostHandshake(typ, msg[4:])
		return
	}
	hs := c.srv
	switch {
	case (hs.state == srvWaitCH || hs.state == srvWaitCH2) && typ == typeClientHello:
		c.srvClientHello(msg)
	case hs.state == srvWaitCert && typ == typeCertificate:
		c.srvClientCert(msg)
	case hs.state == srvWaitCV && typ == typeCertificateVerify:
		c.srvClientCertVerify(msg)
	case hs.state == srvWaitFinished && typ == typeFinished:
		c.srvClientFinished(msg)
	default:
		c.hsFail(KindUnexpectedMessage, AlertUnexpectedMessage, nil)
	}
}

// srvClientHello negotiates everything from a ClientHello and sends either a
// HelloRetryRequest or the whole server flight.
func (c *Conn) srvClientHello(msg []byte) {
	hs := c.srv
	m, e := parseClientHello(msg)
	if e != nil {
		c.fail(e)
		return
	}
	// tlsx speaks only TLS 1.3: a hello without 0x0304 in
	// supported_versions is an older protocol (section 4.2.1).
	if !has(m.versions, versionTLS13) {
		c.hsFail(KindProtocolVersion, AlertProtocolVersion, nil)
		return
	}
	if m.version != 0x0303 {
		c.hsFail(KindProtocolVersion, AlertProtocolVersion, nil)
		return
	}
	if hs.state == srvWaitCH2 {
		if e := checkRetryHello(hs.ch1, m, hs.group); e != nil {
			c.fail(e)
			return
		}
	}
	suite := c.srvPickSuite(m.suites)
	if suite == nil {
		c.hsFail(KindUnsupportedSuite, AlertHandshakeFailure, nil)
		return
	}
	if c.suite != nil && c.suite != suite {
		c.hsFail(KindIllegalParameter, AlertIllegalParameter, nil)
		return
	}
	if !m.hasGroups || !m.hasShares {
		c.hsFail(KindDecode, AlertMissingExtension, nil)
		return
	}
	for i, ks := range m.shares {
		if !has(m.groups, uint16(ks.group)) {
			c.hsFail(KindIllegalParameter, AlertIllegalParameter, nil)
			return
		}
		for _, o := range m.shares[:i] {
			if o.group == ks.group {
				c.hsFail(KindIllegalParameter, AlertIllegalParameter, nil)
				return
			}
		}
	}
	group, share := c.srvPickGroup(m)
	if group == 0 {
		c.hsFail(KindUnsupportedGroup, AlertHandshakeFailure, nil)
		return
	}
	if share == nil {
		if hs.state == srvWaitCH2 {
			c.hsFail(KindIllegalParameter, AlertIllegalParameter, nil)
			return
		}
		c.srvHelloRetry(msg, m, suite, group)
		return
	}
	if m.hasSizeLim && m.sizeLimit < 64 {
		c.hsFail(KindIllegalParameter, AlertIllegalParameter, nil)
		return
	}
	alpn := ""
	if m.hasALPN && len(c.cfg.NextProtos) > 0 {
		for _, p := range c.cfg.NextProtos {
			for _, q := range m.alpn {
				if alpn == "" && p == q {
					alpn = p
				}
			}
		}
		if alpn == "" {
			c.hsFail(KindNoALPN, AlertNoApplicationProtocol, nil)
			return
		}
	}
	c.sni = m.serverName

	// The transcript so far: after a HelloRetryRequest it begins with
	// message_hash(ClientHello1) and the HelloRetryRequest.
	hs.transcript = suite.hash()
	hs.transcript.Write(hs.prefix)
	pskIndex, st, e := c.srvAcceptTicket(m, suite, hs.prefix)
	if e != nil {
		c.fail(e)
		return
	}
	ch := srvChoice{suite: suite, group: group, share: share, alpn: alpn, ticket: st, pskIndex: pskIndex}
	if st == nil {
		if !m.hasSigAlgs {
			c.hsFail(KindDecode, AlertMissingExtension, nil)
			return
		}
		ch.cert, ch.scheme = c.srvPickCert(m.serverName, m.sigAlgs)
		if ch.cert == nil {
			c.hsFail(KindHandshakeFailure, AlertHandshakeFailure, nil)
			return
		}
	}
	c.srvFlight(msg, m, &ch)
}

// srvChoice is what the server negotiated from a ClientHello.
type srvChoice struct {
	suite    *suiteInfo
	group    Group
	share    []byte // the client's key share for group
	alpn     string
	ticket   *ticketState // nil: a full handshake
	pskIndex int
	cert     *Certificate // nil when resuming
	scheme   uint16
}

// srvFlight does the key exchange and queues ServerHello, EncryptedExtensions,
// [CertificateRequest, Certificate, CertificateVerify,] Finished, switching
// keys as it goes (RFC 8446 section 4 and 7.1).
func (c *Conn) srvFlight(msg []byte, m *clientHelloMsg, ch *srvChoice) {
	hs := c.srv
	suite, group, share, alpn, st := ch.suite, ch.group, ch.share, ch.alpn, ch.ticket
	key, err := generateKey(group, c.rand)
	if err != nil {
		c.hsFail(KindInternal, AlertInternalError, err)
		return
	}
	shared, ok := c.ecdhe(key, share)
	if !ok {
		return
	}
	var random [32]byte
	if _, err := io.ReadFull(c.rand, random[:]); err != nil {
		c.hsFail(KindInternal, AlertInternalError, err)
		return
	}
	c.suite = suite
	hs.transcript.Write(msg)
	f := serverHelloFields{random: random[:], sessionID: m.sessionID, suite: suite.id, group: group,
		share: key.PublicKey().Bytes()}
	var psk []byte
	if st != nil {
		f.psk, f.pskIndex, psk = true, uint16(ch.pskIndex), st.psk
		c.resumed = true
		hs.resumedCert = st.clientCert
	}
	sh := marshalServerHello(&f)
	hs.transcript.Write(sh)
	c.writeMessage(contentHandshake, sh)
	c.srvCCS(m)
	// The client's record_size_limit bounds protected records only
	// (RFC 8449 section 4): the ServerHello above was not split by it.
	if m.hasSizeLim {
		c.setPeerLimit(m.sizeLimit)
	}

	var sHS []byte
	hs.hsSecret, hs.cHS, sHS = handshakeTraffic(suite, earlySecret(suite, psk), shared, hs.transcript.Sum(nil))
	if !c.setWriteKey(sHS) || !c.setReadKey(hs.cHS) {
		return
	}

	var limit uint16
	if m.hasSizeLim {
		limit = uint16(c.recvLimit)
	}
	c.alpn = alpn
	t := hs.transcript
	if !c.sendHandshake(t, marshalEncryptedExtensions(alpn, limit)) {
		return
	}
	if st == nil {
		if c.cfg.ClientAuth != NoClientCert {
			hs.certReq = true
			if !c.sendHandshake(t, marshalCertificateRequest(defaultSigAlgs, certAuthorities(c.cfg.ClientCAs))) {
				return
			}
		}
		if !c.sendCertificate(t, nil, ch.cert, ch.scheme, true) {
			return
		}
	}
	if !c.sendHandshake(t, finishedMsg(suite, sHS, t.Sum(nil))) {
		return
	}
	var sAP []byte
	hs.master, hs.cAP, sAP, c.exporter = appTraffic(suite, hs.hsSecret, t.Sum(nil))
	if !c.setWriteKey(sAP) {
		return
	}
	hs.ch1, hs.prefix = nil, nil
	if hs.certReq {
		hs.state = srvWaitCert
	} else {
		hs.state = srvWaitFinished
	}
}

// srvCCS sends the dummy change_cipher_spec after the server's first
// handshake message when the client asked for middlebox compatibility
// with a non-empty session ID (appendix D.4).
func (c *Conn) srvCCS(m *clientHelloMsg) {
	if len(m.sessionID) > 0 && !c.srv.sentCCS {
		c.srv.sentCCS = true
		c.writeMessage(contentCCS, []byte{1})
	}
}

// srvHelloRetry asks the client for a key share for group (section 4.1.4).
func (c *Conn) srvHelloRetry(msg []byte, m *clientHelloMsg, suite *suiteInfo, group Group) {
	hs := c.srv
	c.suite = suite
	hrr := marshalServerHello(&serverHelloFields{random: helloRetryRandom[:], sessionID: m.sessionID,
		suite: suite.id, group: group})
	hs.prefix = append(messageHash(suite, msg), hrr...)
	hs.ch1 = append([]byte(nil), msg...)
	hs.group = group
	hs.hrr = true
	hs.state = srvWaitCH2
	c.writeMessage(contentHandshake, hrr)
	c.srvCCS(m)
}

func (c *Conn) srvClientFinished(msg []byte) {
	hs := c.srv
	s := c.suite
	if !c.checkFinished(hs.cHS, hs.transcript.Sum(nil), msg[4:]) {
		return
	}
	hs.transcript.Write(msg)
	c.resumption = deriveSecret(s, hs.master, "res master", hs.transcript.Sum(nil))
	if !c.setReadKey(hs.cAP) {
		return
	}
	clientCert := hs.leaf != nil && c.cfg.ClientAuth.verify() || hs.resumedCert
	// The secrets and transcript go; what tests look at afterwards is
	// shared, read-only (srvDone), so an established server keeps none of
	// its handshake state.
	c.srv = &srvDone[0]
	if hs.hrr {
		c.srv = &srvDone[1]
	}
	if c.cfg.TicketKeys != nil {
		// Before complete: the ticket is the handshake's last output,
		// and the send buffer may still grow for it.
		c.srvSendTicket(clientCert)
	}
	c.resumption = nil // the one ticket is out
	c.complete = true
	c.handshakeDone()
}

// serverPostHandshake handles KeyUpdate; a server takes no other
// post-handshake message.
func (c *Conn) serverPostHandshake(typ byte, body []byte) {
	if typ != typeKeyUpdate {
		c.hsFail(KindUnexpectedMessage, AlertUnexpectedMessage, nil)
		return
	}
	c.receiveKeyUpdate(body)
}
