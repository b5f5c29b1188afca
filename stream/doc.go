// Package stream names the ordered, reliable byte stream that legation's
// protocol clients run over, so that each client is written once and TLS
// slots in under it without changing its API.
//
// A *tcp.Conn is a Conn as it is. A TLS session (tlsx/tlsstream) is one
// too: its ReadLease lends decrypted bytes, its WriteLease takes plaintext,
// and its ConnectFuture completes when the handshake has. A client asks a
// Dialer for its Conn: TCP dials plain TCP over the stack; a TLS dialer
// wraps it and uses the server name for SNI and certificate checks.
// Callbacks sets a Conn's four callbacks at once; Tuple finds a Conn's
// addresses, through the layers over TCP.
//
// Everything here runs on the reactor goroutine.
package stream
