package http1

// ChunkDecoder undoes the chunked transfer coding (RFC 9112 7.1) one piece
// at a time, as bytes arrive, without buffering: framing is consumed and
// chunk data is handed back as sub-slices of the input. It is strict, as a
// smuggling defence: a size is 1 to 15 hex digits, every line ends in CRLF
// (no bare CR or LF), an extension holds no control byte but HTAB and no
// DEL, and extensions and skipped trailers are bounded.
//
// The zero value decodes as servers/httpd needs: a size must be followed
// directly by ';' or CRLF, which is what net/http accepts too. Set BWS to
// also accept whitespace after the size (RFC 9112 7.1.1 allows BWS before
// ';'), as clients/http does: net/http refuses "3 ;x", so a server that
// accepted it could read a body differently from a net/http proxy before it.
type ChunkDecoder struct {
	// BWS accepts SP and HTAB between a chunk size and its extension or
	// CRLF.
	BWS bool

	state  uint8
	digits uint8
	size   uint64 // chunk size being read, then data bytes left in the chunk
	extra  int    // bytes of extension or skipped trailer so far
}

const (
	chunkSize uint8 = iota
	chunkSizeWS
	chunkExt
	chunkSizeLF
	chunkData
	chunkDataCR
	chunkDataLF
	chunkTrailerStart
	chunkTrailer
	chunkTrailerLF
	chunkFinalLF
	chunkDone
	chunkBad
)

// Bounds of the decoder.
const (
	MaxChunkDigits = 15   // hex digits of a size: keeps it below 2^60
	MaxChunkExt    = 256  // bytes of one chunk's extensions, after the ';'
	MaxTrailer     = 4096 // bytes of trailer lines skipped (no sink given)
)

// Error is why a ChunkDecoder refused its input.
type Error uint8

// Errors of Next.
const (
	ErrMalformed       Error = iota + 1 // the framing breaks RFC 9112 7.1 or a bound
	ErrTrailerTooLarge                  // the trailer lines overflow their sink or MaxTrailer
)

func (e Error) Error() string {
	switch e {
	case ErrMalformed:
		return "http1: malformed chunked coding"
	case ErrTrailerTooLarge:
		return "http1: chunked trailer too large"
	}
	return "http1: unknown error"
}

// Reset readies d for a new body, keeping its options.
func (d *ChunkDecoder) Reset() { *d = ChunkDecoder{BWS: d.BWS} }

// Next consumes bytes from p. It returns how many it consumed and, when it
// stopped at chunk data, that data (a tail of the consumed bytes: data is
// p[n-len(data):n]). done is set once the last chunk and the trailer
// section have been read. Call it again with the rest of p, or with more
// input once p is used up; after an error the decoder stays failed.
//
// trailer is the caller's sink for the trailer section: when it is not
// nil, the trailer lines, each with its CRLF (the final empty line
// excluded), are appended to *trailer up to its capacity, beyond which
// Next fails with ErrTrailerTooLarge. When it is nil the trailer lines are
// checked and skipped, at most MaxTrailer bytes of them.
func (d *ChunkDecoder) Next(p []byte, trailer *[]byte) (n int, data []byte, done bool, err Error) {
	for n < len(p) {
		c := p[n]
		switch d.state {
		case chunkSize:
			if v, ok := Unhex(c); ok {
				if d.digits == MaxChunkDigits {
					return d.fail(n, ErrMalformed)
				}
				d.size = d.size<<4 | uint64(v)
				d.digits++
				n++
				continue
			}
			if d.digits == 0 {
				return d.fail(n, ErrMalformed)
			}
			fallthrough // straight on, so a size without BWS costs no extra pass
		case chunkSizeWS:
			switch {
			case c == ';':
				d.state, d.extra = chunkExt, 0
			case c == '\r':
				d.state = chunkSizeLF
			case (c == ' ' || c == '\t') && d.BWS: // BWS (RFC 9112 7.1.1)
				d.state = chunkSizeWS
			default:
				return d.fail(n, ErrMalformed)
			}
			n++
		case chunkExt:
			switch {
			case c == '\r':
				d.state = chunkSizeLF
			case c == '\n' || !IsFieldValueChar(c) || d.extra == MaxChunkExt:
				return d.fail(n, ErrMalformed)
			}
			d.extra++
			n++
		case chunkSizeLF:
			if c != '\n' {
				return d.fail(n, ErrMalformed)
			}
			n++
			d.digits = 0
			if d.size == 0 {
				d.state, d.extra = chunkTrailerStart, 0
			} else {
				d.state = chunkData
			}
		case chunkData:
			k := min(uint64(len(p)-n), d.size)
			data = p[n : n+int(k)]
			n += int(k)
			d.size -= k
			if d.size == 0 {
				d.state = chunkDataCR
			}
			return n, data, false, 0
		case chunkDataCR:
			if c != '\r' {
				return d.fail(n, ErrMalformed)
			}
			d.state = chunkDataLF
			n++
		case chunkDataLF:
			if c != '\n' {
				return d.fail(n, ErrMalformed)
			}
			d.state = chunkSize
			n++
		case chunkTrailerStart, chunkTrailer, chunkTrailerLF, chunkFinalLF:
			// Apart, so the hot loop above keeps its values in registers.
			k, done, err := d.nextTrailer(p[n:], trailer)
			return n + k, nil, done, err
		case chunkDone:
			return n, nil, true, 0
		default:
			return n, nil, false, ErrMalformed
		}
	}
	return n, nil, d.state == chunkDone, 0
}

// nextTrailer is Next in the trailer section: it consumes p up to the end
// of the body.
func (d *ChunkDecoder) nextTrailer(p []byte, trailer *[]byte) (n int, done bool, err Error) {
	for n < len(p) {
		c := p[n]
		switch d.state {
		case chunkTrailerStart:
			if c == '\r' {
				d.state = chunkFinalLF
				n++
				continue
			}
			d.state = chunkTrailer
		case chunkTrailer:
			if c == '\n' {
				return n, false, d.failed(ErrMalformed) // a bare LF
			}
			if !d.keep(c, trailer) {
				return n, false, d.failed(ErrTrailerTooLarge)
			}
			if c == '\r' {
				d.state = chunkTrailerLF
			}
			n++
		case chunkTrailerLF:
			if c != '\n' {
				return n, false, d.failed(ErrMalformed) // a bare CR
			}
			if trailer != nil && !d.keep(c, trailer) {
				return n, false, d.failed(ErrTrailerTooLarge)
			}
			d.state = chunkTrailerStart
			n++
		case chunkFinalLF:
			if c != '\n' {
				return n, false, d.failed(ErrMalformed)
			}
			d.state = chunkDone
			return n + 1, true, 0
		default:
			return n, d.state == chunkDone, 0
		}
	}
	return n, d.state == chunkDone, 0
}

// keep appends a trailer byte to the sink, or counts it against
// MaxTrailer when there is none. It reports false when there is no room.
func (d *ChunkDecoder) keep(c byte, trailer *[]byte) bool {
	if trailer == nil {
		if d.extra == MaxTrailer {
			return false
		}
		d.extra++
		return true
	}
	if len(*trailer) == cap(*trailer) {
		return false
	}
	*trailer = append(*trailer, c)
	return true
}

func (d *ChunkDecoder) fail(n int, err Error) (int, []byte, bool, Error) {
	return n, nil, false, d.failed(err)
}

func (d *ChunkDecoder) failed(err Error) Error {
	d.state = chunkBad
	return err
}
