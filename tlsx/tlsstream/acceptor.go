package tlsstream

import (
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tlsx"
)

// Acceptor starts TLS server sessions over accepted connections: it is
// what servers/httpd's Config.TLS takes (an httpd.Securer), the server
// side of Dialer. httpd names only the interface, so that a program
// serving plain HTTP does not link the TLS engine.
type Acceptor struct {
	// Config is shared by every session; it must not change once the
	// Acceptor serves. With no NextProtos, the sessions offer in ALPN the
	// protocols Prepare was told (httpd: "http/1.1").
	Config *tlsx.Config
	// Options of each session. httpd bounds the handshake with its own
	// HeaderTimeout, so the zero Options (no handshake timer) suit it.
	// With Config.Buffers (a record buffer pool shared by the sessions),
	// set Reactor too, with HandshakeTimeout -1 to keep no timer: the
	// pool then resumes a session refused a buffer from a reactor task
	// as soon as one is given back (pool.go).
	Options Options

	prepared *tlsx.Config // Config, with Prepare's protocols
}

// Prepare checks that the Acceptor can serve (a Config with certificates
// tlsx can sign with) and makes its sessions offer protos in ALPN unless
// Config names NextProtos. Secure without Prepare uses Config as it is.
func (a *Acceptor) Prepare(protos []string) error {
	cfg := a.Config
	if cfg == nil {
		return tlsx.ErrConfig
	}
	if len(cfg.NextProtos) == 0 && len(protos) > 0 {
		c := *cfg
		c.NextProtos = protos
		cfg = &c
	}
	if _, err := tlsx.NewServer(cfg); err != nil {
		return err
	}
	a.prepared = cfg
	return nil
}

// Secure starts a TLS server session over inner (Server): the engine
// waits for the ClientHello.
func (a *Acceptor) Secure(inner stream.Conn) (stream.Conn, error) {
	cfg := a.prepared
	if cfg == nil {
		cfg = a.Config
	}
	if cfg == nil {
		return nil, tlsx.ErrConfig
	}
	c, err := Server(inner, cfg, a.Options)
	if err != nil {
		return nil, err
	}
	return c, nil
}
