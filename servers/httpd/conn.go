package httpd

import (
	"bytes"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stream"
)

// Phases of a connection.
const (
	phaseAccepted uint8 = iota // no request yet
	phaseIdle                  // between requests
	phaseWaiting               // bytes arrived, no buffer free yet
	phaseHead                  // reading a request head
	phaseBody                  // reading a request body
	phaseHandler               // a handler holds the request
	phaseRespond               // writing the response
	phaseLinger                // answered, write side closed, draining input
	phaseClosed
)

// conn is one client connection: while idle it holds only this record and
// its stream; an exchange is borrowed for each request.
type conn struct {
	srv *Server
	// sc carries the requests and responses: the TCP connection itself,
	// or a TLS session over it.
	sc         stream.Conn
	ex         *exchange
	link       reactor.Link[conn] // on list, or on the free list
	list       *connList
	deadline   reactor.Instant
	phase      uint8
	closeAfter bool
	peerClosed bool
	inProcess  bool // process is on the stack: finish must not recurse
	again      bool // finish asked process to look again
	requests   uint32
}

func (c *conn) setList(l *connList, d reactor.Instant) {
	if c.list != nil {
		c.list.Remove(c)
		c.list = nil
	}
	if l == nil {
		return
	}
	wasEmpty := l.Len() == 0
	c.deadline, c.list = d, l
	l.PushBack(c)
	if wasEmpty {
		c.srv.wake()
	}
}

// process moves the connection on as far as the bytes it has allow.
func (c *conn) process() {
	if c.inProcess {
		// A handler answered inside process: let the outer loop go on,
		// so pipelined requests do not nest one call deeper each.
		c.again = true
		return
	}
	c.inProcess = true
	for {
		if !c.step() {
			if !c.again {
				break
			}
			c.again = false
		}
	}
	c.inProcess = false
}

// step does one piece of work and reports whether to look again.
func (c *conn) step() bool {
	switch c.phase {
	case phaseAccepted, phaseIdle:
		return c.begin()
	case phaseHead:
		return c.readHead()
	case phaseBody:
		return c.readBody()
	case phaseLinger:
		c.drain()
	}
	return false
}

// begin starts a request once its first byte is there.
func (c *conn) begin() bool {
	for {
		p, _ := c.sc.ReadLease()
		if len(p) == 0 {
			if c.peerClosed {
				c.close()
			}
			return false
		}
		// RFC 9112 2.2: ignore empty lines before a request line (some
		// clients send a CRLF after a POST body).
		k := 0
		for k+1 < len(p) && p[k] == '\r' && p[k+1] == '\n' {
			k += 2
		}
		if k == 0 {
			break
		}
		c.sc.Consume(k)
	}
	ex := c.srv.lend()
	if ex == nil {
		c.phase = phaseWaiting
		c.setList(&c.srv.waiting, c.srv.now().Add(c.srv.cfg.HeaderTimeout))
		c.srv.evictForWaiters()
		return c.phase != phaseWaiting
	}
	c.startHead(ex)
	return true
}

// startHead gives the connection an exchange and starts the head clock.
func (c *conn) startHead(ex *exchange) {
	c.ex = ex
	ex.resp.c = c
	c.phase = phaseHead
	c.setList(&c.srv.head, c.srv.now().Add(c.srv.cfg.HeaderTimeout))
}

// fill copies what TCP holds into the exchange's buffer.
func (c *conn) fill() int {
	ex := c.ex
	got := 0
	for ex.n < len(ex.buf) {
		p, _ := c.sc.ReadLease()
		if len(p) == 0 {
			break
		}
		k := copy(ex.buf[ex.n:], p)
		c.sc.Consume(k)
		ex.n += k
		got += k
	}
	return got
}

var headEnd = []byte("\r\n\r\n")

func (c *conn) readHead() bool {
	ex := c.ex
	c.fill()
	from := max(ex.scan-3, 0)
	i := bytes.Index(ex.buf[from:ex.n], headEnd)
	if i < 0 {
		// A bare LF can end no head this server accepts: refuse it now
		// rather than wait for a CRLF CRLF that may never come.
		for j := max(ex.scan, 1); j < ex.n; j++ {
			if ex.buf[j] == '\n' && ex.buf[j-1] != '\r' {
				c.refuse(400)
				return false
			}
		}
		if ex.n > 0 && ex.buf[0] == '\n' {
			c.refuse(400)
			return false
		}
		ex.scan = ex.n
		switch {
		case ex.n == len(ex.buf):
			if bytes.IndexByte(ex.buf[:ex.n], '\n') < 0 {
				c.refuse(414) // the request line alone fills the buffer
			} else {
				c.refuse(431)
			}
		case c.peerClosed:
			c.close()
		}
		return false
	}
	h := from + i + 4
	return c.startRequest(h)
}

// startRequest parses a complete head of h bytes and routes it.
func (c *conn) startRequest(h int) bool {
	srv, ex := c.srv, c.ex
	req := &ex.req
	srv.stats.Requests++
	if code := parseHead(req, ex.buf, h, srv.lim); code != 0 {
		c.refuse(code)
		return false
	}
	_, req.remote = stream.Tuple(c.sc)
	ex.rd = h
	hasBody := req.chunked || req.contentLength > 0
	rt, pathMatched := srv.rt.lookup(req)
	if rt == nil {
		if hasBody {
			c.closeAfter = true // the body is not read; its end is unknown
		}
		w := &ex.resp
		switch {
		case req.method == "OPTIONS" && (pathMatched || req.Path() == "*"):
			w.hdr = append(append(w.hdr, "Allow: "...), srv.rt.appendAllow(nil, req)...)
			w.hdr = append(w.hdr, "\r\n"...)
			w.Send(204, "", nil)
		case pathMatched:
			w.hdr = append(w.hdr, "Allow: "...)
			w.hdr = srv.rt.appendAllow(w.hdr, req)
			w.hdr = append(w.hdr, "\r\n"...)
			srv.stats.Refused++
			w.Error(405)
		default:
			srv.stats.Refused++
			w.Error(404)
		}
		return false
	}
	if rt.adopt != nil {
		return c.upgrade(rt)
	}
	limit := int64(len(ex.buf) - h)
	if rt.stream != nil {
		limit = rt.stream.MaxBody
		switch {
		case limit == 0:
			limit = srv.cfg.MaxBody
		case limit < 0:
			limit = 1<<63 - 1
		}
	} else {
		limit = min(limit, srv.cfg.MaxBody)
	}
	if req.contentLength > limit {
		c.refuse(413)
		return false
	}
	ex.remaining = max(req.contentLength, 0)
	ex.stream, ex.handler = rt.stream, rt.handler
	ex.bodyEnd = h
	if !hasBody {
		if rt.stream != nil && rt.stream.Start != nil {
			rt.stream.Start(&ex.resp, req)
			if ex.resp.sent {
				return false
			}
		}
		c.dispatch()
		return false
	}
	if req.expectContinue && ex.n == h {
		// RFC 9110 10.1.1: the client waits for this before the body.
		c.sc.Write(continueLine)
	}
	c.phase = phaseBody
	c.setList(&srv.io, srv.now().Add(srv.cfg.IOTimeout))
	if rt.stream != nil && rt.stream.Start != nil {
		rt.stream.Start(&ex.resp, req)
		if ex.resp.sent {
			c.closeAfter = true // the body is refused unread
			return false
		}
	}
	return true
}

var continueLine = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// readBody takes body bytes: into the buffer for a Handler, to Data for a
// StreamHandler.
func (c *conn) readBody() bool {
	ex := c.ex
	progress := false
	if ex.stream != nil {
		// Bytes that came with the head are in the buffer; the rest is
		// taken straight from TCP's ring.
		if ex.rd < ex.n {
			k, done, code := c.feedStream(ex.buf[ex.rd:ex.n])
			ex.rd += k
			progress = k > 0
			if code != 0 || done {
				return c.bodyEnded(done, code)
			}
		}
		for {
			p, _ := c.sc.ReadLease()
			if len(p) == 0 {
				break
			}
			k, done, code := c.feedStream(p)
			c.sc.Consume(k)
			progress = progress || k > 0
			if code != 0 || done {
				return c.bodyEnded(done, code)
			}
		}
	} else {
		before := ex.n
		c.fill()
		progress = ex.n > before
		done, code := c.bufferBody()
		if code != 0 || done {
			return c.bodyEnded(done, code)
		}
	}
	if progress {
		c.setList(&c.srv.io, c.srv.now().Add(c.srv.cfg.IOTimeout))
	}
	if c.peerClosed {
		c.abort() // the body was cut short
	}
	return false
}

func (c *conn) bodyEnded(done bool, code int) bool {
	if code != 0 {
		c.refuse(code)
		return false
	}
	c.dispatch()
	return false
}

// bufferBody makes the body whole in the buffer, decoding chunks in place.
func (c *conn) bufferBody() (done bool, code int) {
	ex := c.ex
	req := &ex.req
	if !req.chunked {
		if int64(ex.n-ex.rd) < ex.remaining {
			return false, 0
		}
		end := ex.rd + int(ex.remaining)
		req.body = ex.buf[ex.rd:end]
		ex.rd = end
		return true, 0
	}
	for {
		n, data, fin, err := ex.chunks.Next(ex.buf[ex.rd:ex.n], nil)
		if err != 0 {
			return false, 400
		}
		if len(data) > 0 {
			copy(ex.buf[ex.bodyEnd:], data)
			ex.bodyEnd += len(data)
			if int64(ex.bodyEnd-ex.req.head) > c.srv.cfg.MaxBody {
				return false, 413
			}
		}
		ex.rd += n
		if fin {
			req.body = ex.buf[req.head:ex.bodyEnd]
			return true, 0
		}
		if n == 0 || ex.rd == ex.n {
			break
		}
	}
	if ex.n == len(ex.buf) {
		// Reclaim the framing already decoded away, or give up.
		if ex.rd == ex.bodyEnd {
			return false, 413
		}
		k := copy(ex.buf[ex.bodyEnd:], ex.buf[ex.rd:ex.n])
		ex.rd = ex.bodyEnd
		ex.n = ex.bodyEnd + k
	}
	return false, 0
}

// feedStream hands body bytes in p to a StreamHandler and reports how
// many were the body's (the rest belongs to the next request).
func (c *conn) feedStream(p []byte) (k int, done bool, code int) {
	ex := c.ex
	req := &ex.req
	sh := ex.stream
	if !req.chunked {
		k = int(min(int64(len(p)), ex.remaining))
		if k > 0 && sh.Data != nil {
			sh.Data(req, p[:k])
		}
		ex.remaining -= int64(k)
		ex.received += int64(k)
		return k, ex.remaining == 0, 0
	}
	limit := sh.MaxBody
	if limit == 0 {
		limit = c.srv.cfg.MaxBody
	}
	for k < len(p) {
		n, data, fin, err := ex.chunks.Next(p[k:], nil)
		k += n
		if err != 0 {
			return k, false, 400
		}
		if len(data) > 0 {
			ex.received += int64(len(data))
			if limit > 0 && ex.received > limit {
				return k, false, 413
			}
			if sh.Data != nil {
				sh.Data(req, data)
			}
		}
		if fin {
			return k, true, 0
		}
		if n == 0 {
			break
		}
	}
	return k, false, 0
}

// dispatch hands the complete request to its handler.
func (c *conn) dispatch() {
	ex := c.ex
	c.phase = phaseHandler
	c.setList(nil, 0)
	switch {
	case ex.stream != nil:
		if ex.stream.End != nil {
			ex.stream.End(&ex.resp, &ex.req)
		} else {
			ex.resp.Send(204, "", nil)
		}
	case ex.handler != nil:
		ex.handler(&ex.resp, &ex.req)
	}
}

// respond starts writing a response once a handler has given one.
func (c *conn) respond() {
	if c.phase == phaseBody {
		// Answered before the body was read (a StreamHandler's Start).
		c.closeAfter = true
	}
	c.phase = phaseRespond
	c.setList(&c.srv.io, c.srv.now().Add(c.srv.cfg.IOTimeout))
	c.flush()
}

// onReadable and the other callbacks are the TCP connection's.
func (c *conn) onReadable() { c.process() }

func (c *conn) onWritable() {
	if c.phase == phaseRespond {
		c.flush()
	}
}

func (c *conn) onPeerClosed() {
	c.peerClosed = true
	c.process()
	if c.phase == phaseLinger {
		c.close()
	}
}

func (c *conn) onClosed(err error) {
	if c.phase == phaseClosed {
		return
	}
	if c.srv.cfg.TLS != nil {
		if f := c.sc.ConnectFuture(); c.phase == phaseAccepted && (!f.Done() || f.Err() != nil) {
			c.srv.stats.HandshakeErrors++
		}
	}
	// detach hands the stream back: a TLS session reports a fatal
	// error before its TCP connection has closed, and a TCP connection
	// the peer reset still holds a stack record until released.
	c.detach()
}
