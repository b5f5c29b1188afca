package tlsstream

import (
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tlsx"
)

// Server starts a TLS server session over inner (an accepted connection,
// usually): the engine waits for the ClientHello.
func Server(inner stream.Conn, cfg *tlsx.Config, opts Options) (*Conn, error) {
	e, err := tlsx.NewServer(cfg)
	if err != nil {
		return nil, err
	}
	return New(inner, e, opts), nil
}
