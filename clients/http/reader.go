package http

import "github.com/seed947b3480/legation/internal/http1"

// reader reads one response from a byte stream, sans-IO: the caller feeds
// it what the stream lends (ReadLease), consumes what it reports used, and
// gets back events. Interim 1xx responses are skipped inside it. The head
// goes into resp's buffer; the body is handed back in place, as sub-slices
// of the input.
type reader struct {
	resp       *Response
	maxFields  int
	headReq    bool // the request was HEAD: no body, whatever the head says
	phase      uint8
	frame      uint8
	left       int64 // body bytes still due (frameLength)
	scan       headScan
	chunk      http1.ChunkDecoder
	interim    int
	trailerOff int    // where trailers start in resp.buf
	trailer    []byte // trailer bytes gathered so far, in resp.buf
}

// Phases of a reader.
const (
	phaseHead uint8 = iota
	phaseBody
	phaseDone
)

// How the body is delimited (RFC 9112 6.3).
const (
	frameNone    uint8 = iota // no body: HEAD, 1xx, 204, 304
	frameLength               // Content-Length
	frameChunked              // Transfer-Encoding: chunked
	frameClose                // until the server closes the connection
)

// maxInterim bounds the 1xx responses skipped before the final one.
const maxInterim = 8

// Events of feed.
const (
	evMore uint8 = iota // everything given was used; feed more
	evHead              // the final head is in resp; the body follows (or not: phase says)
	evData              // data holds body bytes
	evDone              // the response is complete
)

func (rd *reader) reset(resp *Response, headReq bool, maxFields int) {
	*rd = reader{resp: resp, headReq: headReq, maxFields: maxFields}
}

// feed consumes a prefix of p and reports what happened. data, for evData,
// is a sub-slice of p[:n]. After an error the reader is stuck.
func (rd *reader) feed(p []byte) (n int, ev uint8, data []byte, err Error) {
	switch rd.phase {
	case phaseHead:
		used, done, err := rd.scan.feed(rd.resp.buf, p)
		if err != 0 || !done {
			return used, evMore, nil, err
		}
		if err := rd.onHead(); err != 0 {
			return used, evMore, nil, err
		}
		if rd.phase == phaseHead {
			return used, evMore, nil, 0 // an interim response, skipped
		}
		return used, evHead, nil, 0
	case phaseBody:
		switch rd.frame {
		case frameLength:
			k := int(min(int64(len(p)), rd.left))
			rd.left -= int64(k)
			if rd.left == 0 {
				rd.phase = phaseDone
			}
			return k, evData, p[:k], 0
		case frameClose:
			return len(p), evData, p, 0
		case frameChunked:
			n, data, done, cerr := rd.chunk.Next(p, &rd.trailer)
			if cerr == http1.ErrTrailerTooLarge {
				return n, evMore, nil, ErrHeadTooLarge
			}
			if cerr != 0 {
				return n, evMore, nil, ErrMalformed
			}
			if done {
				if err := rd.parseTrailers(); err != 0 {
					return n, evMore, nil, err
				}
				rd.phase = phaseDone
				return n, evDone, nil, 0
			}
			if len(data) > 0 {
				return n, evData, data, 0
			}
			return n, evMore, nil, 0
		}
	}
	return 0, evDone, nil, 0
}

// eof tells the reader the stream has ended. A close-delimited body is then
// complete; anything else is cut short (ErrConnClosed).
func (rd *reader) eof() (ev uint8, err Error) {
	if rd.phase == phaseDone {
		return evDone, 0
	}
	if rd.phase == phaseBody && rd.frame == frameClose {
		rd.phase = phaseDone
		return evDone, 0
	}
	return evMore, ErrConnClosed
}

// onHead parses a complete head and sets up the body's framing.
func (rd *reader) onHead() Error {
	r := rd.resp
	info, err := parseHead(r, r.buf, rd.scan.n, rd.maxFields)
	if err != 0 {
		return err
	}
	switch {
	case r.Status == 101:
		return ErrUpgrade
	case r.Status < 200:
		rd.interim++
		if rd.interim > maxInterim {
			return ErrMalformed
		}
		rd.scan = headScan{}
		return 0
	}
	r.keepAlive = !info.connClose && (r.ProtoMinor >= 1 || info.connKeepAlive)
	rd.phase = phaseBody
	switch {
	case rd.headReq || r.Status == 204 || r.Status == 304:
		rd.frame = frameNone
		rd.phase = phaseDone
	case info.chunked:
		rd.frame = frameChunked
		// BWS after a chunk size is grammatical (RFC 9112 7.1.1) and some
		// servers send it; servers/httpd refuses it only because net/http,
		// which may be in front of it, does.
		rd.chunk = http1.ChunkDecoder{BWS: true}
		rd.trailerOff = rd.scan.n
		rd.trailer = r.buf[rd.scan.n:rd.scan.n:len(r.buf)]
	case info.contentLength >= 0:
		rd.frame, rd.left = frameLength, info.contentLength
		if rd.left == 0 {
			rd.phase = phaseDone
		}
	default:
		rd.frame = frameClose
		r.keepAlive = false
	}
	return 0
}

// parseTrailers parses the trailer lines gathered after the last chunk
// into further fields of the response.
func (rd *reader) parseTrailers() Error {
	r := rd.resp
	buf := r.buf
	end := rd.trailerOff + len(rd.trailer)
	for pos := rd.trailerOff; pos < end; {
		e := pos
		for buf[e] != '\r' {
			e++
		}
		if len(r.fields) == rd.maxFields {
			return ErrHeadTooLarge
		}
		f, ok := parseField(buf, pos, e)
		if !ok {
			return ErrMalformed
		}
		r.fields = append(r.fields, f)
		pos = e + 2
	}
	return 0
}

// done reports whether the response is complete.
func (rd *reader) done() bool { return rd.phase == phaseDone }

// started reports whether any byte of a response has been seen.
func (rd *reader) started() bool { return rd.phase != phaseHead || rd.scan.n > 0 || rd.interim > 0 }
