package httpd

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
)

// Static is a pre-compressed resource, the static resource of Zephyr's
// HTTP server: its gzip bytes, made at build time and embedded, go out as
// they are to every client that accepts gzip, with an ETag that answers
// If-None-Match with 304. A client that does not accept gzip gets the body
// decompressed as it is sent (allocating a decompressor for the request:
// browsers and most tools accept gzip, so that is the rare path).
type Static struct {
	contentType string
	gz          []byte
	plainLen    int64
	etag        string
}

// NewStatic checks that gz is a gzip stream and returns it as a resource
// of contentType.
func NewStatic(contentType string, gz []byte) (*Static, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(io.Discard, zr)
	if err != nil {
		return nil, err
	}
	if n == 0 && len(gz) == 0 {
		return nil, errors.New("httpd: empty static resource")
	}
	sum := sha256.Sum256(gz)
	return &Static{
		contentType: contentType,
		gz:          gz,
		plainLen:    n,
		etag:        `"` + hex.EncodeToString(sum[:8]) + `"`,
	}, nil
}

// ETag returns the resource's entity tag.
func (st *Static) ETag() string { return st.etag }

// HandleStatic serves st for GET and HEAD on pattern.
func (s *Server) HandleStatic(pattern string, st *Static) {
	s.Handle("GET", pattern, func(w *Response, r *Request) { w.Static(st) })
}

// Static answers with a pre-compressed resource, honouring
// Accept-Encoding and If-None-Match.
func (w *Response) Static(st *Static) {
	if w.c == nil {
		w.begin()
		return
	}
	req := &w.ex.req
	w.Header("ETag", st.etag)
	w.Header("Vary", "Accept-Encoding")
	if inm, ok := req.Header("If-None-Match"); ok && matchesETag(inm, st.etag) {
		w.Send(304, "", nil)
		return
	}
	if ae, ok := req.Header("Accept-Encoding"); ok && acceptsGzip(ae) {
		w.Header("Content-Encoding", "gzip")
		w.Send(200, st.contentType, st.gz)
		return
	}
	if req.method == "HEAD" {
		w.Stream(200, st.contentType, st.plainLen, nil)
		return
	}
	zr, err := gzip.NewReader(bytes.NewReader(st.gz))
	if err != nil {
		w.Error(500)
		return
	}
	w.Stream(200, st.contentType, st.plainLen, func(p []byte) (int, bool) {
		n, err := io.ReadFull(zr, p)
		return n, err != nil
	})
}

func matchesETag(list, etag string) bool {
	found := false
	forEachToken([]byte(list), func(t []byte) {
		if string(t) == etag || string(t) == "*" || len(t) > 2 && string(t[:2]) == "W/" && string(t[2:]) == etag {
			found = true
		}
	})
	return found
}

// acceptsGzip reads Accept-Encoding (RFC 9110 12.5.3): gzip, x-gzip or *
// with a q-value other than 0.
func acceptsGzip(v string) bool {
	ok := false
	forEachToken([]byte(v), func(t []byte) {
		name, params, _ := bytes.Cut(t, []byte(";"))
		name = bytes.TrimSpace(name)
		if !equalFold(name, "gzip") && !equalFold(name, "x-gzip") && string(name) != "*" {
			return
		}
		params = bytes.TrimSpace(params)
		if q, found := bytes.CutPrefix(params, []byte("q=")); found {
			zero := len(q) > 0
			for _, c := range q {
				if c != '0' && c != '.' {
					zero = false
				}
			}
			if zero {
				return
			}
		}
		ok = true
	})
	return ok
}
