package httpd

// refusal returns a complete response for a refusal the server makes on
// its own: status, reason as the body, and Connection: close.
func refusal(status int) []byte {
	if b, ok := refusals[status]; ok {
		return b
	}
	return makeRefusal(status)
}

var refusals = func() map[int][]byte {
	m := map[int][]byte{}
	for _, code := range []int{400, 408, 413, 414, 417, 431, 501, 503, 505} {
		m[code] = makeRefusal(code)
	}
	return m
}()

func makeRefusal(status int) []byte {
	body := errorBody(status)
	b := []byte("HTTP/1.1 ")
	b = append(b, body[:len(body)-1]...)
	b = append(b, "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: "...)
	b = appendInt(b, len(body))
	b = append(b, "\r\nConnection: close\r\n\r\n"...)
	return append(b, body...)
}

func appendInt(b []byte, v int) []byte {
	if v >= 10 {
		b = appendInt(b, v/10)
	}
	return append(b, byte('0'+v%10))
}

// refuse answers status and closes the connection: the request's framing
// can no longer be trusted, or its body is not going to be read.
func (c *conn) refuse(status int) {
	c.srv.stats.Refused++
	if c.phase == phaseHandler || c.phase == phaseRespond {
		c.abort() // an answer is already under way; it cannot be replaced
		return
	}
	c.sc.Write(refusal(status))
	c.lingerClose()
}

// lingerClose closes the write side after what has been written and keeps
// draining input for a while, so the client reads the answer instead of a
// reset caused by its own unread bytes.
func (c *conn) lingerClose() {
	c.giveBack()
	c.sc.CloseWrite()
	c.phase = phaseLinger
	c.setList(&c.srv.linger, c.srv.now().Add(lingerTimeout))
	c.drain()
}

func (c *conn) drain() {
	for {
		p, _ := c.sc.ReadLease()
		if len(p) == 0 {
			break
		}
		c.sc.Consume(len(p))
	}
	if c.peerClosed && c.phase == phaseLinger {
		c.close()
	}
}

// finish ends an exchange whose response is entirely in TCP's hands.
func (c *conn) finish() {
	ex := c.ex
	c.requests++
	if n := c.srv.cfg.MaxRequestsPerConn; n > 0 && int(c.requests) >= n {
		c.closeAfter = true
	}
	if ex.resp.adopt != nil {
		c.handOver()
		return
	}
	if c.closeAfter {
		c.lingerClose()
		return
	}
	// Pipelined bytes after this request stay in the exchange for the
	// next one; otherwise the exchange goes back to the pool.
	if rest := ex.n - ex.rd; rest > 0 {
		ex.reset(ex.rd, rest)
		ex.resp.c = c
		c.phase = phaseHead
		c.setList(&c.srv.head, c.srv.now().Add(c.srv.cfg.HeaderTimeout))
	} else {
		c.giveBack()
		c.phase = phaseIdle
		c.setList(&c.srv.idle, c.srv.now().Add(c.srv.cfg.IdleTimeout))
	}
	c.process()
}

// giveBack returns the connection's exchange, if it has one.
func (c *conn) giveBack() {
	if ex := c.ex; ex != nil {
		c.ex = nil
		c.srv.release(ex)
	}
}

// close closes an orderly connection: TCP finishes sending what it holds
// and closes on its own (detach releases the stream).
func (c *conn) close() {
	c.detach()
}

// abort resets the connection.
func (c *conn) abort() {
	c.sc.Abort()
	c.detach()
}

// detach forgets the connection: off its list, its exchange returned (or
// left to a handler still holding it), its slot freed.
func (c *conn) detach() {
	if c.phase == phaseClosed {
		return
	}
	c.detachOnly()
}

// detachOnly is detach without the check: the stream is released (unless
// handOver took it), the slot freed, the exchange returned and the record
// put back on the free list.
func (c *conn) detachOnly() {
	if c.phase == phaseHandler && c.ex != nil {
		// The handler answers later; its answer finds no connection and
		// returns the exchange then.
		c.ex.orphan = c.srv
		c.ex.resp.c = nil
		c.ex = nil
	}
	c.phase = phaseClosed
	c.setList(nil, 0)
	c.giveBack()
	if c.sc != nil {
		// Release drops the callbacks: the record can be reused.
		c.sc.Release()
	}
	srv := c.srv
	srv.stats.Conns--
	srv.freeConn(c)
	if srv.stopping && srv.stats.Conns == 0 {
		srv.wake()
	}
}
