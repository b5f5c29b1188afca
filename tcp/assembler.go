package tcp

import (
	"math"

	"github.com/seed947b3480/legation/wire"
)

// DefaultAssemblerRanges is the number of out-of-order ranges a receiver
// tracks unless configured otherwise: smoltcp's default, and as many as one
// SACK option can report without timestamps.
const DefaultAssemblerRanges = 4

// Assembler is the bookkeeping of out-of-order reassembly on the receive
// side. The data itself never passes through it: a segment that arrives
// beyond the next expected sequence number is written straight into the
// receive Ring's free space at its offset, and the Assembler remembers which
// offsets hold data, as a bounded number of disjoint ranges. When a segment
// fills the gap at the front, Add reports how many bytes became contiguous,
// and the caller commits them to the ring and advances RCV.NXT by as much.
//
// Offsets count from the front: offset 0 is RCV.NXT, which is also the end
// of the ring's data. Every offset shifts down when bytes are delivered.
//
// The number of ranges never grows past the limit given to NewAssembler:
// a segment that would need one more range is refused and the caller drops
// it (the peer retransmits it later). A segment at offset 0 is never refused,
// so a full Assembler cannot stall the stream.
//
// An Assembler also remembers which range received data most recently, to
// order the SACK blocks of RFC 2018.
//
// The zero Assembler has a limit of 0: it accepts in-order data only.
type Assembler struct {
	spans []span // spans[:n] are in use: sorted, disjoint, never adjacent
	n     int
	clock uint64 // counts segments recorded in a range; a span's seen is a reading of it
}

// span is one range of received bytes [start, end) beyond the front.
type span struct {
	start, end int
	// seen is the clock reading of the newest segment that fell inside the
	// range, so that SACK blocks can be ordered by recency. A uint64 counter
	// cannot wrap within the life of a connection.
	seen uint64
}

// NewAssembler returns an empty Assembler that tracks at most limit
// out-of-order ranges. A limit of 0 (or below) keeps no out-of-order data
// at all. The range table is allocated here, once.
func NewAssembler(limit int) Assembler {
	return Assembler{spans: make([]span, max(limit, 0))}
}

// Limit reports the most ranges the Assembler tracks.
func (a *Assembler) Limit() int { return len(a.spans) }

// Ranges reports the number of out-of-order ranges held.
func (a *Assembler) Ranges() int { return a.n }

// Empty reports whether no out-of-order data is held.
func (a *Assembler) Empty() bool { return a.n == 0 }

// Range returns the i-th range in offset order, 0 <= i < Ranges().
func (a *Assembler) Range(i int) (start, end int) {
	s := a.spans[:a.n][i]
	return s.start, s.end
}

// Reset forgets every range; reset the ring with it.
func (a *Assembler) Reset() { a.n, a.clock = 0, 0 }

// Add records the arrival of n bytes at offset off. It merges them with the
// ranges they overlap or touch and returns how many bytes are now contiguous
// from offset 0; the caller commits that many bytes to the ring, and every
// remaining offset has shifted down by as much.
//
// ok is false when the bytes would need a range beyond the limit, or when
// off is negative; nothing changes then and the caller drops the segment.
// Call Add before writing the segment's bytes into the ring, so a refused
// segment leaves the free space as it was.
//
// Add does not allocate and runs in time linear in the limit.
func (a *Assembler) Add(off, n int) (advanced int, ok bool) {
	if off < 0 || n < 0 || off > math.MaxInt-n {
		return 0, false
	}
	if n == 0 {
		return 0, true
	}
	end := off + n
	s := a.spans[:a.n]
	// s[i:j] are the ranges that overlap or touch [off, end).
	i := 0
	for i < len(s) && s[i].end < off {
		i++
	}
	j := i
	for j < len(s) && s[j].start <= end {
		j++
	}
	switch {
	case i == j && off == 0:
		// In order and clear of every range: deliver it without taking a
		// slot, which is what keeps a full Assembler from blocking.
		a.shift(end)
		return end, true
	case i == j:
		if a.n == len(a.spans) {
			return 0, false
		}
		a.clock++
		copy(a.spans[i+1:a.n+1], a.spans[i:a.n])
		a.spans[i] = span{start: off, end: end, seen: a.clock}
		a.n++
	default:
		a.clock++
		a.spans[i] = span{start: min(off, s[i].start), end: max(end, s[j-1].end), seen: a.clock}
		copy(a.spans[i+1:], a.spans[j:a.n])
		a.n -= j - i - 1
	}
	if a.spans[0].start != 0 {
		return 0, true
	}
	advanced = a.spans[0].end
	copy(a.spans, a.spans[1:a.n])
	a.n--
	a.shift(advanced)
	return advanced, true
}

// shift moves every range down by k bytes after k bytes were delivered.
func (a *Assembler) shift(k int) {
	for i := range a.spans[:a.n] {
		a.spans[i].start -= k
		a.spans[i].end -= k
	}
}

// Receive is the receive path in one call: it trims data at offset off to
// the ring's free space, records it with Add, writes it into the ring at its
// offset, and commits what became contiguous. It returns the bytes delivered
// (by which RCV.NXT advances) and ok false if the segment was refused (no
// range free, or no byte of it within the free space). The ring must be
// written only through Receive while the Assembler holds ranges, since
// ranges live in its free space.
func (a *Assembler) Receive(r *Ring, off int, data []byte) (advanced int, ok bool) {
	free := r.Free()
	if off < 0 || (off >= free && len(data) > 0) {
		return 0, false
	}
	data = data[:min(len(data), free-off)]
	advanced, ok = a.Add(off, len(data))
	if !ok {
		return 0, false
	}
	r.WriteAt(data, off)
	r.CommitWrite(advanced)
	return advanced, true
}

// SACKBlocks fills dst with the SACK blocks to send with the next ACK, per
// RFC 2018 section 4, and returns how many it wrote: at most len(dst) (pass
// 4 blocks, or 3 when the segment carries timestamps) and at most Ranges().
// rcvNxt is RCV.NXT, the sequence number of offset 0.
//
// The first block is the range holding the most recently received segment,
// unless that segment advanced RCV.NXT; the others follow from the most to
// the least recently received into. Because a receiver acknowledges every
// out-of-order segment at once (RFC 5681 section 4.2), the range that
// received most recently is the one most recently reported first, which is
// the order section 4 asks for. A block always covers a whole range, as it
// stands after merging, so no block is a subset of another. Duplicate
// reports (D-SACK, RFC 2883) are not generated.
func (a *Assembler) SACKBlocks(rcvNxt Seq, dst []wire.SACKBlock) int {
	k := min(len(dst), a.n)
	below := ^uint64(0) // seen readings are unique, so "newest below" walks them in order
	for c := range k {
		best := -1
		for i := range a.spans[:a.n] {
			if seen := a.spans[i].seen; seen < below && (best < 0 || seen > a.spans[best].seen) {
				best = i
			}
		}
		s := a.spans[best]
		dst[c] = wire.SACKBlock{Left: uint32(rcvNxt.Add(uint32(s.start))), Right: uint32(rcvNxt.Add(uint32(s.end)))}
		below = s.seen
	}
	return k
}
