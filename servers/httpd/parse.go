package httpd

import "github.com/seed947b3480/legation/internal/http1"

// limits are the parts of Config the head parser enforces.
type limits struct {
	maxHeaders int
	maxURI     int
}

// parseHead parses a complete request head, buf[:n] ending in CRLF CRLF,
// into r, whose buf is buf and whose fields slice has room for maxHeaders.
// It returns 0 or the status with which to refuse the request. It is strict
// where leniency lets two parsers disagree about framing (RFC 9112 11.2):
// bare CR or LF, whitespace before a colon, folded lines, two
// Content-Lengths, Content-Length with Transfer-Encoding, and any transfer
// coding but chunked are all refused.
func parseHead(r *Request, buf []byte, n int, lim limits) int {
	r.buf = buf
	r.fields = r.fields[:0]
	r.nsegs = 0
	r.contentLength = -1
	r.chunked, r.expectContinue, r.upgrade = false, false, false
	r.body = nil
	r.head = n
	r.method = ""
	r.target, r.path, r.query = span{}, span{}, span{}

	line, rest, ok := nextLine(buf, 0, n)
	if !ok {
		return 400
	}
	if code := r.parseRequestLine(buf[line:rest-2], line, lim); code != 0 {
		return code
	}
	r.keepAlive = r.minor == 1

	var hosts, lengths, codings int
	var connUpgrade, upgradeWS bool
	for pos := rest; ; {
		start, next, ok := nextLine(buf, pos, n)
		if !ok {
			return 400
		}
		end := next - 2
		if start == end { // the empty line closing the head
			break
		}
		pos = next
		if len(r.fields) == cap(r.fields) {
			return 431
		}
		// Refused with the rest: obs-fold (RFC 9112 5.2) and whitespace
		// before the colon.
		nl, vo, vl, ok := http1.ParseField(buf[start:end])
		if !ok {
			return 400
		}
		f := field{
			name:  span{uint32(start), uint32(nl)},
			value: span{uint32(start + vo), uint32(vl)},
		}
		r.fields = append(r.fields, f)
		name := buf[f.name.off : f.name.off+f.name.n]
		value := buf[f.value.off : f.value.off+f.value.n]
		switch {
		case http1.EqualFold(name, "host"):
			hosts++
		case http1.EqualFold(name, "content-length"):
			lengths++
			v, ok := http1.ParseContentLength(value)
			if !ok {
				return 400
			}
			r.contentLength = v
		case http1.EqualFold(name, "transfer-encoding"):
			codings++
			if !http1.EqualFold(value, "chunked") {
				return 501
			}
			r.chunked = true
		case http1.EqualFold(name, "connection"):
			for v := value; len(v) > 0; {
				var t []byte
				t, v = http1.NextToken(v)
				switch {
				case http1.EqualFold(t, "close"):
					r.keepAlive = false
				case http1.EqualFold(t, "keep-alive"):
					if r.minor == 0 {
						r.keepAlive = true
					}
				case http1.EqualFold(t, "upgrade"):
					connUpgrade = true
				}
			}
		case http1.EqualFold(name, "upgrade"):
			for v := value; len(v) > 0; {
				var t []byte
				t, v = http1.NextToken(v)
				if http1.EqualFold(t, "websocket") {
					upgradeWS = true
				}
			}
		case http1.EqualFold(name, "expect"):
			if !http1.EqualFold(value, "100-continue") {
				return 417
			}
			r.expectContinue = r.minor == 1
		}
	}
	switch {
	case r.minor == 1 && hosts != 1, hosts > 1:
		return 400 // RFC 9112 3.2
	case lengths > 1, codings > 1:
		return 400 // duplicates: a smuggling shape
	case lengths == 1 && codings == 1:
		return 400 // RFC 9112 6.3 lets a server refuse; it must not guess
	case codings == 1 && r.minor == 0:
		return 400 // RFC 9112 6.1: chunked in HTTP/1.0 is faulty framing
	}
	if r.chunked {
		r.contentLength = -1
	}
	r.upgrade = connUpgrade && upgradeWS
	return 0
}

// nextLine finds the line starting at pos in buf[:n]: it returns pos, the
// index after its CRLF, and false if a CR or LF stands alone or no CRLF
// follows.
func nextLine(buf []byte, pos, n int) (start, next int, ok bool) {
	for i := pos; i < n; i++ {
		switch buf[i] {
		case '\r':
			if i+1 < n && buf[i+1] == '\n' {
				return pos, i + 2, true
			}
			return 0, 0, false
		case '\n':
			return 0, 0, false
		}
	}
	return 0, 0, false
}

func (r *Request) parseRequestLine(l []byte, base int, lim limits) int {
	sp1 := indexByte(l, ' ')
	if sp1 <= 0 {
		return 400
	}
	for _, c := range l[:sp1] {
		if !http1.IsTokenChar(c) {
			return 400
		}
	}
	r.method = methodString(l[:sp1], r.buf[base:base+sp1])
	rest := l[sp1+1:]
	sp2 := indexByte(rest, ' ')
	if sp2 < 0 {
		if len(rest) > lim.maxURI {
			return 414
		}
		return 400
	}
	target := rest[:sp2]
	if len(target) == 0 {
		return 400
	}
	if len(target) > lim.maxURI {
		return 414
	}
	for _, c := range target {
		if c <= ' ' || c >= 0x7f {
			return 400
		}
	}
	version := rest[sp2+1:]
	if len(version) != 8 || string(version[:5]) != "HTTP/" || version[6] != '.' ||
		!http1.IsDigit(version[5]) || !http1.IsDigit(version[7]) {
		return 400
	}
	if version[5] != '1' || version[7] > '1' {
		return 505
	}
	r.minor = version[7] - '0'
	toff := base + sp1 + 1
	r.target = span{uint32(toff), uint32(len(target))}
	return r.parseTarget(toff, len(target))
}

// parseTarget splits the target into path and query and decodes the path
// in place. It accepts origin-form, absolute-form (RFC 9112 3.2.2) and
// asterisk-form for OPTIONS, and refuses what could name something other
// than what a route matches: an encoded '/' or NUL and dot segments.
func (r *Request) parseTarget(off, n int) int {
	t := r.buf[off : off+n]
	if len(t) == 1 && t[0] == '*' {
		if r.method != "OPTIONS" {
			return 400
		}
		r.path = span{uint32(off), 1}
		return 0
	}
	if t[0] != '/' {
		// absolute-form: scheme "://" authority path
		i := indexByte(t, ':')
		if i <= 0 || len(t) < i+3 || t[i+1] != '/' || t[i+2] != '/' {
			return 400
		}
		j := i + 3
		for j < len(t) && t[j] != '/' && t[j] != '?' {
			j++
		}
		if j == len(t) || t[j] != '/' {
			return 400 // the server needs a path; "http://host" has none to route
		}
		off, t = off+j, t[j:]
	}
	pathLen := len(t)
	if q := indexByte(t, '?'); q >= 0 {
		pathLen = q
		r.query = span{uint32(off + q + 1), uint32(len(t) - q - 1)}
	}
	// Decode in place: the decoded path is never longer.
	p := r.buf[off : off+pathLen]
	w := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c == '%' {
			if i+2 >= len(p) {
				return 400
			}
			h, ok1 := http1.Unhex(p[i+1])
			l, ok2 := http1.Unhex(p[i+2])
			c = h<<4 | l
			if !ok1 || !ok2 || c == '/' || c == 0 {
				return 400
			}
			i += 2
		}
		p[w] = c
		w++
	}
	p = p[:w]
	for seg := p[1:]; ; {
		i := indexByte(seg, '/')
		s := seg
		if i >= 0 {
			s = seg[:i]
		}
		if len(s) == 1 && s[0] == '.' || len(s) == 2 && s[0] == '.' && s[1] == '.' {
			return 400
		}
		if i < 0 {
			break
		}
		seg = seg[i+1:]
	}
	r.path = span{uint32(off), uint32(w)}
	return 0
}

// methodString returns a constant for the common methods, so a request's
// method stays valid after its buffer is reused, and otherwise a string
// over the buffer.
func methodString(m, inBuf []byte) string {
	switch string(m) {
	case "GET":
		return "GET"
	case "HEAD":
		return "HEAD"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "PATCH":
		return "PATCH"
	case "OPTIONS":
		return "OPTIONS"
	}
	return bytesString(inBuf)
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
