package tlsstream

import (
	"net/netip"

	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tlsx"
)

// Dialer opens TLS client sessions over the streams Inner dials: a
// stream.Dialer for clients/http's TLSDialer and clients/mqtt's Dialer.
type Dialer struct {
	Inner stream.Dialer
	// Config is shared by every session. When its ServerName is empty,
	// each dial uses a copy naming the server the caller asked for (the
	// URL's host, the broker's name; the address when that is empty), for
	// SNI and the certificate's host check.
	Config  *tlsx.Config
	Options Options
}

// Dial starts a TLS session to remote: the engine first, so that a bad
// Config fails before any packet is sent, then the inner stream.
func (d *Dialer) Dial(remote netip.AddrPort, serverName string) (stream.Conn, error) {
	cfg := d.Config
	if cfg == nil {
		return nil, tlsx.ErrConfig
	}
	if cfg.ServerName == "" {
		name := serverName
		if name == "" {
			name = remote.Addr().String()
		}
		cc := *cfg
		cc.ServerName = name
		cfg = &cc
	}
	e, err := tlsx.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	inner, err := d.Inner.Dial(remote, serverName)
	if err != nil {
		return nil, err
	}
	return New(inner, e, d.Options), nil
}

var _ stream.Conn = (*Conn)(nil)
var _ stream.Dialer = (*Dialer)(nil)
