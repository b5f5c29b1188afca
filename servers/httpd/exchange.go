package httpd

import "github.com/seed947b3480/legation/internal/http1"

// exchange is what one request in progress borrows from the server: the
// buffer its head (and a Handler's body) is read into, the head of its
// response, and the request and response records. A connection holds one
// only from its request's first byte until its response has been handed to
// TCP, so an idle keep-alive connection holds none.
type exchange struct {
	buf  []byte // request bytes: head, then body or what follows
	n    int    // bytes of buf filled
	scan int    // where the search for the end of the head resumes
	rd   int    // where unread request bytes start (after head and body)

	// Body reception.
	remaining int64 // body bytes still to come, for Content-Length
	received  int64
	bodyEnd   int // end of the decoded body in buf (Handler)
	chunks    http1.ChunkDecoder
	stream    *StreamHandler
	handler   Handler

	out   []byte // response head, built by Send or Stream
	outN  int    // bytes of out already written
	extra []byte // fields a handler adds, copied into out by Send

	// orphan is set when the connection closed while a handler held the
	// exchange; the handler's late answer gives it back to that server.
	orphan *Server

	req  Request
	resp Response
}

func newExchange(cfg *Config) *exchange {
	ex := &exchange{
		buf:   make([]byte, cfg.BufferSize),
		out:   make([]byte, 0, responseHeadSize),
		extra: make([]byte, 0, responseHeadSize/2),
	}
	ex.req.fields = make([]field, 0, cfg.MaxHeaders)
	ex.resp.ex = ex
	return ex
}

// responseHeadSize bounds a response head: status line, framing and the
// fields a handler adds.
const responseHeadSize = 1024

// reset readies the exchange for a new request, keeping count bytes
// already received at buf[from:from+count].
func (ex *exchange) reset(from, count int) {
	if count > 0 && from > 0 {
		copy(ex.buf, ex.buf[from:from+count])
	}
	ex.n, ex.scan, ex.rd = count, 0, 0
	ex.remaining, ex.received, ex.bodyEnd = 0, 0, 0
	ex.chunks = http1.ChunkDecoder{}
	ex.stream, ex.handler = nil, nil
	ex.out, ex.outN = ex.out[:0], 0
	ex.orphan = nil
	ex.resp.reset()
}
