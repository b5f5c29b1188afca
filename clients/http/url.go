package http

import (
	"net/netip"

	"github.com/seed947b3480/legation/internal/http1"
)

// target is an absolute http or https URL taken apart, its strings slices
// of the URL: nothing is copied or decoded.
type target struct {
	https     bool
	host      string // a name, or an address without brackets
	port      uint16
	authority string // host[:port] as written, for the Host field
	path      string // from the first '/', "" when the URL has none
	query     string // from '?' on, "" when none
	addr      netip.Addr
	literal   bool // host is an address
}

// parseURL parses an absolute URL: scheme "://" authority path-abempty
// ["?" query] ["#" fragment] (RFC 3986 3). The fragment is dropped (it is
// never sent, RFC 9110 4.2.1); userinfo is refused, since sending
// credentials in a URL is deprecated (RFC 9110 4.2.4) and they would go to
// every redirect; so are bytes that must be percent-encoded (controls,
// space, non-ASCII), which are passed through only when encoded. It does not
// allocate.
func parseURL(s string, maxLen int) (u target, err Error) {
	if len(s) > maxLen {
		return u, ErrBadURL
	}
	i := 0
	for i < len(s) && s[i] != ':' {
		c := s[i]
		if !(isAlpha(c) || i > 0 && (http1.IsDigit(c) || c == '+' || c == '-' || c == '.')) {
			return u, ErrBadURL
		}
		i++
	}
	if i == len(s) || i == 0 {
		return u, ErrBadURL
	}
	switch {
	case equalFoldString(s[:i], "http"):
		u.port = 80
	case equalFoldString(s[:i], "https"):
		u.https, u.port = true, 443
	default:
		return u, ErrUnsupportedScheme
	}
	rest := s[i+1:]
	if len(rest) < 2 || rest[0] != '/' || rest[1] != '/' {
		return u, ErrBadURL
	}
	rest = rest[2:]
	if h := indexAnyString(rest, "#"); h >= 0 {
		rest = rest[:h]
	}
	end := indexAnyString(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	auth := rest[:end]
	rest = rest[end:]
	if q := indexAnyString(rest, "?"); q >= 0 {
		u.path, u.query = rest[:q], rest[q:]
	} else {
		u.path = rest
	}
	for j := 0; j < len(rest); j++ {
		switch c := rest[j]; {
		case c <= ' ' || c >= 0x7f:
			return u, ErrBadURL
		case c == '%':
			// Escapes go out as written, but only well-formed ones
			// (RFC 3986 2.1): a server must not have to guess.
			if j+2 >= len(rest) || !isHex(rest[j+1]) || !isHex(rest[j+2]) {
				return u, ErrBadURL
			}
		}
	}
	if err := u.parseAuthority(auth); err != 0 {
		return u, err
	}
	return u, 0
}

// parseAuthority parses host[:port], the host a name, an IPv4 address or
// a bracketed IPv6 address.
func (u *target) parseAuthority(a string) Error {
	if a == "" || indexAnyString(a, "@") >= 0 {
		return ErrBadURL
	}
	u.authority = a
	host, port := a, ""
	if a[0] == '[' {
		end := indexAnyString(a, "]")
		if end < 0 {
			return ErrBadURL
		}
		host = a[1:end]
		switch rest := a[end+1:]; {
		case rest == "":
		case rest[0] == ':':
			port = rest[1:]
		default:
			return ErrBadURL
		}
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.Is6() || ip.Zone() != "" {
			return ErrBadURL
		}
		u.addr, u.literal = ip, true
	} else {
		if c := indexAnyString(a, ":"); c >= 0 {
			host, port = a[:c], a[c+1:]
		}
		if host == "" || len(host) > 253 {
			return ErrBadURL
		}
		numeric := true
		for j := 0; j < len(host); j++ {
			c := host[j]
			if !(isAlpha(c) || http1.IsDigit(c) || c == '-' || c == '.' || c == '_') {
				return ErrBadURL
			}
			numeric = numeric && (http1.IsDigit(c) || c == '.')
		}
		// Only a name of digits and dots can be an address; asking
		// ParseAddr about others would allocate its error.
		if numeric {
			ip, err := netip.ParseAddr(host)
			if err != nil {
				return ErrBadURL // "1.2.3", "1.2.3.256": neither name nor address
			}
			u.addr, u.literal = ip, true
		}
	}
	u.host = host
	if port != "" {
		if len(port) > 5 {
			return ErrBadURL
		}
		p := 0
		for j := 0; j < len(port); j++ {
			if !http1.IsDigit(port[j]) {
				return ErrBadURL
			}
			p = p*10 + int(port[j]-'0')
		}
		if p == 0 || p > 65535 {
			return ErrBadURL
		}
		u.port = uint16(p)
	}
	return 0
}

// sameOrigin reports whether a and b reach the same scheme, host and port.
func sameOrigin(a, b *target) bool {
	return a.https == b.https && a.port == b.port && equalFoldString(a.host, b.host)
}

func indexAnyString(s, chars string) int {
	for i := 0; i < len(s); i++ {
		for j := 0; j < len(chars); j++ {
			if s[i] == chars[j] {
				return i
			}
		}
	}
	return -1
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isHex(c byte) bool { _, ok := http1.Unhex(c); return ok }

// equalFoldString compares ASCII strings without regard to case.
func equalFoldString(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if http1.Lower(a[i]) != http1.Lower(b[i]) {
			return false
		}
	}
	return true
}
