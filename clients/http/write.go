package http

import "github.com/seed947b3480/legation/reactor"

// The sending side of an exchange: the head, then the body ([]byte,
// sized BodyFunc or chunked BodyFunc), straight into the stream's send
// ring.

// write hands the stream as much of the request as it takes.
func (s *conn) write(now reactor.Instant) {
	if s.writeSome() && s.state == slotBusy {
		s.ioDeadline = deadline(now, s.c.cfg.IOTimeout)
	}
	if s.state == slotBusy && s.wphase == writeDone && s.rd.phase == phaseHead && s.headerDeadline == reactor.Never {
		s.headerDeadline = deadline(now, s.c.cfg.HeaderTimeout)
		s.ioDeadline = reactor.Never
	}
}

// writeSome writes what it can and reports whether anything went.
func (s *conn) writeSome() (progress bool) {
	r := s.req
	for s.wphase != writeDone {
		if s.wphase == writeHead {
			first, second, err := s.s.WriteLease()
			if len(first) == 0 {
				s.s.CommitWrite(0)
				s.writeFailed(err)
				return progress
			}
			n, done := r.fillHead(&s.cur, first, second, s.c.cfg.DisableKeepAlives)
			s.s.CommitWrite(n)
			progress = progress || n > 0
			if !done {
				return progress
			}
			s.wphase = writeBody
			continue
		}
		var ok bool
		var n int
		switch {
		case r.bodyLen == 0:
			ok = true
		case !r.streamed():
			n, ok = s.writeBytes(r)
		case r.bodyLen > 0:
			n, ok = s.writeSized(r)
		default:
			n, ok = s.writeChunked(r)
		}
		progress = progress || n > 0
		if s.state != slotBusy || !ok {
			return progress
		}
		s.wphase = writeDone
	}
	return progress
}

// writeFailed handles a write that took nothing: wait for room, or, if the
// stream has failed, leave the failure to the read side, which reports it
// after whatever response arrived.
func (s *conn) writeFailed(err error) {
	if wouldBlock(err) {
		return
	}
	s.wphase = writeDone // nothing more can be sent; read what came
}

// writeBytes copies Body into the stream; ok once all of it is in.
func (s *conn) writeBytes(r *Request) (int, bool) {
	total := 0
	for s.bodyOff < int64(len(r.Body)) {
		n, err := s.s.Write(r.Body[s.bodyOff:])
		s.bodyOff += int64(n)
		total += n
		if n == 0 {
			s.writeFailed(err)
			return total, s.wphase == writeDone
		}
	}
	return total, true
}

// writeSized asks BodyFunc for the rest of a sized body, straight into
// the send ring.
func (s *conn) writeSized(r *Request) (int, bool) {
	total := 0
	for s.bodyOff < r.bodyLen {
		first, second, err := s.s.WriteLease()
		if len(first) == 0 {
			s.s.CommitWrite(0)
			s.writeFailed(err)
			return total, s.wphase == writeDone
		}
		n, done, err := s.produce(r, first, second, r.bodyLen-s.bodyOff)
		s.s.CommitWrite(n)
		s.bodyOff += int64(n)
		total += n
		if err != nil {
			s.c.fail(r, err)
			return total, false
		}
		if done && s.bodyOff != r.bodyLen {
			s.c.fail(r, ErrBodySource)
			return total, false
		}
		if n == 0 {
			return total, false // paused: Resume
		}
	}
	return total, true
}

// produce calls BodyFunc for at most limit bytes into first then second,
// stopping early when it pauses (fills less than it was given) or is done.
func (s *conn) produce(r *Request, first, second []byte, limit int64) (n int, done bool, err error) {
	for _, p := range [2][]byte{first, second} {
		if int64(len(p)) > limit-int64(n) {
			p = p[:limit-int64(n)]
		}
		if len(p) == 0 {
			continue // the first piece may be empty: the room starts in the second
		}
		s.bodyCalled = true
		k, fin, err := r.BodyFunc(p)
		if err != nil {
			return n, false, err
		}
		if k < 0 || k > len(p) {
			return n, false, ErrBodySource
		}
		n += k
		if fin {
			return n, true, nil
		}
		if k < len(p) {
			break
		}
	}
	return n, false, nil
}

// Chunk framing written around each piece of a streamed body: a size of
// exactly four hex digits (leading zeros are allowed, RFC 9112 7.1), so the
// size line can be written after the data it describes.
const (
	chunkHead = 6 // "hhhh\r\n"
	chunkTail = 2 // "\r\n"
	maxChunk  = 0xffff
)

// writeChunked asks BodyFunc for more of a chunked body, each call's bytes
// one chunk, framed in place in the send ring; once it is done, the last
// chunk follows.
func (s *conn) writeChunked(r *Request) (int, bool) {
	total := 0
	for {
		first, second, err := s.s.WriteLease()
		room := len(first) + len(second)
		if s.bodyOff < 0 { // the body is done; the last chunk is due
			if room < 5 {
				s.s.CommitWrite(0)
				if room == 0 {
					s.writeFailed(err)
				}
				return total, s.wphase == writeDone
			}
			putAt(first, second, 0, "0\r\n\r\n")
			s.s.CommitWrite(5)
			return total + 5, true
		}
		if room < chunkHead+chunkTail+1 {
			s.s.CommitWrite(0)
			if room == 0 {
				s.writeFailed(err)
			}
			return total, s.wphase == writeDone
		}
		// The data goes between the size line and the CRLF, which may be
		// split over the ring's two pieces.
		dataRoom := min(room-chunkHead-chunkTail, maxChunk)
		a, b := window(first, second, chunkHead, dataRoom)
		n, done, err := s.produce(r, a, b, int64(dataRoom))
		if err != nil {
			s.s.CommitWrite(0)
			s.c.fail(r, err)
			return total, false
		}
		w := 0
		if n > 0 {
			const hexDigits = "0123456789abcdef"
			for i := range 4 {
				putAt(first, second, i, hexDigits[n>>(12-4*i)&15:][:1])
			}
			putAt(first, second, 4, "\r\n")
			putAt(first, second, chunkHead+n, "\r\n")
			w = chunkHead + n + chunkTail
		}
		s.s.CommitWrite(w)
		total += w
		if done {
			s.bodyOff = -1
			continue
		}
		if n == 0 {
			return total, false // paused: Resume
		}
	}
}

// window returns the part of the two-piece ring space from offset off of
// length n, as up to two slices.
func window(first, second []byte, off, n int) (a, b []byte) {
	if off < len(first) {
		a = first[off:min(len(first), off+n)]
		n -= len(a)
		off = 0
	} else {
		off -= len(first)
	}
	if n > 0 {
		b = second[off : off+n]
	}
	return a, b
}

// putAt writes s at offset off of the two-piece ring space.
func putAt(first, second []byte, off int, s string) {
	for i := 0; i < len(s); i++ {
		if off+i < len(first) {
			first[off+i] = s[i]
		} else {
			second[off+i-len(first)] = s[i]
		}
	}
}
