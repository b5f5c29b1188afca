package stream

import (
	"net/netip"

	"github.com/seed947b3480/legation/tcp"
)

// tupler is a stream that knows its addresses, as *tcp.Conn does.
type tupler interface {
	Tuple() (local, remote netip.AddrPort)
}

// unwrapper is a stream layered over another, as a TLS session is (its
// Inner method).
type unwrapper interface {
	Inner() Conn
}

// Tuple returns the local and remote addresses of c, or of the stream
// under it (a TLS session's TCP connection), or zero AddrPorts if none
// knows them. A server's connection record can then keep no copy of them,
// so that an idle connection stays small.
func Tuple(c Conn) (local, remote netip.AddrPort) {
	// A plain TCP connection first, by its concrete type: an assertion
	// to an interface type goes through the runtime, whose per-site
	// cache of the types seen is rebuilt (an allocation) now and then
	// until it has them all, at random, so that a server that had been
	// quiet for an hour would allocate once in its next.
	if tc, ok := c.(*tcp.Conn); ok {
		return tc.Tuple()
	}
	for range 4 {
		if t, ok := c.(tupler); ok {
			return t.Tuple()
		}
		u, ok := c.(unwrapper)
		if !ok {
			break
		}
		c = u.Inner()
	}
	return netip.AddrPort{}, netip.AddrPort{}
}
