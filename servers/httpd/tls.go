package httpd

import (
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
)

// Securer makes a Server speak HTTPS: it starts a secure session over each
// accepted connection. tlsx/tlsstream's Acceptor is one (TLS 1.3, package
// tlsx). The seam is an interface so that a program serving plain HTTP
// links no TLS engine: httpd itself imports none.
type Securer interface {
	// Prepare is called by Listen, before anything is accepted: it checks
	// that the Securer can serve (certificates present and usable) and
	// tells it the application protocols the server speaks, to offer in
	// ALPN unless it was configured with its own ("http/1.1").
	Prepare(protos []string) error
	// Secure starts a server session over inner, an accepted connection.
	// The session is a stream.Conn whose ConnectFuture completes with its
	// handshake; the server bounds the handshake with HeaderTimeout, so
	// the session needs no timer of its own. On an error the server aborts
	// inner.
	Secure(inner stream.Conn) (stream.Conn, error)
}

// alpnHTTP11 is what an HTTPS server offers in ALPN (RFC 7301): the one
// protocol it speaks.
var alpnHTTP11 = []string{"http/1.1"}

// startTLS wraps an accepted connection in a secure session. The session
// gets no handshake timer of its own: the connection's head deadline, set
// at accept, covers the handshake too.
func (s *Server) startTLS(tc *tcp.Conn) (stream.Conn, error) {
	return s.cfg.TLS.Secure(tc)
}
