package http

import (
	"strconv"
	"time"
	"unsafe"

	"github.com/seed947b3480/legation/internal/http1"
	"github.com/seed947b3480/legation/reactor"
)

// Field is one header field of a request.
type Field struct {
	Name, Value string
}

// BodyFunc produces a streamed request body: called whenever the
// connection can take more, it fills a prefix of p with the next bytes and
// reports how many, and done once the body is complete (with its last
// bytes or after them). Returning 0 without done pauses the body until
// Client.Resume. A non-nil err fails the request with that error. It runs
// on the reactor goroutine and must not block; p is the stream's send ring,
// valid only during the call.
type BodyFunc func(p []byte) (n int, done bool, err error)

// Request is one HTTP request and, once Do has been called with it, its
// exchange: the future, the Response and the buffers the response head is
// read into. A Request is reusable: Do with it again (after its future has
// completed) reuses all of that, which is how a steady stream of requests
// allocates nothing. It must not be changed while in flight.
type Request struct {
	// Method is the request method, any token; "" means GET. CONNECT is
	// not supported.
	Method string
	// URL is the absolute http:// or https:// URL to ask for. Its path and
	// query go out as written (percent-encoding included); a fragment is
	// dropped.
	URL string
	// Header holds fields to send besides those the client writes itself
	// (Host, User-Agent, Content-Length or Transfer-Encoding). A Host or
	// User-Agent field here replaces the client's; Content-Length and
	// Transfer-Encoding are refused (ErrBadHeader), since the body's
	// framing is the client's to write; "Connection: close" is honoured.
	Header []Field

	// Body is sent with a Content-Length. It must stay unchanged until
	// the request completes, since it is copied into the send ring as
	// room appears.
	Body []byte
	// BodyFunc streams a body instead, as it is produced: with a
	// Content-Length when ContentLength is positive (BodyFunc must produce
	// exactly that many bytes: ErrBodySource otherwise), chunked when it
	// is not. A streamed body cannot be sent twice, so a request with one
	// is not retried on a stale connection once the body has started,
	// and 307 and 308 redirects are returned rather than followed.
	BodyFunc      BodyFunc
	ContentLength int64

	// OnHead, if set, runs once the final response head is in (not for
	// interim 1xx responses, nor for redirects that are followed), before
	// any of the body; a non-nil error fails the request with it.
	OnHead func(resp *Response) error
	// OnData, if set, takes the body in pieces as they arrive, straight
	// from the stream's receive ring: p is valid only during the call.
	// A non-nil error fails the request with it.
	OnData func(p []byte) error
	// Into, if set (and OnData is not), gathers the body: it is appended
	// to Into[:0], up to cap(Into); a longer body fails the request with
	// ErrBodyTooLarge. Response.Body is the result. With neither OnData
	// nor Into the body is read and thrown away (BodyLen counts it).
	Into []byte

	// NoRedirect returns a 3xx response as it is, instead of following it.
	NoRedirect bool
	// Timeout, if positive, bounds this request as a whole instead of
	// Config.Timeout.
	Timeout time.Duration

	fut  reactor.Future[*Response]
	resp Response

	client *Client
	hb     []byte  // the head buffer, Config.MaxHeaderBytes
	fb     []field // the field table, Config.MaxHeaders

	// What Do set up.
	busy      bool
	canceled  bool
	method    string // the method being sent: Method, or GET after a 303
	u         target // the URL being asked for
	orig      target // the URL Do was given, for the cross-origin rule
	hostField string // a Host field of Header, else ""
	hasUA     bool
	connClose bool  // Header says Connection: close
	noBody    bool  // a redirect dropped the body
	stripAuth bool  // a redirect left the original origin
	bodyLen   int64 // -1: chunked
	clBuf     [20]byte
	cl        string // bodyLen in decimal, in clBuf
	redirects int
	retried   bool // a stale connection already cost one retry
	fresh     bool // must not use an idle connection (a retry)
	deadline  reactor.Instant
	armed     bool      // deadline set
	urlBufs   [2][]byte // redirect targets, alternating
	urlCur    int

	qlink  reactor.Link[Request] // the client's queue
	queued bool
	slot   *conn
}

// Response returns the request's response, the value its future completes
// with.
func (r *Request) Response() *Response { return &r.resp }

// Future returns the future of the request's latest Do.
func (r *Request) Future() *reactor.Future[*Response] { return &r.fut }

// headBuf returns the request's head buffer, made on first use.
func (r *Request) headBuf(n int) []byte {
	if len(r.hb) < n {
		r.hb = make([]byte, n)
	}
	return r.hb[:n]
}

// fieldBuf returns the request's empty field table, made on first use.
func (r *Request) fieldBuf(n int) []field {
	if cap(r.fb) < n {
		r.fb = make([]field, 0, n)
	}
	return r.fb[:0:n]
}

// currentURL returns the URL being asked for.
func (r *Request) currentURL() string {
	if r.redirects == 0 {
		return r.URL
	}
	return bytesString(r.urlBufs[r.urlCur])
}

// validate checks what the caller set and derives the sending state.
func (r *Request) validate(cfg *Config) Error {
	r.method = r.Method
	if r.method == "" {
		r.method = "GET"
	}
	if !http1.IsToken(r.method) {
		return ErrBadMethod
	}
	if r.method == "CONNECT" {
		return ErrBadMethod
	}
	r.hostField, r.hasUA, r.connClose = "", false, false
	for _, f := range r.Header {
		if !http1.IsToken(f.Name) {
			return ErrBadHeader
		}
		if !http1.ValidFieldValue(f.Value) {
			return ErrBadHeader // CR or LF would let a value forge fields
		}
		switch {
		case equalFoldString(f.Name, "content-length"), equalFoldString(f.Name, "transfer-encoding"):
			return ErrBadHeader
		case equalFoldString(f.Name, "host"):
			if r.hostField != "" || f.Value == "" {
				return ErrBadHeader
			}
			r.hostField = f.Value
		case equalFoldString(f.Name, "user-agent"):
			r.hasUA = true
		case equalFoldString(f.Name, "connection"):
			if hasToken(f.Value, "close") {
				r.connClose = true
			}
		}
	}
	u, err := parseURL(r.URL, cfg.MaxURL)
	if err != 0 {
		return err
	}
	r.u, r.orig = u, u
	r.noBody, r.stripAuth = false, false
	r.setBodyLen()
	return 0
}

// setBodyLen works out the body's framing for the method being sent.
func (r *Request) setBodyLen() {
	switch {
	case r.noBody:
		r.bodyLen = 0
	case r.BodyFunc != nil && r.ContentLength <= 0:
		r.bodyLen = -1
	case r.BodyFunc != nil:
		r.bodyLen = r.ContentLength
	default:
		r.bodyLen = int64(len(r.Body))
	}
	r.cl = ""
	if r.bodyLen > 0 || r.bodyLen == 0 && r.wantsLength() {
		b := strconv.AppendInt(r.clBuf[:0], r.bodyLen, 10)
		r.cl = unsafe.String(&r.clBuf[0], len(b))
	}
}

// wantsLength reports whether a request without a body still says so:
// RFC 9110 8.6 asks for Content-Length: 0 on methods that define a body.
func (r *Request) wantsLength() bool {
	switch r.method {
	case "POST", "PUT", "PATCH":
		return true
	}
	return false
}

// streamed reports whether the body comes from BodyFunc.
func (r *Request) streamed() bool { return r.BodyFunc != nil && !r.noBody }

// idempotent reports whether the method may be sent twice (RFC 9110 9.2.2).
func (r *Request) idempotent() bool {
	switch r.method {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	return false
}

// hasToken reports whether the comma-separated list v holds token t.
func hasToken(v, t string) bool {
	for len(v) > 0 {
		var e string
		e, v = http1.NextToken(v)
		if equalFoldString(e, t) {
			return true
		}
	}
	return false
}
