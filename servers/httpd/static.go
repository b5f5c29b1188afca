package httpd

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"

	"github.com/seed947b3480/legation/internal/http1"
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
	etag        string // of the gzip representation
	plainETag   string // of the decompressed one
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
		plainETag:   `"` + hex.EncodeToString(sum[:8]) + `-identity"`,
	}, nil
}

// ETag returns the entity tag of the resource's gzip representation.
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
	// The gzip and identity representations differ, so they have
	// different strong tags (RFC 9110 8.8.3.3).
	ae, _ := req.Header("Accept-Encoding")
	gz := acceptsGzip(ae)
	etag := st.plainETag
	if gz {
		etag = st.etag
	}
	w.Header("ETag", etag)
	w.Header("Vary", "Accept-Encoding")
	if inm, ok := req.Header("If-None-Match"); ok && matchesETag(inm, etag) {
		w.Send(304, "", nil)
		return
	}
	if gz {
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

// matchesETag reports whether an If-None-Match list names etag (weak
// comparison, RFC 9110 13.1.2) or is "*".
func matchesETag(list, etag string) bool {
	for list != "" {
		var t string
		t, list = cut(list, ',')
		t = trimSpace(t)
		if len(t) > 2 && t[:2] == "W/" {
			t = t[2:]
		}
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// acceptsGzip reads Accept-Encoding (RFC 9110 12.5.3): gzip, x-gzip or *
// with a q-value other than 0.
func acceptsGzip(v string) bool {
	for v != "" {
		var t string
		t, v = cut(v, ',')
		name, params := cut(t, ';')
		name = trimSpace(name)
		if !http1.EqualFold([]byte(name), "gzip") && !http1.EqualFold([]byte(name), "x-gzip") && name != "*" {
			continue
		}
		params = trimSpace(params)
		if len(params) > 2 && (params[:2] == "q=" || params[:2] == "Q=") {
			zero := true
			for _, c := range params[2:] {
				if c != '0' && c != '.' {
					zero = false
				}
			}
			if zero {
				continue
			}
		}
		return true
	}
	return false
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}
