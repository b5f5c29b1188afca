package httpd

import (
	"net/netip"

	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
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
	// A plain TCP connection first, by its concrete type: an assertion
	// to an interface type goes through the runtime, whose per-site
	// cache of the types seen is rebuilt (an allocation) now and then
	// until it has them all, at random, so that a server that had been
	// quiet for an hour would allocate once in its next.
	if tc, ok := s.(*tcp.Conn); ok {
		return tc.Tuple()
	}
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
