package dns

import (
	"net/netip"
	"time"
)

// Result is the outcome of a successful lookup: up to MaxAddrs addresses,
// IPv4 ones first for LookupHost, in the order the server gave them.
type Result struct {
	Addrs [MaxAddrs]netip.Addr
	N     int
	// TTL is how long the answer may still be used: the lowest TTL of the
	// records behind it, less the time it has spent in the cache.
	TTL time.Duration
}

// List returns the addresses as a slice of r's array.
func (r *Result) List() []netip.Addr { return r.Addrs[:r.N] }

// add appends a, ignoring it when full; it reports whether a was kept.
func (r *Result) add(a netip.Addr) bool {
	if r.N == MaxAddrs {
		return false
	}
	r.Addrs[r.N] = a
	r.N++
	return true
}
