package tlsx

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"crypto/sha512"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"
)

// Cipher suite identifiers (RFC 8446 appendix B.4).
const (
	TLS_AES_128_GCM_SHA256       uint16 = 0x1301
	TLS_AES_256_GCM_SHA384       uint16 = 0x1302
	TLS_CHACHA20_POLY1305_SHA256 uint16 = 0x1303
)

// Group is a key exchange group (RFC 8446 section 4.2.7).
type Group uint16

// Supported groups.
const (
	X25519 Group = 0x001d
	P256   Group = 0x0017
)

type suiteInfo struct {
	id     uint16
	keyLen int
	hash   func() hash.Hash
	hlen   int
	aead   func(key []byte) (cipher.AEAD, error)
}

func aesGCM(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

var suites = [...]suiteInfo{
	{TLS_AES_128_GCM_SHA256, 16, sha256.New, 32, aesGCM},
	{TLS_AES_256_GCM_SHA384, 32, sha512.New384, 48, aesGCM},
	{TLS_CHACHA20_POLY1305_SHA256, 32, sha256.New, 32, chacha20poly1305.New},
}

func suiteByID(id uint16) *suiteInfo {
	for i := range suites {
		if suites[i].id == id {
			return &suites[i]
		}
	}
	return nil
}
