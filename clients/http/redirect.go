package http

import "github.com/seed947b3480/legation/internal/http1"

// isRedirect reports whether status is a redirect the client follows.
func isRedirect(status int) bool {
	switch status {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// followable reports whether r may follow redirect resp: it has a
// Location, and, for 307 and 308, which resend the method and body, the
// body is not a streamed one, which cannot be sent twice.
func (r *Request) followable(resp *Response) bool {
	status := resp.Status
	if r.NoRedirect || r.client.cfg.NoRedirects || !resp.hasLoc || resp.location.n == 0 {
		return false // a 3xx without a Location is an answer, as net/http takes it
	}
	if (status == 307 || status == 308) && r.streamed() {
		return false
	}
	return true
}

// redirect points r at the Location of resp (RFC 9110 15.4): the reference
// resolved against the current URL (RFC 3986 5.2) into one of r's URL
// buffers, the method turned into GET without a body for a 303 (but HEAD
// stays HEAD) and for a 301 or 302 answering POST, as browsers and
// net/http do, and credentials dropped once the target leaves the origin
// Do was given.
func (r *Request) redirect(resp *Response, maxURL int) Error {
	if r.redirects >= r.client.cfg.MaxRedirects {
		return ErrTooManyRedirects
	}
	next := 1 - r.urlCur
	if cap(r.urlBufs[next]) < maxURL {
		r.urlBufs[next] = make([]byte, 0, maxURL)
	}
	dst, ok := resolveRef(r.urlBufs[next][:0], &r.u, resp.str(resp.location))
	if !ok {
		return ErrBadRedirect
	}
	u, err := parseURL(bytesString(dst), maxURL)
	switch err {
	case 0:
	case ErrUnsupportedScheme:
		return err
	default:
		return ErrBadRedirect
	}
	r.urlBufs[next] = dst
	r.urlCur = next
	r.u = u
	r.redirects++
	if s := resp.Status; s == 303 && r.method != "HEAD" || (s == 301 || s == 302) && r.method == "POST" {
		r.method = "GET"
		r.noBody = true
		r.setBodyLen()
	}
	if !sameOrigin(&r.u, &r.orig) {
		r.stripAuth = true
	}
	return 0
}

// resolveRef appends to dst (never beyond its capacity) the absolute URL
// that reference ref names relative to base, without a fragment, and with
// bytes that must be percent-encoded (controls, space, non-ASCII, which
// some servers put in a Location) encoded.
func resolveRef(dst []byte, base *target, ref string) ([]byte, bool) {
	if h := indexAnyString(ref, "#"); h >= 0 {
		ref = ref[:h]
	}
	if hasScheme(ref) {
		return appendEnc(dst, ref)
	}
	scheme := "http:"
	if base.https {
		scheme = "https:"
	}
	ok := true
	dst, ok = appendEnc(dst, scheme)
	if len(ref) >= 2 && ref[0] == '/' && ref[1] == '/' {
		return appendEnc(dst, ref)
	}
	dst, _ = appendEnc(dst, "//")
	if dst, ok = appendEnc(dst, base.authority); !ok {
		return dst, false
	}
	refPath, refQuery := ref, ""
	if q := indexAnyString(ref, "?"); q >= 0 {
		refPath, refQuery = ref[:q], ref[q:]
	}
	pathStart := len(dst)
	switch {
	case refPath == "" && ref == "":
		dst, ok = appendEnc(dst, base.path)
		if ok {
			dst, ok = appendEnc(dst, base.query)
		}
		return dst, ok
	case refPath == "":
		dst, ok = appendEnc(dst, base.path)
	case refPath[0] == '/':
		dst, ok = appendEnc(dst, refPath)
	default:
		dir := base.path
		for len(dir) > 0 && dir[len(dir)-1] != '/' {
			dir = dir[:len(dir)-1]
		}
		if dir == "" {
			dir = "/"
		}
		if dst, ok = appendEnc(dst, dir); ok {
			dst, ok = appendEnc(dst, refPath)
		}
	}
	if !ok {
		return dst, false
	}
	dst = append(dst[:pathStart], removeDots(dst[pathStart:])...)
	return appendEnc(dst, refQuery)
}

// hasScheme reports whether ref starts with a scheme and a colon.
func hasScheme(ref string) bool {
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		switch {
		case c == ':':
			return i > 0
		case isAlpha(c), i > 0 && (http1.IsDigit(c) || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return false
}

// appendEnc appends s to dst, percent-encoding what a URL may not hold raw,
// and reports false (dst unchanged past its capacity) if it does not fit.
func appendEnc(dst []byte, s string) ([]byte, bool) {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > ' ' && c < 0x7f {
			if len(dst) == cap(dst) {
				return dst, false
			}
			dst = append(dst, c)
			continue
		}
		if cap(dst)-len(dst) < 3 {
			return dst, false
		}
		dst = append(dst, '%', hexDigits[c>>4], hexDigits[c&15])
	}
	return dst, true
}

// removeDots removes "." and ".." segments from path b in place (RFC 3986
// 5.2.4) and returns the result, a prefix of b. The output never runs ahead
// of the input, so one buffer does for both.
func removeDots(b []byte) []byte {
	i, w := 0, 0
	pop := func() {
		for w > 0 {
			w--
			if b[w] == '/' {
				return
			}
		}
	}
	for i < len(b) {
		in := b[i:]
		switch {
		case hasPrefix(in, "../"):
			i += 3
		case hasPrefix(in, "./"):
			i += 2
		case hasPrefix(in, "/./"):
			i += 2
		case string(in) == "/.":
			i = len(b) - 1
			b[i] = '/'
		case hasPrefix(in, "/../"):
			i += 3
			pop()
		case string(in) == "/..":
			i = len(b) - 1
			b[i] = '/'
			pop()
		case string(in) == "." || string(in) == "..":
			i = len(b)
		default:
			j := 1
			if in[0] != '/' {
				j = 0
			}
			for j < len(in) && in[j] != '/' {
				j++
			}
			if j == 0 {
				j = 1
			}
			copy(b[w:], in[:j])
			w += j
			i += j
		}
	}
	return b[:w]
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }
