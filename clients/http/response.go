package http

import (
	"unsafe"

	"github.com/seed947b3480/legation/internal/http1"
)

// span locates bytes in a request's head buffer.
type span struct{ off, n uint32 }

// field is one header (or trailer) field of a response.
type field struct{ name, value span }

// Response is a request's answer: its status, its head and trailer fields,
// and the body when it was gathered (Request.Into). It belongs to its
// Request: Do reuses it, so every string and slice it returns (Reason,
// Header values, Body, URL) is valid until the Request is passed to Do
// again, and a caller that keeps one longer copies it (strings.Clone).
// Inside OnHead and OnData the same holds; none of it allocates.
type Response struct {
	// Status is the status code, e.g. 200; 0 if no head arrived.
	Status int
	// ProtoMinor is 0 for an HTTP/1.0 response and 1 for HTTP/1.1 (or a
	// later 1.x, which is read as 1.1).
	ProtoMinor int
	// ContentLength is the declared Content-Length, or -1 when there is
	// none (a chunked or close-delimited body, or none at all). For a
	// response to HEAD it is the length a GET would have had.
	ContentLength int64
	// Chunked reports a chunked body.
	Chunked bool
	// Body is the body gathered into Request.Into (nil unless Into was
	// set): Into[:BodyLen].
	Body []byte
	// BodyLen counts the body bytes received, however they were delivered.
	BodyLen int64
	// Redirects counts the redirects followed to get here.
	Redirects int
	// Reused reports whether the response came over a connection that an
	// earlier request had already used (keep-alive).
	Reused bool

	buf       []byte // the request's head buffer
	head      int    // length of the head in buf
	reason    span
	fields    []field
	nheaders  int  // fields[:nheaders] are the head's, the rest trailers
	keepAlive bool // the server lets the connection be reused
	location  span
	hasLoc    bool
	url       string // the URL that answered
}

func (r *Response) str(s span) string {
	if s.n == 0 {
		return ""
	}
	return unsafe.String(&r.buf[s.off], int(s.n))
}

// Reason returns the reason phrase of the status line, e.g. "OK".
func (r *Response) Reason() string { return r.str(r.reason) }

// URL returns the URL that gave this response: the request's, or the
// last redirect's target.
func (r *Response) URL() string { return r.url }

// Header returns the value of the first header field named name (compared
// without regard to case), and whether there was one.
func (r *Response) Header(name string) (string, bool) {
	return r.lookup(r.fields[:r.nheaders], name)
}

// NumHeaders reports the number of header fields; HeaderAt returns the
// i-th, in the order they came.
func (r *Response) NumHeaders() int { return r.nheaders }

// HeaderAt returns the name and value of the i-th header field.
func (r *Response) HeaderAt(i int) (name, value string) {
	f := r.fields[i]
	return r.str(f.name), r.str(f.value)
}

// Trailer returns the value of the first trailer field (sent after a
// chunked body) named name, and whether there was one.
func (r *Response) Trailer(name string) (string, bool) {
	return r.lookup(r.fields[r.nheaders:], name)
}

// NumTrailers reports the number of trailer fields; TrailerAt returns the
// i-th.
func (r *Response) NumTrailers() int { return len(r.fields) - r.nheaders }

// TrailerAt returns the name and value of the i-th trailer field.
func (r *Response) TrailerAt(i int) (name, value string) {
	f := r.fields[r.nheaders+i]
	return r.str(f.name), r.str(f.value)
}

func (r *Response) lookup(fs []field, name string) (string, bool) {
	for _, f := range fs {
		if int(f.name.n) == len(name) && http1.EqualFold(r.buf[f.name.off:f.name.off+f.name.n], name) {
			return r.str(f.value), true
		}
	}
	return "", false
}

// reset empties the response for a new exchange, keeping its buffers.
func (r *Response) reset() {
	fields := r.fields[:0]
	buf := r.buf
	*r = Response{buf: buf, fields: fields, ContentLength: -1}
}
