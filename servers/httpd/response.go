package httpd

import (
	"strconv"
)

// Response is how a handler answers. A response is sent once: the first of
// Send, JSON, HTML, Static, Stream or Error wins and later calls do
// nothing. A body passed to Send must stay unchanged until the response
// has been sent (Sent), since the server writes it as TCP makes room.
type Response struct {
	ex   *exchange
	c    *conn
	hdr  []byte // fields added by Header, as lines, in ex.extra
	sent bool   // an answer was given
	done bool   // the whole response is in TCP's hands

	status    int
	body      []byte     // what is left of a Send body
	writer    BodyWriter // a streamed body
	streaming bool       // a streamed body is being written
	paused    bool
	chunked   bool
	length    int64   // declared length of a streamed body, -1 chunked
	written   int64   // streamed body bytes written
	headOnly  bool    // HEAD: the head says what GET would send, no body
	noBody    bool    // 1xx, 204, 304
	finalSent bool    // the last chunk is written
	adopt     Adopter // who takes the connection after a 101
}

func (w *Response) reset() {
	*w = Response{ex: w.ex, hdr: w.ex.extra[:0]}
}

// Header adds a field to the response head. Fields that would overflow
// the head's fixed room are dropped and the call reports false.
func (w *Response) Header(name, value string) bool {
	if w.sent {
		return false
	}
	if len(w.hdr)+len(name)+len(value)+4 > cap(w.hdr) {
		return false
	}
	w.hdr = append(w.hdr, name...)
	w.hdr = append(w.hdr, ": "...)
	w.hdr = append(w.hdr, value...)
	w.hdr = append(w.hdr, "\r\n"...)
	return true
}

// Scratch returns an empty slice over the free part of the request's
// buffer, for building a small body without allocating: append to it and
// pass the result to Send. It stays valid until the response is sent.
func (w *Response) Scratch() []byte {
	ex := w.ex
	if w.c == nil || ex.n >= len(ex.buf) {
		return nil
	}
	return ex.buf[ex.n:ex.n:len(ex.buf)]
}

// Send answers with status, a Content-Type (none if empty) and body.
func (w *Response) Send(status int, contentType string, body []byte) {
	if !w.begin() {
		return
	}
	w.body = body
	w.length = int64(len(body))
	w.start(status, contentType)
}

// JSON answers with an application/json body.
func (w *Response) JSON(status int, body []byte) { w.Send(status, "application/json", body) }

// HTML answers with a text/html body.
func (w *Response) HTML(status int, body []byte) { w.Send(status, "text/html; charset=utf-8", body) }

// Error answers with status and its reason phrase as a text body.
func (w *Response) Error(status int) {
	w.Send(status, "text/plain; charset=utf-8", errorBody(status))
}

// Stream answers with a body produced by body in pieces. A length of 0 or
// more is sent as Content-Length and body must produce exactly that many
// bytes; a negative length sends the body chunked (closing the connection
// for an HTTP/1.0 client instead).
func (w *Response) Stream(status int, contentType string, length int64, body BodyWriter) {
	if !w.begin() {
		return
	}
	w.writer = body
	w.length = length
	w.chunked = length < 0
	w.start(status, contentType)
}

// Resume restarts a streamed body that paused by returning 0 bytes.
func (w *Response) Resume() {
	if w.paused && w.c != nil {
		w.paused = false
		w.c.flush()
	}
}

// Sent reports whether the whole response has been handed to TCP.
func (w *Response) Sent() bool { return w.done }

func (w *Response) begin() bool {
	if w.sent {
		return false
	}
	w.sent = true
	if w.c == nil {
		// The connection went away while the handler was busy: the
		// answer has nowhere to go, and the exchange is free again.
		w.done = true
		if w.ex.orphan != nil {
			w.ex.orphan.release(w.ex)
		}
		return false
	}
	return true
}

// start builds the response head in ex.out and starts writing.
func (w *Response) start(status int, contentType string) {
	c, ex := w.c, w.ex
	req := &ex.req
	w.status = status
	w.noBody = !bodyAllowed(status)
	w.headOnly = req.method == "HEAD"
	if w.chunked && req.minor == 0 {
		// HTTP/1.0 has no chunks: the body ends where the connection does.
		w.chunked = false
		c.closeAfter = true
	}
	if c.srv.stopping || !req.keepAlive {
		c.closeAfter = true
	}
	hdr := w.hdr
	out := ex.out[:0]
	out = append(out, "HTTP/1.1 "...)
	out = strconv.AppendInt(out, int64(status), 10)
	out = append(out, ' ')
	out = append(out, statusText(status)...)
	out = append(out, "\r\n"...)
	if !w.noBody {
		if contentType != "" {
			out = append(out, "Content-Type: "...)
			out = append(out, contentType...)
			out = append(out, "\r\n"...)
		}
		switch {
		case w.chunked:
			out = append(out, "Transfer-Encoding: chunked\r\n"...)
		case w.length >= 0:
			out = append(out, "Content-Length: "...)
			out = strconv.AppendInt(out, w.length, 10)
			out = append(out, "\r\n"...)
		}
	}
	out = append(out, hdr...)
	switch {
	case c.closeAfter:
		out = append(out, "Connection: close\r\n"...)
	case req.minor == 0:
		out = append(out, "Connection: keep-alive\r\n"...)
	}
	out = append(out, "\r\n"...)
	ex.out = out
	if w.noBody || w.headOnly {
		w.body, w.writer = nil, nil
	}
	w.streaming = w.writer != nil
	c.respond()
}

// errorBodies holds "<code> <reason>\n" for the statuses with a reason
// phrase, made once so refusals allocate nothing.
var errorBodies = func() map[int][]byte {
	m := map[int][]byte{}
	for code := 100; code < 600; code++ {
		if statusText(code) != "" {
			m[code] = makeErrorBody(code)
		}
	}
	return m
}()

func errorBody(status int) []byte {
	if b, ok := errorBodies[status]; ok {
		return b
	}
	return makeErrorBody(status)
}

func makeErrorBody(status int) []byte {
	b := strconv.AppendInt(nil, int64(status), 10)
	b = append(b, ' ')
	b = append(b, statusText(status)...)
	return append(b, '\n')
}
