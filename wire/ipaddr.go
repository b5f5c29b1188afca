package wire

import "net/netip"

// addr4 returns the four bytes of an IPv4 (or IPv4-mapped IPv6) address and
// zeros for anything else, so that emitting a zero netip.Addr cannot panic
// the way netip.Addr.As4 would.
func addr4(a netip.Addr) [4]byte {
	if a.Is4() || a.Is4In6() {
		return a.As4()
	}
	return [4]byte{}
}

// readAddr4 reads an IPv4 address from the first four bytes of b. It does
// not allocate.
func readAddr4(b []byte) netip.Addr {
	return netip.AddrFrom4([4]byte{b[0], b[1], b[2], b[3]})
}

// putAddr4 writes a as an IPv4 address into the first four bytes of b.
func putAddr4(b []byte, a netip.Addr) {
	v := addr4(a)
	copy(b[:4], v[:])
}
