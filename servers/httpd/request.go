package httpd

import (
	"net/netip"
	"unsafe"

	"github.com/seed947b3480/legation/internal/http1"
)

// span locates bytes in a request's buffer.
type span struct{ off, n uint32 }

// field is one header field of a request head.
type field struct{ name, value span }

// maxSegments bounds the captures of one route pattern.
const maxSegments = 8

// Request is one request's head, body and route captures. Its strings point
// into the request's lent buffer: they stay valid until the response has
// been sent, and a handler that keeps one longer copies it (strings.Clone).
type Request struct {
	buf    []byte
	method string
	target span // as sent
	path   span // percent-decoded in place
	query  span
	minor  uint8 // HTTP/1.minor
	fields []field
	segs   [maxSegments]span
	nsegs  int
	remote netip.AddrPort

	contentLength  int64 // -1: none given
	chunked        bool
	keepAlive      bool
	expectContinue bool
	upgrade        bool // Upgrade: websocket with Connection: upgrade
	head           int  // length of the head in buf
	body           []byte
}

func (r *Request) str(s span) string {
	if s.n == 0 {
		return ""
	}
	return unsafe.String(&r.buf[s.off], int(s.n))
}

// Method returns the request method, e.g. "GET".
func (r *Request) Method() string { return r.method }

// Target returns the request target as sent, e.g. "/api/items/7?full=1".
func (r *Request) Target() string { return r.str(r.target) }

// Path returns the percent-decoded path, e.g. "/api/items/7".
func (r *Request) Path() string { return r.str(r.path) }

// RawQuery returns the query after '?', undecoded, e.g. "full=1".
func (r *Request) RawQuery() string { return r.str(r.query) }

// Query returns the first value of key in the query string, with '+' and
// percent escapes as sent (see Unescape), and whether key was present.
func (r *Request) Query(key string) (string, bool) {
	q := r.RawQuery()
	for len(q) > 0 {
		var pair string
		pair, q = cut(q, '&')
		k, v := cut(pair, '=')
		if k == key {
			return v, true
		}
	}
	return "", false
}

// Segment returns the i-th path segment captured by the route's wildcards,
// or "" if there is no such capture.
func (r *Request) Segment(i int) string {
	if i < 0 || i >= r.nsegs {
		return ""
	}
	return r.str(r.segs[i])
}

// Segments reports the number of captured path segments.
func (r *Request) Segments() int { return r.nsegs }

// Header returns the value of the first header field named name (compared
// without regard to case) and whether there was one.
func (r *Request) Header(name string) (string, bool) {
	for _, f := range r.fields {
		if http1.EqualFold(r.buf[f.name.off:f.name.off+f.name.n], name) {
			return r.str(f.value), true
		}
	}
	return "", false
}

// NumHeaders reports the number of header fields; HeaderAt returns the
// i-th, for handlers that walk them all.
func (r *Request) NumHeaders() int { return len(r.fields) }

// HeaderAt returns the name and value of the i-th header field.
func (r *Request) HeaderAt(i int) (name, value string) {
	f := r.fields[i]
	return r.str(f.name), r.str(f.value)
}

// ContentLength reports the declared body length, or -1 when the body is
// chunked or absent.
func (r *Request) ContentLength() int64 { return r.contentLength }

// Body returns the body of a request served by a Handler: the whole body,
// read into the request's buffer before the handler ran. It is nil for
// StreamHandlers, which get the body in pieces.
func (r *Request) Body() []byte { return r.body }

// RemoteAddr returns the client's address and port.
func (r *Request) RemoteAddr() netip.AddrPort { return r.remote }

// ProtoMinor is 0 for HTTP/1.0 and 1 for HTTP/1.1.
func (r *Request) ProtoMinor() int { return int(r.minor) }

func cut(s string, sep byte) (before, after string) {
	for i := 0; i < len(s); i++ {
		if s[i] == sep {
			return s[:i], s[i+1:]
		}
	}
	return s, ""
}

// Unescape decodes percent escapes, and '+' as a space when plus is set (as
// in a query), appending to dst. It reports false for a malformed escape.
func Unescape(dst []byte, s string, plus bool) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 >= len(s) {
				return dst, false
			}
			h, ok1 := http1.Unhex(s[i+1])
			l, ok2 := http1.Unhex(s[i+2])
			if !ok1 || !ok2 {
				return dst, false
			}
			dst = append(dst, h<<4|l)
			i += 2
		case c == '+' && plus:
			dst = append(dst, ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst, true
}

func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
