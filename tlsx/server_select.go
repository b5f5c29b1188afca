package tlsx

import "crypto/x509"

// srvPickSuite is the first suite of ours (Config.CipherSuites or the default
// order) the client offered.
func (c *Conn) srvPickSuite(offered []uint16) *suiteInfo {
	ours := c.cfg.CipherSuites
	if ours == nil {
		ours = defaultServerSuites
	}
	for _, s := range ours {
		if has(offered, s) {
			return suiteByID(s)
		}
	}
	return nil
}

// srvPickGroup chooses the key exchange group: the first of ours the client
// sent a share for, so no round trip is lost; else the first of ours the
// client supports, with a nil share (a HelloRetryRequest asks for it);
// else 0.
func (c *Conn) srvPickGroup(m *clientHelloMsg) (Group, []byte) {
	ours := c.cfg.Groups
	if ours == nil {
		ours = []Group{X25519, P256}
	}
	for _, g := range ours {
		for _, ks := range m.shares {
			if ks.group == g {
				return g, ks.pub
			}
		}
	}
	for _, g := range ours {
		if has(m.groups, uint16(g)) {
			return g, nil
		}
	}
	return 0, nil
}

// srvPickCert chooses the chain to serve: the first whose leaf carries
// the SNI name and whose key can sign a scheme the client accepts, else
// the first whose key can. Leaves are parsed only to match a name among
// several chains.
func (c *Conn) srvPickCert(name string, sigAlgs []uint16) (*Certificate, uint16) {
	certs := c.cfg.Certificates
	if name != "" && len(certs) > 1 {
		for i := range certs {
			s := pickScheme(certs[i].Key.Public(), sigAlgs)
			if s == 0 {
				continue
			}
			if leaf, err := x509.ParseCertificate(certs[i].Chain[0]); err == nil && leaf.VerifyHostname(name) == nil {
				return &certs[i], s
			}
		}
	}
	for i := range certs {
		if s := pickScheme(certs[i].Key.Public(), sigAlgs); s != 0 {
			return &certs[i], s
		}
	}
	return nil, 0
}

// checkRetryHello checks a ClientHello sent after our HelloRetryRequest
// against the first (section 4.1.2): the same but for one key share for
// the group we asked for, early_data gone, and the PSK's ages and binders
// (and padding) recomputed.
func checkRetryHello(first []byte, m *clientHelloMsg, group Group) *Error {
	bad := newError(KindIllegalParameter, AlertIllegalParameter, errRetryMismatch)
	ch1, e := parseClientHello(first)
	if e != nil {
		return bad
	}
	if m.version != ch1.version || string(m.random) != string(ch1.random) ||
		string(m.sessionID) != string(ch1.sessionID) || len(m.suites) != len(ch1.suites) ||
		len(m.shares) != 1 || m.shares[0].group != group || m.earlyData || m.hasCookie {
		return bad
	}
	for i := range m.suites {
		if m.suites[i] != ch1.suites[i] {
			return bad
		}
	}
	mayChange := func(t uint16) bool {
		return t == extKeyShare || t == extEarlyData || t == extCookie || t == extPreSharedKey || t == extPadding
	}
	n := 0
	for _, e := range ch1.exts {
		if mayChange(e.typ) {
			continue
		}
		n++
		d, ok := m.ext(e.typ)
		if !ok || string(d) != string(e.data) {
			return bad
		}
	}
	for _, e := range m.exts {
		if !mayChange(e.typ) {
			n--
		}
	}
	if n != 0 {
		return bad
	}
	return nil
}
