// Package tlsx is a sans-IO TLS 1.3 engine (RFC 8446) for legation's
// single-goroutine reactor: it is fed ciphertext with Input, hands out
// ciphertext to send with Output or OutputLease, lends decrypted bytes with
// ReadLease and takes plaintext with Write or WriteLease. It never blocks,
// never starts a goroutine and never reads the clock: the caller passes the
// time to Tick and asks NextDeadline when to call it again.
//
// Buffers are allocated once by NewClient; after the handshake a record in
// and a record out allocate nothing.
//
// It is built only on the standard library's primitives (crypto/ecdh,
// crypto/aes, crypto/cipher, crypto/hkdf, crypto/x509) and
// golang.org/x/crypto's ChaCha20-Poly1305.
//
// This slice has the client side: X25519 and P-256 key exchange, the three
// TLS 1.3 cipher suites, ECDSA/RSA-PSS/Ed25519 server signatures, SNI, ALPN,
// record_size_limit (RFC 8449), KeyUpdate both ways, close_notify and alerts.
// It does not yet do HelloRetryRequest (refused with ErrHelloRetry), session
// resumption, client certificates (a CertificateRequest is answered with an
// empty Certificate) or the server side.
package tlsx
