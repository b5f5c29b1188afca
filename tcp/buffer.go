package tcp

// Ring is a byte ring over a buffer the caller supplies: a connection's send
// data (written by the user, read back at an offset for every retransmission,
// consumed when acknowledged) or its receive data (written by the connection,
// with out-of-order segments parked in the free space at their offset, read
// by the user). It never allocates, never moves bytes it holds, and never
// moves its tail on a read, so bytes placed in the free space with WriteAt
// stay where they are until CommitWrite makes them part of the data.
//
// A Ring is a value so that it can live inside a connection record; copying
// one copies its positions, not its bytes. The zero Ring has no capacity.
type Ring struct {
	buf  []byte
	head int // index in buf of the oldest byte
	n    int // bytes held, from head onwards, wrapping at len(buf)
}

// NewRing returns an empty ring over buf. The ring uses buf's length as its
// capacity and keeps no other memory; the caller keeps ownership of buf and
// may reuse it once the ring is no longer used.
func NewRing(buf []byte) Ring { return Ring{buf: buf} }

// Cap reports the capacity in bytes.
func (r *Ring) Cap() int { return len(r.buf) }

// Len reports the bytes held.
func (r *Ring) Len() int { return r.n }

// Free reports the bytes that can be written.
func (r *Ring) Free() int { return len(r.buf) - r.n }

// Reset empties the ring and puts the head back at the start of the buffer.
// Bytes parked in the free space are forgotten with it.
func (r *Ring) Reset() { r.head, r.n = 0, 0 }

// wrap maps a position in [0, 2*len(buf)) into the buffer, without a division.
func (r *Ring) wrap(i int) int {
	if i >= len(r.buf) {
		i -= len(r.buf)
	}
	return i
}

// Write copies as much of p as fits and returns the number of bytes copied.
func (r *Ring) Write(p []byte) int {
	n := r.WriteAt(p, 0)
	r.n += n
	return n
}

// WriteAt copies p into the free space starting off bytes past the end of the
// data, as far as the free space reaches, and returns the number of bytes
// copied. It does not change Len: the receive side parks out-of-order data
// this way and commits it with CommitWrite once the gap before it is filled.
// An off outside [0, Free()) copies nothing.
func (r *Ring) WriteAt(p []byte, off int) int {
	free := r.Free()
	if off < 0 || off >= free {
		return 0
	}
	p = p[:min(len(p), free-off)]
	// head+n+off < 2*len(buf) because n+off < len(buf), so one wrap will do.
	at := r.wrap(r.head + r.n + off)
	c := copy(r.buf[at:], p)
	c += copy(r.buf, p[c:])
	return c
}

// WriteLease returns the free space as at most two slices to fill in order:
// first from the end of the data towards the end of the buffer, then second
// from the start of the buffer. second is empty when the free space does not
// wrap. Fill a prefix of first+second and then call CommitWrite with its
// length.
func (r *Ring) WriteLease() (first, second []byte) {
	if r.Free() == 0 {
		return nil, nil
	}
	tail := r.wrap(r.head + r.n)
	if tail >= r.head {
		// Data (if any) is [head, tail): free space is [tail, end) + [0, head).
		return r.buf[tail:], r.buf[:r.head]
	}
	// Data wraps: free space is the single gap [tail, head).
	return r.buf[tail:r.head], nil
}

// CommitWrite appends n bytes already placed in the free space (through
// WriteLease or WriteAt) to the data. It panics if n is negative or above
// Free, which only a bug in the caller can cause.
func (r *Ring) CommitWrite(n int) {
	if n < 0 || n > r.Free() {
		panic("tcp: Ring.CommitWrite beyond the free space")
	}
	r.n += n
}

// Read copies up to len(p) bytes from the head into p, removes them, and
// returns the number copied.
func (r *Ring) Read(p []byte) int {
	n := r.CopyAt(p, 0)
	r.Consume(n)
	return n
}

// ReadLease returns the data from the head up to the end of the data or of
// the buffer, whichever comes first; a second ReadLease after Consume returns
// the rest. The slice aliases the ring: use it before the next write.
func (r *Ring) ReadLease() []byte { return r.PeekAt(0, r.n) }

// PeekAt returns up to n bytes of data starting off bytes after the head, as
// one contiguous slice that may be shorter than asked when the data wraps or
// ends; it removes nothing. The send side reads unacknowledged bytes for a
// retransmission this way. An off outside [0, Len()) returns an empty slice.
func (r *Ring) PeekAt(off, n int) []byte {
	if off < 0 || off >= r.n || n <= 0 {
		return nil
	}
	n = min(n, r.n-off)
	at := r.wrap(r.head + off)
	end := min(at+n, len(r.buf))
	return r.buf[at:end:end]
}

// CopyAt copies data starting off bytes after the head into dst, across the
// wrap, and returns the number of bytes copied; it removes nothing. It is the
// copying form of PeekAt, for building a segment in a transmit buffer.
func (r *Ring) CopyAt(dst []byte, off int) int {
	a := r.PeekAt(off, len(dst))
	c := copy(dst, a)
	if c < len(dst) {
		c += copy(dst[c:], r.PeekAt(off+c, len(dst)-c))
	}
	return c
}

// Consume removes n bytes from the head: bytes read through ReadLease, or
// sent bytes the peer has acknowledged. It panics if n is negative or above
// Len, which only a bug in the caller can cause.
func (r *Ring) Consume(n int) {
	if n < 0 || n > r.n {
		panic("tcp: Ring.Consume beyond the data")
	}
	r.head = r.wrap(r.head + n)
	r.n -= n
}
