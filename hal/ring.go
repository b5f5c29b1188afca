package hal

import "sync/atomic"

// Ring is a fixed-slot single-producer/single-consumer queue of frames. It is
// how a driver goroutine (or an interrupt handler) and the reactor hand frames
// to each other without locks or allocation: all slots are allocated once, the
// producer fills a slot in place and publishes it, the consumer reads it in
// place and gives it back.
//
// Exactly one goroutine may call the producer methods (Lease, Commit) and
// exactly one goroutine the consumer methods (Peek, Release). The two
// indices are atomics; a slot's bytes are handed over by the release/acquire
// ordering of those atomics.
type Ring struct {
	buf      []byte // slots*slotSize bytes, one allocation
	lens     []int32
	slotSize int
	mask     uint32
	// head is the next slot the consumer reads; tail the next slot the
	// producer fills. Both only grow; head <= tail <= head+len(lens).
	head atomic.Uint32
	_    [60]byte // keep the two indices on separate cache lines
	tail atomic.Uint32
}

// NewRing returns a ring of slots slots (rounded up to a power of two, at
// least 2) of slotSize bytes each.
func NewRing(slots, slotSize int) *Ring {
	n := 2
	for n < slots {
		n <<= 1
	}
	return &Ring{
		buf:      make([]byte, n*slotSize),
		lens:     make([]int32, n),
		slotSize: slotSize,
		mask:     uint32(n - 1),
	}
}

// Cap reports the number of slots.
func (r *Ring) Cap() int { return len(r.lens) }

// SlotSize reports the size of each slot in bytes.
func (r *Ring) SlotSize() int { return r.slotSize }

// Len reports the number of published frames not yet released. It is exact
// only when called from the producer or consumer goroutine while the other
// side is idle; otherwise it is a snapshot.
func (r *Ring) Len() int { return int(r.tail.Load() - r.head.Load()) }

func (r *Ring) slot(i uint32) []byte {
	off := int(i&r.mask) * r.slotSize
	return r.buf[off : off+r.slotSize : off+r.slotSize]
}

// Lease lends the producer the next free slot, slotSize bytes long. ok is
// false when the ring is full. Repeated Leases without Commit return the
// same slot.
func (r *Ring) Lease() (buf []byte, ok bool) {
	t := r.tail.Load()
	if t-r.head.Load() >= uint32(len(r.lens)) {
		return nil, false
	}
	return r.slot(t), true
}

// Commit publishes the first n bytes of the leased slot to the consumer.
// Commit(0) abandons the lease. n is clamped to the slot size. A Commit
// without a successful Lease on a full ring is ignored: publishing would
// hand the consumer's current frame back to it as a new one.
func (r *Ring) Commit(n int) {
	if n <= 0 {
		return
	}
	if n > r.slotSize {
		n = r.slotSize
	}
	t := r.tail.Load()
	if t-r.head.Load() >= uint32(len(r.lens)) {
		return
	}
	r.lens[t&r.mask] = int32(n)
	r.tail.Store(t + 1)
}

// Peek lends the consumer the oldest published frame. ok is false when the
// ring is empty. Repeated Peeks without Release return the same frame.
func (r *Ring) Peek() (frame []byte, ok bool) {
	h := r.head.Load()
	if h == r.tail.Load() {
		return nil, false
	}
	return r.slot(h)[:r.lens[h&r.mask]], true
}

// Release gives the frame lent by Peek back to the producer.
func (r *Ring) Release() {
	h := r.head.Load()
	if h == r.tail.Load() {
		return
	}
	r.head.Store(h + 1)
}
