package httpd

// chunkDecoder undoes the chunked transfer coding (RFC 9112 7.1) one piece
// at a time, as bytes arrive, without buffering: framing is consumed and
// chunk data is handed back as sub-slices of the input. It is strict, as a
// smuggling defence: a size must be 1 to 15 hex digits directly followed by
// ';' or CRLF, every line must end in CRLF, and extensions and trailers are
// bounded.
type chunkDecoder struct {
	state  uint8
	digits uint8
	size   uint64 // chunk size being read, then data bytes left in the chunk
	extra  int    // bytes of extension or trailer skipped so far
}

const (
	chunkSize uint8 = iota
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
	maxTrailer     = 4096
)

// next consumes bytes from p. It returns how many it consumed and, when it
// stopped at chunk data, that data (a prefix of the consumed bytes' tail:
// data is p[n-len(data):n]). done is set once the last chunk and trailers
// have been read; bad on malformed framing. Call it again with the rest.
func (d *chunkDecoder) next(p []byte) (n int, data []byte, done, bad bool) {
	for n < len(p) {
		c := p[n]
		switch d.state {
		case chunkSize:
			if v, ok := unhex(c); ok {
				if d.digits == maxChunkDigits {
					return d.fail(n)
				}
				d.size = d.size<<4 | uint64(v)
				d.digits++
				n++
				continue
			}
			if d.digits == 0 {
				return d.fail(n)
			}
			switch c {
			case ';':
				d.state, d.extra = chunkExt, 0
			case '\r':
				d.state = chunkSizeLF
			default:
				return d.fail(n)
			}
			n++
		case chunkExt:
			switch {
			case c == '\r':
				d.state = chunkSizeLF
			case c == '\n' || c < ' ' && c != '\t' || d.extra == maxChunkExt:
				return d.fail(n)
			}
			d.extra++
			n++
		case chunkSizeLF:
			if c != '\n' {
				return d.fail(n)
			}
			n++
			d.digits = 0
			if d.size == 0 {
				d.state, d.extra = chunkTrailerStart, 0
			} else {
				d.state = chunkData
			}
		case chunkData:
			k := uint64(len(p) - n)
			if k > d.size {
				k = d.size
			}
			data = p[n : n+int(k)]
			n += int(k)
			d.size -= k
			if d.size == 0 {
				d.state = chunkDataCR
			}
			return n, data, false, false
		case chunkDataCR:
			if c != '\r' {
				return d.fail(n)
			}
			d.state = chunkDataLF
			n++
		case chunkDataLF:
			if c != '\n' {
				return d.fail(n)
			}
			d.state = chunkSize
			n++
		case chunkTrailerStart:
			if c == '\r' {
				d.state = chunkFinalLF
			} else {
				d.state = chunkTrailer
				continue
			}
			n++
		case chunkTrailer:
			if d.extra == maxTrailer || c == '\n' {
				return d.fail(n)
			}
			if c == '\r' {
				d.state = chunkTrailerLF
			}
			d.extra++
			n++
		case chunkTrailerLF:
			if c != '\n' {
				return d.fail(n)
			}
			d.state = chunkTrailerStart
			n++
		case chunkFinalLF:
			if c != '\n' {
				return d.fail(n)
			}
			d.state = chunkDone
			return n + 1, nil, true, false
		case chunkDone:
			return n, nil, true, false
		default:
			return n, nil, false, true
		}
	}
	return n, nil, d.state == chunkDone, false
}

func (d *chunkDecoder) fail(n int) (int, []byte, bool, bool) {
	d.state = chunkBad
	return n, nil, false, true
}

// appendChunkHeader appends the size line of a chunk of n bytes.
func appendChunkHeader(b []byte, n int) []byte {
	b = appendHex(b, uint64(n))
	return append(b, '\r', '\n')
}

func appendHex(b []byte, v uint64) []byte {
	const digits = "0123456789abcdef"
	var tmp [16]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = digits[v&15]
		v >>= 4
		if v == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}
