package dns

import (
	"net/netip"

	"golang.org/x/net/dns/dnsmessage"
)

// maxNameText is the longest name in dotted form without the final dot:
// 253 bytes encode to the 255-byte wire limit (RFC 1035 2.3.4).
const maxNameText = 253

// makeName checks a name given by the caller and returns it in the fully
// qualified form dnsmessage packs (with the final dot). A trailing dot is
// accepted; search domains are not applied.
func makeName(s string) (dnsmessage.Name, error) {
	var n dnsmessage.Name
	if len(s) > 0 && s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	if len(s) == 0 {
		return n, ErrBadName
	}
	if len(s) > maxNameText {
		return n, ErrNameTooLong
	}
	label := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '.' {
			label++
			continue
		}
		if label == 0 {
			return n, ErrBadName
		}
		if label > 63 {
			return n, ErrNameTooLong
		}
		label = 0
	}
	if label == 0 {
		return n, ErrBadName
	}
	if label > 63 {
		return n, ErrNameTooLong
	}
	copy(n.Data[:], s)
	n.Data[len(s)] = '.'
	n.Length = uint8(len(s) + 1)
	return n, nil
}

// lower folds an ASCII letter; DNS names compare case-insensitively in
// ASCII only (RFC 4343).
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// nameEqual reports whether two names are the same, ignoring ASCII case.
func nameEqual(a, b *dnsmessage.Name) bool {
	if a.Length != b.Length {
		return false
	}
	for i := 0; i < int(a.Length); i++ {
		if lower(a.Data[i]) != lower(b.Data[i]) {
			return false
		}
	}
	return true
}

// nameHash is FNV-1a over the case-folded name and the type: the cache's
// quick filter before nameEqual.
func nameHash(n *dnsmessage.Name, t dnsmessage.Type) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < int(n.Length); i++ {
		h ^= uint64(lower(n.Data[i]))
		h *= 1099511628211
	}
	h ^= uint64(t)
	h *= 1099511628211
	return h
}

// literal reports whether s is an IP address literal and returns it. It
// calls netip.ParseAddr only on strings made of the characters an address
// uses, because a failed parse allocates its error.
func literal(s string) (netip.Addr, bool) {
	colon, digitsDots := false, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ':':
			colon = true
		case c == '.' || '0' <= c && c <= '9':
		case 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F':
			digitsDots = false
		default:
			return netip.Addr{}, false
		}
	}
	if !colon && !digitsDots || len(s) == 0 {
		return netip.Addr{}, false
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
