package httpd

// Handler answers a request whose body, if any, has been read whole into
// the request's buffer (Request.Body). It answers through w, now or later
// from another callback on the reactor goroutine; one that answers later
// must answer eventually, since its request holds a lent buffer until then.
type Handler func(w *Response, r *Request)

// StreamHandler takes a request body in pieces as it arrives, the dynamic
// resource of Zephyr's HTTP server, so an upload of any size needs no
// buffer beyond TCP's. Start runs once the head has been read (it may
// answer at once, refusing the body; the connection then closes after the
// answer), Data with each piece of the body (p is valid only during the
// call), and End once the body is complete; End answers, now or later.
type StreamHandler struct {
	// MaxBody bounds the body; larger is refused with 413 before any of
	// it is read when its length is declared, or when it grows past the
	// limit when chunked. 0 means Config.MaxBody, negative no limit.
	MaxBody int64
	Start   func(w *Response, r *Request)
	Data    func(r *Request, p []byte)
	End     func(w *Response, r *Request)
}

// BodyWriter produces a streamed response body: called whenever the
// connection can take more, it fills a prefix of p and reports its length,
// and done once the body is complete. Returning 0 without done pauses the
// body until Response.Resume.
type BodyWriter func(p []byte) (n int, done bool)
