package tlsx

import "crypto/ecdh"

// clientHello builds the ClientHello for the current state: the key
// shares in hs.keys, the cookie of a HelloRetryRequest, RFC 7685 padding
// and, when a session is offered, its pre_shared_key with the binder
// computed over the truncated hello.
func (c *Conn) clientHello() []byte {
	hs := c.hs
	shares := make([]keyShare, len(hs.keys))
	for i, k := range hs.keys {
		shares[i] = keyShare{hs.keyGroups[i], k.PublicKey().Bytes()}
	}
	x := &helloExtras{cookie: hs.cookie, padding: -1}
	if s := hs.session; s != nil {
		hs.pskSuite = suiteByID(s.suite)
		age := uint32(c.now().Sub(s.received).Milliseconds())
		x.pskIDs = []pskIdentity{{s.ticket, obfuscatedAge(age, s.ageAdd)}}
		x.binderLens = []int{hs.pskSuite.hlen}
	}
	ch := marshalClientHelloExt(hs.random[:], &hs.shape, c.cfg.ServerName, c.cfg.NextProtos, shares, x)
	if n := paddingLen(len(ch)); hs.shape.padding && n >= 0 {
		x.padding = n
		ch = marshalClientHelloExt(hs.random[:], &hs.shape, c.cfg.ServerName, c.cfg.NextProtos, shares, x)
	}
	if hs.session != nil {
		ps := hs.pskSuite
		hs.early = earlySecret(ps, hs.session.psk)
		h := ps.hash()
		h.Write(hs.prefix)
		h.Write(ch[:len(ch)-bindersLen(ps.hlen)])
		putBinders(ch, [][]byte{pskBinder(ps, hs.early, h.Sum(nil))})
	}
	return ch
}

// helloRetry answers a HelloRetryRequest (section 4.1.4): at most one,
// and only one that changes the ClientHello — a share for a group we
// listed but did not share, or a cookie.
func (c *Conn) helloRetry(msg []byte, m *serverHello) {
	hs := c.hs
	if hs.hrr {
		c.hsFail(KindHelloRetry, AlertUnexpectedMessage, nil)
		return
	}
	if m.version != versionTLS13 {
		c.hsFail(KindProtocolVersion, AlertProtocolVersion, nil)
		return
	}
	if len(m.sessionID) != 0 || m.otherExt || m.hasPSK || m.hasShare || (!m.hasGroup && m.cookie == nil) {
		c.hsFail(KindHelloRetry, AlertIllegalParameter, nil)
		return
	}
	suite := hs.offeredSuite(m.suite)
	if suite == nil {
		c.hsFail(KindUnsupportedSuite, AlertIllegalParameter, nil)
		return
	}
	if m.hasGroup {
		ok := false
		for _, g := range hs.groups {
			ok = ok || g == m.group
		}
		for _, g := range hs.keyGroups {
			ok = ok && g != m.group
		}
		if !ok {
			c.hsFail(KindHelloRetry, AlertIllegalParameter, nil)
			return
		}
		k, err := generateKey(m.group, c.rand)
		if err != nil {
			c.hsFail(KindInternal, AlertInternalError, err)
			return
		}
		hs.keys, hs.keyGroups = []*ecdh.PrivateKey{k}, []Group{m.group}
	}
	if len(m.cookie) > maxCookie {
		// ClientHello2 echoes it and must fit the output buffer.
		c.hsFail(KindHelloRetry, AlertIllegalParameter, nil)
		return
	}
	if m.cookie != nil {
		hs.cookie = append([]byte(nil), m.cookie...)
	}
	hs.hrr, hs.hrrSuite = true, suite
	// The retry fixes the suite; it also makes ClientHello2's record
	// carry legacy_record_version 0x0303 (sealRecord).
	c.suite = suite
	// msg lives in the receive buffer: copy what outlives this call.
	hs.prefix = append(messageHash(suite, hs.ch), msg...)
	if hs.session != nil && hs.pskSuite.hlen != suite.hlen {
		hs.session = nil // the PSK cannot go with this suite's hash
	}
	hs.transcript = suite.hash()
	hs.transcript.Write(hs.prefix)
	hs.ch = c.clientHello()
	c.sendHandshake(hs.transcript, hs.ch)
}

// maxCookie bounds a HelloRetryRequest cookie; real ones (OpenSSL's
// stateless mode) are a few hundred bytes.
const maxCookie = 8 << 10

// paddingLen is the body length of the RFC 7685 padding extension for a
// ClientHello of l bytes (header included), or -1 for none: some
// middleboxes hang on hellos of 256 to 511 bytes, so those are padded to
// 512 as BoringSSL and NSS do (the RFC 8448 resumed hello is one).
func paddingLen(l int) int {
	if l < 256 || l >= 512 {
		return -1
	}
	return max(0, 512-4-l)
}
