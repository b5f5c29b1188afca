package tlsx

import "time"

const (
	defaultMaxTicket = 4 << 10
	maxTicketCap     = 16 << 10           // the ClientHello carrying it must fit the output buffer
	maxTicketLife    = 7 * 24 * time.Hour // RFC 8446 section 4.6.1
)

// takeSession takes the cached session for the server name out of the
// cache (a ticket is offered once) and returns it if it can be offered.
func (c *Conn) takeSession() *Session {
	cache := c.cfg.SessionCache
	if cache == nil {
		return nil
	}
	s := cache.Get(c.cfg.ServerName)
	if s == nil {
		return nil
	}
	cache.Put(c.cfg.ServerName, nil)
	if s.expired(c.now()) || (!c.cfg.SkipCertificateVerification && !s.verified) {
		return nil
	}
	// The server must resume with a suite of the PSK's hash; offer it
	// only if we offer such a suite.
	ps := suiteByID(s.suite)
	for _, id := range c.hs.shape.suites {
		if x := suiteByID(id); ps != nil && x != nil && x.hlen == ps.hlen {
			return s
		}
	}
	return nil
}

// storeTicket keeps a NewSessionTicket in the cache, replacing the
// server name's previous one.
func (c *Conn) storeTicket(m *newSessionTicket) {
	cache := c.cfg.SessionCache
	if cache == nil || c.resumption == nil {
		return
	}
	max := c.cfg.MaxTicketSize
	if max <= 0 {
		max = defaultMaxTicket
	}
	if max > maxTicketCap {
		max = maxTicketCap
	}
	if len(m.ticket) > max || m.lifetime == 0 {
		return
	}
	life := time.Duration(m.lifetime) * time.Second
	if life > maxTicketLife {
		life = maxTicketLife
	}
	cache.Put(c.cfg.ServerName, &Session{
		suite:     c.suite.id,
		ticket:    append([]byte(nil), m.ticket...),
		psk:       resumptionPSK(c.suite, c.resumption, m.nonce),
		ageAdd:    m.ageAdd,
		lifetime:  life,
		received:  c.now(),
		verified:  !c.cfg.SkipCertificateVerification,
		peerCerts: c.peerCerts,
	})
}
