package tlsx

// The PSK half of the TLS 1.3 key schedule (RFC 8446 sections 4.2.11,
// 4.6.1 and 7.1), shared by the client (offering a ticket) and the server
// (accepting one). With no PSK the early secret is HKDF-Extract(0, 0) and
// everything below still holds.

// pskModeDHE is psk_dhe_ke, the only PSK key exchange mode tlsx offers or
// accepts: plain psk_ke would give up forward secrecy.
const pskModeDHE = 1

// typeMessageHash is the synthetic handshake type that replaces the first
// ClientHello in the transcript after a HelloRetryRequest (section 4.4.1).
const typeMessageHash = 254

// resumptionPSK derives the PSK a NewSessionTicket with this nonce stands
// for: HKDF-Expand-Label(resumption_master_secret, "resumption", nonce).
func resumptionPSK(s *suiteInfo, resumptionMaster, nonce []byte) []byte {
	return expandLabel(s.hash, resumptionMaster, "resumption", nonce, s.hlen)
}

// earlySecret is HKDF-Extract(0, PSK); a nil psk is the all-zero input of
// a full handshake.
func earlySecret(s *suiteInfo, psk []byte) []byte {
	if psk == nil {
		psk = make([]byte, s.hlen)
	}
	return extract(s.hash, psk, nil)
}

// handshakeSecret is HKDF-Extract(Derive-Secret(early, "derived", ""),
// (EC)DHE shared secret).
func handshakeSecret(s *suiteInfo, early, shared []byte) []byte {
	return extract(s.hash, shared, deriveSecret(s, early, "derived", emptyHash(s)))
}

// binderKey is Derive-Secret(early, "res binder", ""): tlsx only does
// resumption PSKs, never external ones ("ext binder").
func binderKey(s *suiteInfo, early []byte) []byte {
	return deriveSecret(s, early, "res binder", emptyHash(s))
}

// pskBinder is the binder of one PSK: a Finished MAC keyed by the binder
// key over the hash of the transcript up to and including the truncated
// ClientHello (section 4.2.11.2). After a HelloRetryRequest that
// transcript is message_hash(ClientHello1), HelloRetryRequest, truncated
// ClientHello2.
func pskBinder(s *suiteInfo, early, truncatedTranscriptHash []byte) []byte {
	return finishedMAC(s, binderKey(s, early), truncatedTranscriptHash)
}

// messageHash is the synthetic message_hash message that stands for the
// first ClientHello (header included) in the transcript after a
// HelloRetryRequest.
func messageHash(s *suiteInfo, clientHello1 []byte) []byte {
	h := s.hash()
	h.Write(clientHello1)
	m := make([]byte, 4, 4+s.hlen)
	m[0], m[3] = typeMessageHash, byte(s.hlen)
	return h.Sum(m)
}

// obfuscatedAge is what a client sends for a ticket received ageMillis
// milliseconds ago; ticketAge undoes it on the server. Both wrap mod 2^32.
func obfuscatedAge(ageMillis, ageAdd uint32) uint32 { return ageMillis + ageAdd }

func ticketAge(obfuscated, ageAdd uint32) uint32 { return obfuscated - ageAdd }
