package tlsx

import (
	"crypto/hmac"
	"encoding/binary"
	"errors"
	"io"
	"time"
)

var (
	errBadBinder     = errors.New("tlsx: PSK binder does not verify")
	errRetryMismatch = errors.New("tlsx: second ClientHello does not match the first")
	errFlightTooBig  = errors.New("tlsx: handshake message does not fit the output buffer")
)

func (c *Conn) srvTicketLifetime() time.Duration {
	l := c.cfg.TicketLifetime
	if l <= 0 {
		l = DefaultTicketLifetime
	}
	if l > maxTicketLifetime {
		l = maxTicketLifetime
	}
	return l
}

// sendTicket queues one NewSessionTicket (section 4.6.1) right after the
// handshake. A failure to make one only loses resumption, so it is not
// fatal.
func (c *Conn) srvSendTicket(clientCert bool) {
	var r [4]byte
	if _, err := io.ReadFull(c.rand, r[:]); err != nil {
		return
	}
	nonce := []byte{byte(c.tickets)}
	c.tickets++
	life := c.srvTicketLifetime()
	st := ticketState{
		suite:      c.suite.id,
		created:    c.now().Unix(),
		lifetime:   uint32(life / time.Second),
		ageAdd:     binary.BigEndian.Uint32(r[:]),
		clientCert: clientCert,
		psk:        resumptionPSK(c.suite, c.resumption, nonce),
	}
	ticket, err := c.cfg.TicketKeys.seal(&st)
	if err != nil {
		return
	}
	c.writeMessage(contentHandshake, marshalNewSessionTicket(st.lifetime, st.ageAdd, nonce, ticket))
}

// acceptTicket picks the first PSK identity that is a live ticket of ours
// usable with suite, and checks its binder. prefix is the transcript
// before this ClientHello (empty, or message_hash and the
// HelloRetryRequest). It answers index -1 and a nil state for a full
// handshake; a binder that does not verify is fatal (section 4.2.11).
func (c *Conn) srvAcceptTicket(m *clientHelloMsg, suite *suiteInfo, prefix []byte) (int, *ticketState, *Error) {
	keys := c.cfg.TicketKeys
	if !m.hasPSK || keys == nil {
		return -1, nil, nil
	}
	if !m.hasPSKModes {
		return -1, nil, newError(KindDecode, AlertMissingExtension, nil)
	}
	// psk_dhe_ke only: plain psk_ke would give up forward secrecy.
	dhe := false
	for _, mode := range m.pskModes {
		dhe = dhe || mode == pskModeDHE
	}
	if !dhe {
		return -1, nil, nil
	}
	now := c.now()
	for i, id := range m.identities {
		st, err := keys.open(id.label)
		if err != nil {
			continue
		}
		ts := suiteByID(st.suite)
		// A ticket resumes under any suite with the same hash (section
		// 4.2.11); the PSK's length is that hash's.
		if ts == nil || ts.hlen != suite.hlen || len(st.psk) != suite.hlen {
			continue
		}
		age := now.Sub(time.Unix(st.created, 0))
		life := time.Duration(st.lifetime) * time.Second
		if age < -time.Minute || age > life {
			continue
		}
		// The client's own view of the age must be within the lifetime
		// too (its clock may differ; the server's age decides expiry).
		if clientAge := time.Duration(ticketAge(id.obfuscatedAge, st.ageAdd)) * time.Millisecond; clientAge > life+time.Minute {
			continue
		}
		if c.cfg.ClientAuth.required() && !st.clientCert {
			continue // this session never proved a client certificate
		}
		trunc, ok := truncatedHello(m.raw, m.binders)
		if !ok {
			return -1, nil, newError(KindDecode, AlertDecodeError, nil)
		}
		h := suite.hash()
		h.Write(prefix)
		h.Write(trunc)
		want := pskBinder(suite, earlySecret(suite, st.psk), h.Sum(nil))
		if !hmac.Equal(want, m.binders[i]) {
			return -1, nil, newError(KindBadFinished, AlertDecryptError, errBadBinder)
		}
		return i, st, nil
	}
	return -1, nil, nil
}
