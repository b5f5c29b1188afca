package http

import "github.com/seed947b3480/legation/internal/http1"

// The response head is gathered into the request's head buffer as it
// arrives, a byte at a time if need be, and parsed in place once its empty
// line is in. The parser is strict where leniency lets two parsers disagree
// about where a response ends (RFC 9112 11.2): bare CR or LF, folded lines,
// whitespace before a colon, two Content-Lengths, Content-Length with
// Transfer-Encoding, a transfer coding other than chunked, and chunked in
// HTTP/1.0 are all malformed. It is lenient where framing is not at stake:
// a status line without a reason phrase, and any 1.x minor version.

// headScan is the state of gathering one head.
type headScan struct {
	n         int // bytes gathered
	lineStart int // offset of the line being gathered
}

// feed copies bytes of p into buf after the n already there, until the
// empty line that ends the head. It returns how many bytes of p belong to
// the head, and done once the whole head is in buf[:s.n]. Bytes that
// cannot start a response ("HTTP/" must come first) or a bare CR or LF
// fail at once, so garbage need not fill the buffer to be refused.
func (s *headScan) feed(buf, p []byte) (used int, done bool, err Error) {
	k := min(len(p), len(buf)-s.n)
	copy(buf[s.n:], p[:k])
	for i := s.n; i < s.n+k; i++ {
		c := buf[i]
		if i < 5 && c != "HTTP/"[i] {
			return 0, false, ErrMalformed
		}
		if i > 0 && buf[i-1] == '\r' && c != '\n' {
			return 0, false, ErrMalformed // a bare CR
		}
		if c == '\n' {
			if i == 0 || buf[i-1] != '\r' {
				return 0, false, ErrMalformed // a bare LF
			}
			if i-1 == s.lineStart {
				used = i + 1 - s.n
				s.n = i + 1
				return used, true, 0
			}
			s.lineStart = i + 1
		}
	}
	s.n += k
	if s.n == len(buf) {
		return k, false, ErrHeadTooLarge
	}
	return k, false, 0
}

// headInfo is what the framing of the body depends on.
type headInfo struct {
	contentLength int64 // -1: none
	chunked       bool
	connClose     bool
	connKeepAlive bool
}

// parseHead parses the head in buf[:n] (ending in CRLF CRLF, with no bare
// CR or LF, as headScan checked) into r, whose fields slice has room for
// maxFields.
func parseHead(r *Response, buf []byte, n, maxFields int) (headInfo, Error) {
	info := headInfo{contentLength: -1}
	r.buf = buf
	r.head = n
	r.fields = r.fields[:0]
	r.hasLoc = false

	line := indexCRLF(buf, 0, n)
	if err := r.parseStatusLine(buf[:line]); err != 0 {
		return info, err
	}
	var lengths, codings int
	for pos := line + 2; ; {
		end := indexCRLF(buf, pos, n)
		if end == pos {
			break
		}
		if len(r.fields) == maxFields {
			return info, ErrHeadTooLarge
		}
		f, ok := parseField(buf, pos, end)
		if !ok {
			return info, ErrMalformed
		}
		pos = end + 2
		r.fields = append(r.fields, f)
		name := buf[f.name.off : f.name.off+f.name.n]
		value := buf[f.value.off : f.value.off+f.value.n]
		switch {
		case http1.EqualFold(name, "content-length"):
			lengths++
			v, ok := http1.ParseContentLength(value)
			if !ok {
				return info, ErrMalformed
			}
			info.contentLength = v
		case http1.EqualFold(name, "transfer-encoding"):
			codings++
			if !http1.EqualFold(value, "chunked") {
				return info, ErrMalformed // a coding we cannot undo, or chunked not last
			}
			info.chunked = true
		case http1.EqualFold(name, "connection"):
			for v := value; len(v) > 0; {
				var t []byte
				t, v = http1.NextToken(v)
				switch {
				case http1.EqualFold(t, "close"):
					info.connClose = true
				case http1.EqualFold(t, "keep-alive"):
					info.connKeepAlive = true
				}
			}
		case http1.EqualFold(name, "location"):
			if !r.hasLoc {
				r.location, r.hasLoc = f.value, true
			}
		}
	}
	switch {
	case lengths > 1, codings > 1:
		return info, ErrMalformed // duplicates: a smuggling shape
	case lengths == 1 && codings == 1:
		return info, ErrMalformed // RFC 9112 6.1: the sender is at fault; do not guess
	case codings == 1 && r.ProtoMinor == 0:
		return info, ErrMalformed // RFC 9112 6.1: chunked in HTTP/1.0 is faulty framing
	}
	r.nheaders = len(r.fields)
	r.Chunked = info.chunked
	r.ContentLength = info.contentLength
	return info, 0
}

// parseStatusLine parses "HTTP/1.x SSS reason".
func (r *Response) parseStatusLine(l []byte) Error {
	if len(l) < 12 || string(l[:5]) != "HTTP/" || l[5] != '1' || l[6] != '.' ||
		!http1.IsDigit(l[7]) || l[8] != ' ' {
		return ErrMalformed
	}
	r.ProtoMinor = min(int(l[7]-'0'), 1)
	s := l[9:12]
	if !http1.IsDigit(s[0]) || !http1.IsDigit(s[1]) || !http1.IsDigit(s[2]) || s[0] == '0' {
		return ErrMalformed
	}
	r.Status = int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0')
	r.reason = span{}
	if len(l) == 12 {
		return 0 // no reason phrase, nor the space before it: common, harmless
	}
	if l[12] != ' ' {
		return ErrMalformed
	}
	if !http1.ValidFieldValue(l[13:]) {
		return ErrMalformed
	}
	r.reason = span{13, uint32(len(l) - 13)}
	return 0
}

// indexCRLF returns the offset of the CR of the first CRLF at or after pos
// in buf[:n]; the head is known to end in one.
func indexCRLF(buf []byte, pos, n int) int {
	for i := pos; i+1 < n; i++ {
		if buf[i] == '\r' {
			return i
		}
	}
	return n - 2
}

// parseField parses the field line in buf[start:end] (see
// http1.ParseField for what is refused).
func parseField(buf []byte, start, end int) (field, bool) {
	nl, vo, vl, ok := http1.ParseField(buf[start:end])
	if !ok {
		return field{}, false
	}
	return field{
		name:  span{uint32(start), uint32(nl)},
		value: span{uint32(start + vo), uint32(vl)},
	}, true
}
