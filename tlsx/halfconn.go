package tlsx

import "crypto/cipher"

// halfConn is one direction's record protection: the AEAD, the static IV
// and the sequence number that makes each nonce (RFC 8446 section 5.3).
type halfConn struct {
	aead   cipher.AEAD
	iv     [12]byte
	nonce  [12]byte
	seq    uint64
	secret []byte // current traffic secret, kept for KeyUpdate
}

func (h *halfConn) set(s *suiteInfo, secret []byte) error {
	key := expandLabel(s.hash, secret, "key", nil, s.keyLen)
	iv := expandLabel(s.hash, secret, "iv", nil, 12)
	a, err := s.aead(key)
	if err != nil {
		return err
	}
	h.aead = a
	copy(h.iv[:], iv)
	h.seq = 0
	h.secret = secret
	return nil
}

// nextNonce returns the per-record nonce and advances the sequence
// number; the slice points into h and so does not allocate.
func (h *halfConn) nextNonce() []byte {
	h.nonce = h.iv
	s := h.seq
	for i := 11; i >= 4; i-- {
		h.nonce[i] ^= byte(s)
		s >>= 8
	}
	h.seq++
	return h.nonce[:]
}
