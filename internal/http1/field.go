package http1

// ParseField splits a field line (RFC 9112 5), without its CRLF, into a
// name, l[:nameLen], and a value, l[valueOff:valueOff+valueLen], trimmed of
// the OWS around it. It is strict where leniency lets two parsers disagree
// (RFC 9112 11.2): the name must be a token directly followed by the colon,
// so whitespace before the colon and obs-fold (a line starting with SP or
// HTAB, RFC 9112 5.2) are refused, and the value must hold no control byte
// but HTAB.
func ParseField(l []byte) (nameLen, valueOff, valueLen int, ok bool) {
	colon := -1
	for i, c := range l {
		if c == ':' {
			colon = i
			break
		}
		if !IsTokenChar(c) {
			return 0, 0, 0, false // whitespace before the colon, obs-fold, ...
		}
	}
	if colon <= 0 {
		return 0, 0, 0, false
	}
	v, vs := TrimOWS(l[colon+1:])
	if !ValidFieldValue(v) {
		return 0, 0, 0, false
	}
	return colon, colon + 1 + vs, len(v), true
}

// TrimOWS trims SP and HTAB from both ends of v and reports how many it
// trimmed from the front.
func TrimOWS[T string | []byte](v T) (t T, front int) {
	for len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
		v, front = v[1:], front+1
	}
	for len(v) > 0 && (v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
		v = v[:len(v)-1]
	}
	return v, front
}

// ParseContentLength parses a Content-Length value (RFC 9110 8.6): digits
// only, so a list ("5, 5"), a sign ("+5") and inner whitespace ("5 5") are
// refused; at most 18 digits, so it fits an int64.
func ParseContentLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if !IsDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// NextToken splits the first element off a comma-separated list value
// (RFC 9110 5.6.1), trimmed of OWS; t is empty for an empty element. Loop
// while rest is not empty:
//
//	for v := value; len(v) > 0; {
//		var t []byte
//		t, v = http1.NextToken(v)
//		...
//	}
func NextToken[T string | []byte](v T) (t, rest T) {
	i := 0
	for i < len(v) && v[i] != ',' {
		i++
	}
	t = v[:i]
	if i < len(v) {
		rest = v[i+1:]
	}
	t, _ = TrimOWS(t)
	return t, rest
}
