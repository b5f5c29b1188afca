package http

// chunkDecoder undoes the chunked transfer coding (RFC 9112 7.1) as bytes
// arrive, without buffering the data: framing is consumed and chunk data is
// handed back as sub-slices of the input. Trailer lines are copied into the
// room the caller gives (the rest of the head buffer) to be parsed once the
// body is over. It is strict, as servers/httpd's decoder is: a size is 1 to
// 15 hex digits, optionally followed by whitespace and extensions, every
// line ends in CRLF, and extensions and trailers are bounded.
type chunkDecoder struct {
	state  uint8
	digits uint8
	size   uint64 // chunk size being read, then data bytes left in the chunk
	extra  int    // bytes of extension skipped so far
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

const (
	maxChunkDigits = 15 // keeps the size below 2^60
	maxChunkExt    = 256
)

// next consumes bytes from p. It returns how many it consumed and, when it
// stopped at chunk data, that data (data is p[n-len(data):n]). Trailer
// bytes are appended to *trailer up to its capacity (ErrHeadTooLarge
// beyond). done is set once the last chunk and the trailers are read.
func (d *chunkDecoder) next(p []byte, trailer *[]byte) (n int, data []byte, done bool, err Error) {
	for n < len(p) {
		c := p[n]
		switch d.state {
		case chunkSize:
			if v, ok := unhex(c); ok {
				if d.digits == maxChunkDigits {
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
			d.state = chunkSizeWS
			continue
		case chunkSizeWS:
			switch c {
			case ' ', '\t': // BWS before an extension (RFC 9112 7.1.1)
			case ';':
				d.state, d.extra = chunkExt, 0
			case '\r':
				d.state = chunkSizeLF
			default:
				return d.fail(n, ErrMalformed)
			}
			n++
		case chunkExt:
			switch {
			case c == '\r':
				d.state = chunkSizeLF
			case c == '\n' || c < ' ' && c != '\t' || c == 0x7f || d.extra == maxChunkExt:
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
				d.state = chunkTrailerStart
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
		case chunkTrailerStart:
			if c == '\r' {
				d.state = chunkFinalLF
				n++
				continue
			}
			d.state = chunkTrailer
		case chunkTrailer, chunkTrailerLF:
			if d.state == chunkTrailerLF && c != '\n' || d.state == chunkTrailer && c == '\n' {
				return d.fail(n, ErrMalformed) // a bare CR or LF
			}
			if len(*trailer) == cap(*trailer) {
				return d.fail(n, ErrHeadTooLarge)
			}
			*trailer = append(*trailer, c)
			switch {
			case c == '\r':
				d.state = chunkTrailerLF
			case c == '\n':
				d.state = chunkTrailerStart
			}
			n++
		case chunkFinalLF:
			if c != '\n' {
				return d.fail(n, ErrMalformed)
			}
			d.state = chunkDone
			return n + 1, nil, true, 0
		case chunkDone:
			return n, nil, true, 0
		default:
			return n, nil, false, ErrMalformed
		}
	}
	return n, nil, d.state == chunkDone, 0
}

func (d *chunkDecoder) fail(n int, err Error) (int, []byte, bool, Error) {
	d.state = chunkBad
	return n, nil, false, err
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
