package udp_test

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/seed947b3480/legation/udp"
)

// modelDatagram is one datagram of ringModel: its bytes, its peer, and where
// the specification says it lies in the buffer.
type modelDatagram struct {
	data     []byte
	addr     netip.AddrPort
	off, pad int
}

// ringModel is the specification of PacketRing written from positions rather
// than from counters: a FIFO (a slice of slices) plus the rule for where a
// datagram goes. The occupied bytes run from the oldest non-empty datagram's
// start (its padding included) to the newest one's end; a new datagram goes
// right after that end if it fits before the end of the buffer, else at the
// start after skipping the rest of the buffer (padding), if it fits there.
// Empty datagrams take a slot and no bytes; a ring holding no bytes offers
// the whole buffer.
type ringModel struct {
	size, slots int
	q           []modelDatagram
}

func (m *ringModel) place(n int) (off, pad int, ok bool) {
	if len(m.q) == m.slots || n > m.size {
		return 0, 0, false
	}
	var oldest, newest *modelDatagram
	for i := range m.q {
		if len(m.q[i].data) > 0 {
			if oldest == nil {
				oldest = &m.q[i]
			}
			newest = &m.q[i]
		}
	}
	if oldest == nil || n == 0 {
		return 0, 0, true // no bytes in use, or no bytes needed
	}
	head := oldest.off
	if oldest.pad > 0 {
		head = m.size - oldest.pad
	}
	tail := newest.off + len(newest.data)
	if head < tail { // occupied [head, tail): free [tail, size) and [0, head)
		if m.size-tail >= n {
			return tail, 0, true
		}
		if head >= n {
			return 0, m.size - tail, true
		}
		return 0, 0, false
	}
	tail %= m.size // occupied wraps: free is [tail, head)
	if head-tail >= n {
		return tail, 0, true
	}
	return 0, 0, false
}

// A long random mix of enqueues and dequeues of every size, on rings of
// several shapes, behaves exactly like the model: the same datagrams are
// accepted and refused, and every datagram comes out intact, in order, with
// its peer. Overlapping placements would show up as corrupted bytes.
func TestRingAgainstModel(t *testing.T) {
	shapes := []struct{ size, slots int }{
		{0, 3}, {1, 1}, {7, 4}, {64, 3}, {100, 8}, {1500, 16}, {4096, 64},
	}
	const opsTotal = 100_000
	rng := rand.New(rand.NewPCG(947, 3480))
	fill := make([]byte, 4096)
	for si, sh := range shapes {
		r := udp.NewPacketRing(make([]byte, sh.size), sh.slots)
		m := &ringModel{size: sh.size, slots: sh.slots}
		refused, padded := 0, 0
		for op := 0; op < opsTotal/len(shapes); op++ {
			// Bias towards enqueues so the ring spends time full.
			if rng.IntN(100) < 55 {
				// Mostly small datagrams, so many share the ring and wrap;
				// some up to one past the buffer size; some empty.
				n := rng.IntN(sh.size/4 + 2)
				switch rng.IntN(8) {
				case 0:
					n = 0
				case 1:
					n = rng.IntN(sh.size + 2)
				}
				addr := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(si), byte(op)}), uint16(op))
				off, pad, want := m.place(n)
				if got := r.CanEnqueue(n); got != want {
					t.Fatalf("shape %v op %d: CanEnqueue(%d)=%v, model says %v (model %+v)", sh, op, n, got, want, m.q)
				}
				b, got := r.Enqueue(n, addr)
				if got != want {
					t.Fatalf("shape %v op %d: Enqueue(%d)=%v, model says %v", sh, op, n, got, want)
				}
				if !got {
					refused++
					continue
				}
				if pad > 0 {
					padded++
				}
				if len(b) != n {
					t.Fatalf("shape %v op %d: lent %d bytes for %d", sh, op, len(b), n)
				}
				for i := range b {
					fill[i] = byte(rng.Uint32())
				}
				copy(b, fill[:n])
				m.q = append(m.q, modelDatagram{data: bytes.Clone(fill[:n]), addr: addr, off: off, pad: pad})
			} else {
				addr, b, ok := r.Peek()
				if ok != (len(m.q) > 0) {
					t.Fatalf("shape %v op %d: Peek ok=%v with %d queued", sh, op, ok, len(m.q))
				}
				if !ok {
					r.Dequeue()
					continue
				}
				want := m.q[0]
				if addr != want.addr || !bytes.Equal(b, want.data) {
					t.Fatalf("shape %v op %d: got %v %d bytes, want %v %d bytes (equal=%v)",
						sh, op, addr, len(b), want.addr, len(want.data), bytes.Equal(b, want.data))
				}
				r.Dequeue()
				m.q = m.q[1:]
			}
			if r.Len() != len(m.q) || r.Empty() != (len(m.q) == 0) {
				t.Fatalf("shape %v op %d: Len %d Empty %v, model holds %d", sh, op, r.Len(), r.Empty(), len(m.q))
			}
		}
		// The mix must have reached the cases under test: a full ring, and
		// (where datagrams can share the buffer) wrap-around with padding.
		if refused < 100 || sh.size >= 7 && padded < 50 {
			t.Errorf("shape %v: only %d refusals and %d padded placements", sh, refused, padded)
		}
	}
}
