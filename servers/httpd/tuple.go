package httpd

import (
	"net/netip"

	"github.com/seed947b3480/legation/stream"
)

// tupler is a stream that knows its addresses, as *tcp.Conn does.
type tupler interface {
	Tuple() (local, remote netip.AddrPort)
}

// unwrapper is a stream layered over another, as a TLS session is.
type unwrapper interface {
	Inner() stream.Conn
}

// tuple returns the addresses of s, or of the stream under it: the
// connection record keeps no copy of them, so an idle connection stays
// small.
func tuple(s stream.Conn) (local, remote netip.AddrPort) {
	for range 4 {
		if t, ok := s.(tupler); ok {
			return t.Tuple()
		}
		u, ok := s.(unwrapper)
		if !ok {
			break
		}
		s = u.Inner()
	}
	return netip.AddrPort{}, netip.AddrPort{}
}
