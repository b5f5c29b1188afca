package httpd

import "github.com/seed947b3480/legation/tcp"

// flush writes as much of the response as TCP can take.
func (c *conn) flush() {
	ex := c.ex
	w := &ex.resp
	progress := false
	if ex.outN < len(ex.out) {
		n, _ := c.sc.Write(ex.out[ex.outN:])
		ex.outN += n
		progress = n > 0
		if ex.outN < len(ex.out) {
			c.touch(progress)
			return
		}
	}
	if len(w.body) > 0 {
		n, _ := c.sc.Write(w.body)
		w.body = w.body[n:]
		progress = progress || n > 0
		if len(w.body) > 0 {
			c.touch(progress)
			return
		}
	}
	if w.streaming {
		var more bool
		if w.chunked {
			more = c.writeChunks(&progress)
		} else {
			more = c.writeStream(&progress)
		}
		if more || c.phase != phaseRespond {
			c.touch(progress)
			return
		}
	}
	w.done = true
	c.finish()
}

// touch pushes the stall deadline back after progress.
func (c *conn) touch(progress bool) {
	if progress && c.phase == phaseRespond {
		c.setList(&c.srv.io, c.srv.now().Add(c.srv.cfg.IOTimeout))
	}
}

// writeStream fills TCP's ring straight from the BodyWriter, for a body of
// declared length, or one that ends with the connection (an HTTP/1.0
// client, no length). It reports whether more is to come.
func (c *conn) writeStream(progress *bool) bool {
	w := &c.ex.resp
	for w.length < 0 || w.written < w.length {
		first, _, err := c.sc.WriteLease()
		if err == tcp.ErrWouldBlock {
			return true // OnWritable brings us back
		}
		if err != nil {
			c.abort()
			return true
		}
		p := first
		if w.length >= 0 {
			p = first[:min(int64(len(first)), w.length-w.written)]
		}
		n, done := w.writer(p)
		n = max(0, min(n, len(p)))
		c.sc.CommitWrite(n)
		w.written += int64(n)
		*progress = *progress || n > 0
		if done && w.length < 0 {
			return false // the close that follows ends the body
		}
		if done && w.written != w.length {
			// The declared length cannot be kept: the framing would
			// lie, so the connection ends here.
			c.abort()
			return true
		}
		if n == 0 && !done {
			w.paused = true
			return true
		}
	}
	return false
}

// chunkHeaderLen is the size line written before each chunk: four hex
// digits with leading zeros (allowed by RFC 9112 7.1: chunk-size is
// 1*HEXDIG) and CRLF, so the data can go straight into TCP's ring and the
// size be filled in after.
const (
	chunkHeaderLen = 6
	maxChunk       = 0xffff
)

var lastChunk = []byte("0\r\n\r\n")

// writeChunks fills TCP's ring with chunks straight from the BodyWriter
// and ends the body with the last chunk. It reports whether more is to
// come.
func (c *conn) writeChunks(progress *bool) bool {
	w := &c.ex.resp
	for !w.finalSent {
		first, second, err := c.sc.WriteLease()
		if err == tcp.ErrWouldBlock {
			return true
		}
		if err != nil {
			c.abort()
			return true
		}
		free := len(first) + len(second)
		if w.writer == nil {
			if free < len(lastChunk) {
				c.sc.CommitWrite(0) // end the lease; OnWritable brings us back
				return true
			}
			c.sc.CommitWrite(0)
			c.sc.Write(lastChunk)
			w.finalSent = true
			*progress = true
			break
		}
		if free < chunkHeaderLen+2+16 {
			c.sc.CommitWrite(0)
			return true
		}
		room := min(free-chunkHeaderLen-2, maxChunk)
		// The data region is [chunkHeaderLen, chunkHeaderLen+room) of
		// first+second; it may wrap.
		n, done := 0, false
		if a := len(first) - chunkHeaderLen; a > 0 {
			p := first[chunkHeaderLen : chunkHeaderLen+min(a, room)]
			k, d := w.writer(p)
			n, done = max(0, min(k, len(p))), d
		}
		if !done && n == max(len(first)-chunkHeaderLen, 0) && n < room {
			off := max(chunkHeaderLen-len(first), 0)
			if off < len(second) {
				p := second[off:min(len(second), off+room-n)]
				k, d := w.writer(p)
				n, done = n+max(0, min(k, len(p))), d
			}
		}
		if n > 0 {
			var hdr [chunkHeaderLen]byte
			const hex = "0123456789abcdef"
			hdr[0], hdr[1], hdr[2], hdr[3] = hex[n>>12], hex[n>>8&15], hex[n>>4&15], hex[n&15]
			hdr[4], hdr[5] = '\r', '\n'
			putRing(first, second, 0, hdr[:])
			putRing(first, second, chunkHeaderLen+n, crlf)
			c.sc.CommitWrite(chunkHeaderLen + n + 2)
			w.written += int64(n)
			*progress = true
		} else {
			c.sc.CommitWrite(0)
		}
		if done {
			w.writer = nil // the last chunk follows
			continue
		}
		if n == 0 {
			w.paused = true
			return true
		}
	}
	return false
}

var crlf = []byte("\r\n")

// putRing copies b into the concatenation first+second at off.
func putRing(first, second []byte, off int, b []byte) {
	if off < len(first) {
		k := copy(first[off:], b)
		b, off = b[k:], 0
	} else {
		off -= len(first)
	}
	copy(second[off:], b)
}
