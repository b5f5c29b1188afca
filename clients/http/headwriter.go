package http

// The request head is never assembled in a buffer of its own: it is a
// sequence of pieces (the method, the path, each field's name and value,
// ...) copied straight into the free space of the stream's send ring,
// resuming where it stopped when the ring was full.

// headCursor is how far the head has been written.
type headCursor struct {
	k   int // the piece being written
	off int // bytes of it already written
}

// Piece numbers: the request line and Host, User-Agent, then four per
// field of Request.Header, then the framing and the end.
const (
	pieceFields = 10 // the first piece of Request.Header's fields
	pieceTail   = 6  // pieces after the fields
)

// piece returns the k-th piece of r's head and false past the last. A piece
// that does not apply is "".
func (r *Request) piece(k int, closeConn bool) (string, bool) {
	switch k {
	case 0:
		return r.method, true
	case 1:
		return " ", true
	case 2:
		if r.u.path == "" {
			return "/", true
		}
		return r.u.path, true
	case 3:
		return r.u.query, true
	case 4:
		return " HTTP/1.1\r\nHost: ", true
	case 5:
		if r.hostField != "" {
			return r.hostField, true
		}
		return r.u.authority, true
	case 6:
		return "\r\n", true
	case 7, 8, 9:
		if r.hasUA || r.client.cfg.UserAgent == "-" {
			return "", true
		}
		return [...]string{"User-Agent: ", r.client.cfg.UserAgent, "\r\n"}[k-7], true
	}
	k -= pieceFields
	if i := k / 4; i < len(r.Header) {
		f := &r.Header[i]
		if !r.sends(f) {
			return "", true
		}
		switch k % 4 {
		case 0:
			return f.Name, true
		case 1:
			return ": ", true
		case 2:
			return f.Value, true
		}
		return "\r\n", true
	}
	switch k - 4*len(r.Header) {
	case 0:
		switch {
		case r.bodyLen < 0:
			return "Transfer-Encoding: chunked\r\n", true
		case r.cl != "":
			return "Content-Length: ", true
		}
		return "", true
	case 1:
		return r.cl, true
	case 2:
		if r.cl != "" && r.bodyLen >= 0 {
			return "\r\n", true
		}
		return "", true
	case 3:
		if closeConn && !r.connClose {
			return "Connection: close\r\n", true
		}
		return "", true
	case 4:
		return "\r\n", true
	}
	return "", false
}

// sends reports whether field f of Header goes out: Host is written in its
// place, credentials stay behind when a redirect leaves the original
// origin (as net/http does), and Content-Type when a redirect dropped the
// body.
func (r *Request) sends(f *Field) bool {
	switch {
	case equalFoldString(f.Name, "host"):
		return false
	case r.stripAuth && (equalFoldString(f.Name, "authorization") ||
		equalFoldString(f.Name, "proxy-authorization") || equalFoldString(f.Name, "cookie")):
		return false
	case r.noBody && equalFoldString(f.Name, "content-type"):
		return false
	}
	return true
}

// fillHead copies as much of the head as fits into first, then second, and
// reports the bytes written and whether the head is complete.
func (r *Request) fillHead(cur *headCursor, first, second []byte, closeConn bool) (n int, done bool) {
	for _, dst := range [2][]byte{first, second} {
		for len(dst) > 0 {
			s, ok := r.piece(cur.k, closeConn)
			if !ok {
				return n, true
			}
			m := copy(dst, s[cur.off:])
			dst = dst[m:]
			n += m
			cur.off += m
			if cur.off == len(s) {
				cur.k++
				cur.off = 0
			}
		}
	}
	// Out of room: done only if nothing but empty pieces is left.
	for {
		s, ok := r.piece(cur.k, closeConn)
		if !ok {
			return n, true
		}
		if len(s) > cur.off {
			return n, false
		}
		cur.k++
		cur.off = 0
	}
}
