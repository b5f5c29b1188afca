package http

import "github.com/seed947b3480/legation/reactor"

// The receiving side of an exchange: the response read from the stream
// in place, the body handed to its sink, and the end of the exchange:
// the connection kept or closed, the request completed, redirected or
// retried.

// readBudget bounds the bytes one service reads, so one fast connection
// cannot keep the reactor from its other tasks.
const readBudget = 64 << 10

// read takes in what the stream has for the exchange.
func (s *conn) read(now reactor.Instant) (more bool) {
	r := s.req
	read := 0
	for {
		if read >= readBudget {
			return true
		}
		p, err := s.s.ReadLease()
		if len(p) == 0 {
			switch {
			case wouldBlock(err):
			case err == errEOF:
				s.eof(now)
			default:
				s.lost(err)
			}
			return false
		}
		s.gotByte = true
		n, ev, data, perr := s.rd.feed(p)
		if perr != 0 {
			s.s.Consume(n)
			s.c.fail(r, perr)
			return false
		}
		if ev == evData {
			// Deliver before Consume: data is the ring's memory.
			if !s.deliver(r, data) {
				return false // the exchange ended, and the connection with it
			}
		}
		s.s.Consume(n)
		read += n
		if s.rd.phase != phaseHead {
			s.ioDeadline = deadline(now, s.c.cfg.IOTimeout)
		}
		if ev == evHead {
			s.headerDeadline = reactor.Never
			if !s.onHead(now) {
				return false
			}
		}
		if s.rd.done() {
			s.complete(now)
			return false
		}
	}
}

// onHead decides what to do with a final head: follow a redirect (reading
// its body away), or hand it to OnHead and set up the body's sink. It
// reports false if the exchange ended.
func (s *conn) onHead(now reactor.Instant) bool {
	r := s.req
	resp := &r.resp
	if isRedirect(resp.Status) && r.followable(resp) {
		if err := r.redirect(resp, s.c.cfg.MaxURL); err != 0 {
			s.c.fail(r, err)
			return false
		}
		s.c.stats.Redirects++
		s.drain = true
		return s.keepDraining()
	}
	if r.OnHead != nil {
		if err := r.OnHead(resp); err != nil {
			s.c.fail(r, err)
			return false
		}
		if s.req != r {
			return false // canceled from the callback
		}
	}
	if r.OnData == nil && r.Into != nil {
		resp.Body = r.Into[:0]
	}
	return true
}

// keepDraining reports whether a body being thrown away is worth reading
// to keep the connection; if not, the exchange ends here.
func (s *conn) keepDraining() bool {
	rd := &s.rd
	if rd.done() {
		return true
	}
	if rd.frame == frameClose || rd.frame == frameLength && rd.left > s.c.cfg.MaxDrain-s.drained ||
		s.drained > s.c.cfg.MaxDrain {
		s.finishDrain(false)
		return false
	}
	return true
}

// deliver hands body bytes to the request's sink; false if the exchange
// ended.
func (s *conn) deliver(r *Request, data []byte) bool {
	resp := &r.resp
	if s.drain {
		s.drained += int64(len(data))
		return s.keepDraining()
	}
	resp.BodyLen += int64(len(data))
	switch {
	case r.OnData != nil:
		if err := r.OnData(data); err != nil {
			s.c.fail(r, err)
			return false
		}
		return s.req == r
	case r.Into != nil:
		if len(data) > cap(resp.Body)-len(resp.Body) {
			s.c.fail(r, ErrBodyTooLarge)
			return false
		}
		resp.Body = append(resp.Body, data...)
	}
	return true
}

// complete ends an exchange whose response is whole: the connection goes
// idle if it may carry another request, and the request completes, or
// follows its redirect.
func (s *conn) complete(now reactor.Instant) {
	r := s.req
	reuse := s.rd.resp.keepAlive && s.wphase == writeDone && s.s.Err() == nil &&
		!r.connClose && !s.c.cfg.DisableKeepAlives
	s.uses++
	if s.drain {
		s.finishDrain(reuse)
		return
	}
	s.c.stats.Completed++
	s.park(reuse, now)
	s.c.finish(r, nil)
}

// finishDrain ends a redirect's exchange, keeping the connection if reuse,
// and sends the request after the Location.
func (s *conn) finishDrain(reuse bool) {
	r := s.req
	s.park(reuse, s.c.now)
	s.c.requeue(r, true)
}

// park detaches the request and makes the connection idle, or closes it.
func (s *conn) park(reuse bool, now reactor.Instant) {
	if s.req != nil {
		s.req.slot = nil
		s.req = nil
	}
	if !reuse || !s.c.idleRoom() {
		s.release(!reuse)
		return
	}
	s.state = slotIdle
	s.clearTimers()
	s.lastUse = now
	s.idleDeadline = deadline(now, s.c.cfg.IdleTimeout)
}

// eof handles the end of the server's data.
func (s *conn) eof(now reactor.Instant) {
	r := s.req
	ev, err := s.rd.eof()
	if err == 0 && ev == evDone {
		s.rd.resp.keepAlive = false
		s.complete(now)
		return
	}
	if s.retryStale() {
		return
	}
	s.c.fail(r, err)
}

// lost handles a stream that failed.
func (s *conn) lost(err error) {
	if s.retryStale() {
		return
	}
	s.c.fail(s.req, streamErr(err, ErrReset))
}

// retryStale sends the request again on a new connection if the one it went
// out on was a kept-alive one that the server had closed: nothing of a
// response arrived, the method is idempotent and the body can be sent again
// (RFC 9112 9.3.1). Once per request.
func (s *conn) retryStale() bool {
	r := s.req
	if s.uses == 0 || s.gotByte || r.retried || !r.idempotent() || r.streamed() && s.bodyCalled {
		return false
	}
	r.retried = true
	r.fresh = true
	s.c.stats.Retries++
	s.release(true)
	s.c.requeue(r, true)
	return true
}
