package tlsx

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"io"
	"time"
)

// TicketKeys seal a server's session tickets. Tickets are stateless: each
// is the resumption PSK and what the server must know to resume (suite,
// creation time, lifetime, age_add, whether a client certificate was
// verified) sealed with AES-256-GCM under a key only the server holds.
//
// Keys rotate: Rotate puts a fresh key in front for sealing and keeps the
// previous ones (up to three in all) for opening, so tickets issued before
// a rotation still resume until the oldest key drops out. A TicketKeys is
// used by every Conn whose Config points at it; like the Conns it is not
// safe for concurrent use and lives on the reactor goroutine.
type TicketKeys struct {
	keys []ticketKey // keys[0] seals
	rand io.Reader
}

type ticketKey struct {
	name [ticketNameLen]byte
	aead cipher.AEAD
}

const (
	ticketNameLen  = 16
	ticketNonceLen = 12
	maxTicketKeys  = 3
	ticketVersion  = 1
	// ticketOverhead is name + nonce + GCM tag around the plaintext.
	ticketOverhead = ticketNameLen + ticketNonceLen + 16
	// maxTicketLifetime is RFC 8446's cap (section 4.6.1).
	maxTicketLifetime = 7 * 24 * time.Hour
)

// DefaultTicketLifetime is how long a ticket resumes when
// Config.TicketLifetime is 0.
const DefaultTicketLifetime = 24 * time.Hour

// NewTicketKeys makes ticket keys with one fresh key from rand (nil means
// crypto/rand.Reader).
func NewTicketKeys(rand io.Reader) (*TicketKeys, error) {
	t := &TicketKeys{rand: rand}
	if err := t.Rotate(); err != nil {
		return nil, err
	}
	return t, nil
}

// Rotate makes a new sealing key and keeps the previous ones for opening,
// at most three keys in all.
func (t *TicketKeys) Rotate() error {
	var secret [ticketNameLen + 32]byte
	if _, err := io.ReadFull(randOrDefault(t.rand), secret[:]); err != nil {
		return err
	}
	k := ticketKey{}
	copy(k.name[:], secret[:ticketNameLen])
	b, err := aes.NewCipher(secret[ticketNameLen:])
	if err != nil {
		return err
	}
	if k.aead, err = cipher.NewGCM(b); err != nil {
		return err
	}
	if len(t.keys) == maxTicketKeys {
		t.keys = t.keys[:maxTicketKeys-1]
	}
	t.keys = append([]ticketKey{k}, t.keys...)
	return nil
}

// ticketState is what a ticket carries.
type ticketState struct {
	suite      uint16
	created    int64 // Unix seconds
	lifetime   uint32
	ageAdd     uint32
	clientCert bool
	psk        []byte
}

var errTicket = errors.New("tlsx: ticket does not open")

// seal encodes and encrypts st into a fresh ticket.
func (t *TicketKeys) seal(st *ticketState) ([]byte, error) {
	k := &t.keys[0]
	pt := make([]byte, 0, 20+len(st.psk))
	pt = append(pt, ticketVersion)
	pt = binary.BigEndian.AppendUint16(pt, st.suite)
	pt = binary.BigEndian.AppendUint64(pt, uint64(st.created))
	pt = binary.BigEndian.AppendUint32(pt, st.lifetime)
	pt = binary.BigEndian.AppendUint32(pt, st.ageAdd)
	flags := byte(0)
	if st.clientCert {
		flags = 1
	}
	pt = append(pt, flags, byte(len(st.psk)))
	pt = append(pt, st.psk...)
	out := make([]byte, ticketNameLen+ticketNonceLen, ticketOverhead+len(pt))
	copy(out, k.name[:])
	if _, err := io.ReadFull(randOrDefault(t.rand), out[ticketNameLen:]); err != nil {
		return nil, err
	}
	return k.aead.Seal(out, out[ticketNameLen:], pt, out[:ticketNameLen]), nil
}

// open decrypts and decodes a ticket; any failure (unknown key, forged or
// truncated ticket, bad encoding) is errTicket.
func (t *TicketKeys) open(ticket []byte) (*ticketState, error) {
	if len(ticket) < ticketOverhead {
		return nil, errTicket
	}
	for i := range t.keys {
		k := &t.keys[i]
		if string(k.name[:]) != string(ticket[:ticketNameLen]) {
			continue
		}
		pt, err := k.aead.Open(nil, ticket[ticketNameLen:ticketNameLen+ticketNonceLen],
			ticket[ticketNameLen+ticketNonceLen:], ticket[:ticketNameLen])
		if err != nil || len(pt) < 21 || pt[0] != ticketVersion || int(pt[20]) != len(pt)-21 {
			return nil, errTicket
		}
		return &ticketState{
			suite:      binary.BigEndian.Uint16(pt[1:]),
			created:    int64(binary.BigEndian.Uint64(pt[3:])),
			lifetime:   binary.BigEndian.Uint32(pt[11:]),
			ageAdd:     binary.BigEndian.Uint32(pt[15:]),
			clientCert: pt[19]&1 != 0,
			psk:        pt[21:],
		}, nil
	}
	return nil, errTicket
}
