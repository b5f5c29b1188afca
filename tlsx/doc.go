// Package tlsx is a sans-IO TLS 1.3 engine (RFC 8446) for legation's
// single-goroutine reactor: it is fed ciphertext with Input, hands out
// ciphertext to send with Output or OutputLease, lends decrypted bytes with
// ReadLease and takes plaintext with Write or WriteLease. It never blocks
// and never starts a goroutine. Its timers run on the time the caller
// passes to Tick (NextDeadline says when to call it again). The one clock
// it reads is Config.Time, or time.Now when that is nil: for certificate
// validity (the server's chain on a client, client certificates on a
// server) and session tickets (a client's ticket age when it stores and
// offers a ticket, a server's ticket creation time and age check). A
// caller on legation's reactor sets Config.Time from the reactor's clock,
// so that virtual time covers those too.
//
// Memory is bounded by Config.RecordSizeLimit, the record_size_limit
// (RFC 8449) a Conn advertises: the receive buffer, allocated by
// NewClient or NewServer, holds one record of that size; the send buffer
// holds the handshake flight and then one record of the size both ends
// allow. An established idle Conn holds about 39 KiB with full 16 KiB
// records and about 7 KiB with a 2 KiB limit (MemoryFootprint). After the
// handshake a record in and a record out allocate nothing.
//
// With Config.Buffers (a BufferPool, shared by many Conns) a Conn borrows
// its record buffers only while they hold records: an established idle
// Conn holds none, about 2.3 KiB in all with AES-GCM and 0.9 KiB with
// ChaCha20-Poly1305 (the Conn, its cipher state and secrets; a client adds
// the server's chain). A pool exhausted is back-pressure:
// Input takes nothing, Write and WriteLease refuse, each with
// ErrWouldBlock, and the Conn is told (OnBufferReady) when it has been
// handed a buffer.
//
// It is built only on the standard library's primitives (crypto/ecdh,
// crypto/aes, crypto/cipher, crypto/hkdf, crypto/x509) and
// golang.org/x/crypto's ChaCha20-Poly1305.
//
// The client (NewClient) does X25519 and P-256 key exchange with one key
// share by default (Config.KeyShares) and answers one HelloRetryRequest
// for another group it listed; the three TLS 1.3 cipher suites;
// ECDSA/RSA-PSS/Ed25519 server signatures; SNI, ALPN, record_size_limit
// (RFC 8449) and RFC 7685 padding; session resumption from tickets kept in
// Config.SessionCache (psk_dhe_ke only, each ticket offered once);
// client certificates from Config.Certificates when the server asks;
// KeyUpdate both ways, close_notify and alerts. It sends no 0-RTT data.
//
// The server (NewServer) parses the ClientHello strictly and refuses
// anything but TLS 1.3 (protocol_version); it picks the suite, group and
// ALPN protocol by its own preference, the certificate by SNI and the
// client's signature_algorithms (ECDSA P-256/P-384/P-521, RSA-PSS,
// Ed25519), honours record_size_limit both ways, and sends a
// HelloRetryRequest (no cookie: the Conn keeps the state) when the client
// shares no group it takes, checking the second ClientHello against the
// first. With Config.ClientAuth it asks for and verifies client
// certificates against Config.ClientCAs. With Config.TicketKeys it issues
// one stateless, AEAD-sealed ticket after the handshake and resumes from
// it (psk_dhe_ke only, binder and lifetime checked). It accepts no 0-RTT
// data.
package tlsx
