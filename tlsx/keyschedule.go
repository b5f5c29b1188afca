package tlsx

import (
	"crypto/hkdf"
	"crypto/hmac"
	"hash"
)

// expandLabel is HKDF-Expand-Label (RFC 8446 section 7.1).
func expandLabel(h func() hash.Hash, secret []byte, label string, context []byte, length int) []byte {
	info := make([]byte, 0, 4+6+len(label)+len(context))
	info = append(info, byte(length>>8), byte(length), byte(6+len(label)))
	info = append(info, "tls13 "...)
	info = append(info, label...)
	info = append(info, byte(len(context)))
	info = append(info, context...)
	out, err := hkdf.Expand(h, secret, string(info), length)
	if err != nil {
		// Only reachable with an impossible length; a zero key makes
		// every later AEAD check fail rather than panic.
		return make([]byte, length)
	}
	return out
}

func extract(h func() hash.Hash, ikm, salt []byte) []byte {
	out, err := hkdf.Extract(h, ikm, salt)
	if err != nil {
		return make([]byte, h().Size())
	}
	return out
}

// deriveSecret is Derive-Secret with the transcript hash already taken.
func deriveSecret(s *suiteInfo, secret []byte, label string, transcriptHash []byte) []byte {
	return expandLabel(s.hash, secret, label, transcriptHash, s.hlen)
}

func emptyHash(s *suiteInfo) []byte { return s.hash().Sum(nil) }

// finishedMAC is the verify_data of a Finished message (section 4.4.4).
func finishedMAC(s *suiteInfo, baseKey, transcriptHash []byte) []byte {
	fk := expandLabel(s.hash, baseKey, "finished", nil, s.hlen)
	m := hmac.New(s.hash, fk)
	m.Write(transcriptHash)
	return m.Sum(nil)
}
