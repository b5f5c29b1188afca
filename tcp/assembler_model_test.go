package tcp

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/seed947b3480/legation/wire"
)

// asmHarness runs the receive path (a Ring and an Assembler) next to its
// specification written from bytes rather than ranges: which positions of the
// sender's stream have arrived, when each last did, how far the stream is
// contiguous and how far the user has read. After every step it compares
// the two: ranges, delivered bytes, bytes parked in the ring, SACK blocks.
type asmHarness struct {
	t     testing.TB
	limit int
	ring  Ring
	asm   Assembler

	stream []byte   // the sender's bytes, by absolute position
	seen   []uint64 // per position: 0 until it arrives, then the arrival count of the last accepted segment covering it
	clock  uint64
	front  int // RCV.NXT as an absolute position: everything before it has arrived
	read   int // bytes the user has read
	isn    Seq

	lastStart, lastEnd int  // the last accepted segment, absolute
	lastAdvanced       bool // whether it advanced RCV.NXT
}

// modelStream is the sender's data: random bytes, so a byte put at the
// wrong position is caught with probability 255/256.
var modelStream = sync.OnceValue(func() []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 1<<18)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
})

func newAsmHarness(t testing.TB, ringSize, limit int) *asmHarness {
	s := modelStream()
	return &asmHarness{
		t: t, limit: limit,
		ring: NewRing(make([]byte, ringSize)), asm: NewAssembler(limit),
		stream: s, seen: make([]uint64, len(s)),
		isn: 0xffffffff - 5000, // so sequence numbers wrap early
	}
}

func (h *asmHarness) done() bool { return h.front == len(h.stream) }

// modelRuns returns the runs of arrived positions beyond the front, as
// absolute [start, end) pairs, with the newest arrival count in each.
func (h *asmHarness) modelRuns() (runs [][2]int, newest []uint64) {
	end := min(h.front+h.ring.Cap()+1, len(h.seen))
	for p := h.front; p < end; p++ {
		if h.seen[p] == 0 {
			continue
		}
		if len(runs) > 0 && runs[len(runs)-1][1] == p {
			runs[len(runs)-1][1] = p + 1
			newest[len(newest)-1] = max(newest[len(newest)-1], h.seen[p])
			continue
		}
		runs = append(runs, [2]int{p, p + 1})
		newest = append(newest, h.seen[p])
	}
	return runs, newest
}

// segment offers n bytes of the stream at absolute position start, trimmed
// first as a connection trims a segment that begins before RCV.NXT.
func (h *asmHarness) segment(start, n int) {
	h.t.Helper()
	start, n = max(start, 0), min(n, len(h.stream)-max(start, 0))
	if start < h.front {
		n -= h.front - start
		start = h.front
	}
	if n <= 0 {
		return
	}
	off := start - h.front
	// The specification: the bytes that fit in the free space are taken if
	// the ranges beyond the front, counted after taking them, stay within
	// the limit; a segment with no byte in the free space is refused.
	fit := min(n, h.ring.Free()-off)
	accept := false
	if fit > 0 {
		saved := slices.Clone(h.seen[start : start+fit])
		for p := start; p < start+fit; p++ {
			h.seen[p] = h.clock + 1
		}
		runs, _ := h.modelRuns()
		if len(runs) > 0 && runs[0][0] == h.front {
			runs = runs[1:]
		}
		accept = len(runs) <= h.limit
		copy(h.seen[start:], saved)
	}

	adv, ok := h.asm.Receive(&h.ring, off, h.stream[start:start+n])
	if ok != accept {
		h.t.Fatalf("segment [%d,%d) at front %d, free %d: accepted %v, model %v", start, start+n, h.front, h.ring.Free(), ok, accept)
	}
	if !ok {
		if adv != 0 {
			h.t.Fatalf("refused segment advanced %d", adv)
		}
		h.check()
		return
	}
	h.clock++
	for p := start; p < start+fit; p++ {
		h.seen[p] = h.clock
	}
	front := h.front
	for front < len(h.seen) && h.seen[front] != 0 {
		front++
	}
	if adv != front-h.front {
		h.t.Fatalf("segment [%d,%d): advanced %d, model %d", start, start+fit, adv, front-h.front)
	}
	h.lastStart, h.lastEnd, h.lastAdvanced = start, start+fit, adv > 0
	h.front = front
	h.check()
}

// readUser reads up to k bytes as the user would and checks them.
func (h *asmHarness) readUser(k int) {
	h.t.Helper()
	p := make([]byte, k)
	n := h.ring.Read(p)
	if want := min(k, h.front-h.read); n != want {
		h.t.Fatalf("Read(%d) = %d, want %d", k, n, want)
	}
	if !bytes.Equal(p[:n], h.stream[h.read:h.read+n]) {
		h.t.Fatalf("Read at %d returned bytes other than those sent", h.read)
	}
	h.read += n
	h.check()
}

func (h *asmHarness) check() {
	h.t.Helper()
	if h.ring.Len() != h.front-h.read {
		h.t.Fatalf("ring holds %d bytes, model %d", h.ring.Len(), h.front-h.read)
	}
	if h.asm.Ranges() > h.limit {
		h.t.Fatalf("%d ranges above the limit %d", h.asm.Ranges(), h.limit)
	}
	runs, newest := h.modelRuns()
	var got [][2]int
	for i := range h.asm.Ranges() {
		s, e := h.asm.Range(i)
		got = append(got, [2]int{h.front + s, h.front + e})
	}
	if !slices.Equal(got, runs) {
		h.t.Fatalf("ranges %v, model %v (front %d)", got, runs, h.front)
	}
	// Out-of-order bytes sit in the ring's free space at their offset.
	for _, r := range runs {
		for p := r[0]; p < r[1]; p++ {
			at := (h.ring.head + h.ring.n + p - h.front) % h.ring.Cap()
			if h.ring.buf[at] != h.stream[p] {
				h.t.Fatalf("byte %d parked in the ring is %#x, sent %#x", p, h.ring.buf[at], h.stream[p])
			}
		}
	}
	// SACK blocks: whole ranges, newest arrival first.
	order := make([]int, len(runs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if newest[a] > newest[b] {
			return -1
		}
		return 1
	})
	nxt := h.isn.Add(uint32(h.front))
	for _, max := range []int{3, 4} {
		var dst [4]wire.SACKBlock
		n := h.asm.SACKBlocks(nxt, dst[:max])
		if want := min(max, len(runs)); n != want {
			h.t.Fatalf("%d SACK blocks of %d, want %d", n, max, want)
		}
		for i, b := range dst[:n] {
			r := runs[order[i]]
			if want := (wire.SACKBlock{Left: uint32(h.isn.Add(uint32(r[0]))), Right: uint32(h.isn.Add(uint32(r[1])))}); b != want {
				h.t.Fatalf("SACK block %d = %v, want %v", i, b, want)
			}
		}
		// RFC 2018 section 4's MUST, checked on its own: the first block
		// holds the segment that triggered the ACK unless it advanced.
		if n > 0 && !h.lastAdvanced && h.lastEnd > h.front {
			left, right := int(dst[0].Left-uint32(h.isn)), int(dst[0].Right-uint32(h.isn))
			if h.lastStart < left || h.lastEnd > right {
				h.t.Fatalf("first SACK block [%d,%d) does not hold the last segment [%d,%d)", left, right, h.lastStart, h.lastEnd)
			}
		}
	}
}

// drain fills every gap in order and reads everything, then checks that the
// user got exactly the bytes before RCV.NXT, with none lost or repeated.
func (h *asmHarness) drain() {
	h.t.Helper()
	// Parked ranges lie within one ring's capacity of the front, so this
	// many rounds of filling (at least one byte each) reach past them all.
	for range h.ring.Cap() + 1 {
		if h.asm.Empty() && h.read == h.front {
			break
		}
		h.segment(h.front, h.ring.Free())
		h.readUser(h.ring.Len())
	}
	if !h.asm.Empty() || h.read != h.front {
		h.t.Fatalf("after draining: %d ranges, read %d of %d delivered bytes", h.asm.Ranges(), h.read, h.front)
	}
}

// TestAssemblerModel drives the receive path with random arrivals, both
// segments on an MSS grid (the sender's view: loss, reordering, duplicates,
// retransmissions that overlap) and arbitrary byte ranges, for several
// ring sizes and limits.
func TestAssemblerModel(t *testing.T) {
	for _, size := range []int{1, 10, 100, 3000} {
		for _, limit := range []int{0, 1, 2, 4, 32} {
			for seed := range uint64(4) {
				t.Run(fmt.Sprintf("ring=%d/limit=%d/seed=%d", size, limit, seed), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(seed, uint64(size*100+limit)))
					h := newAsmHarness(t, size, limit)
					mss := max(1, size/8)
					for step := 0; step < 1500 && !h.done(); step++ {
						switch k := rng.IntN(11); {
						case k < 4: // a segment on the MSS grid, within a window and a bit past it
							i := rng.IntN(size/mss + 2)
							h.segment(h.front-h.front%mss+i*mss, mss)
						case k < 7: // an arbitrary range, partly old, partly beyond the window
							h.segment(h.front-size/8+rng.IntN(size+size/4+1), 1+rng.IntN(size/3+1))
						case k < 9: // a hostile sliver anywhere in the window, to use up ranges
							h.segment(h.front+rng.IntN(size+1), 1+rng.IntN(3))
						default:
							h.readUser(rng.IntN(size + 1))
						}
					}
					h.drain()
				})
			}
		}
	}
}

// FuzzAssembler feeds random segment arrivals and reads, decoded from the
// input, through asmHarness, which checks after each that there are never
// more ranges than the limit and that no byte is lost, duplicated or
// misplaced against the model.
func FuzzAssembler(f *testing.F) {
	f.Add(uint8(4), uint16(4095), []byte{0, 32, 255, 0, 40, 255})
	f.Fuzz(func(t *testing.T, limit uint8, ringSize uint16, ops []byte) {
		size := int(ringSize%4096) + 1
		h := newAsmHarness(t, size, int(limit%40))
		for i := 0; i+3 <= len(ops) && !h.done(); i += 3 {
			b0, b1, b2 := int(ops[i]), int(ops[i+1]), int(ops[i+2])
			if b0&3 == 3 { // the user reads
				h.readUser(b1<<8 | b2)
				continue
			}
			// A segment of 1 to 256 bytes at an offset from 32 bytes before
			// RCV.NXT to 32 bytes past the ring's capacity.
			off := (b0>>2<<8|b1)%(size+64) - 32
			h.segment(h.front+off, b2+1)
		}
		h.drain()
	})
}

// TestAssemblerFlood is a hostile peer: thousands of one-byte slivers, none
// touching another, against a limit of 32. The ranges fill up to the limit
// and stay there, and the real data still gets through in order.
func TestAssemblerFlood(t *testing.T) {
	const limit = 32
	h := newAsmHarness(t, 2048, limit)
	rng := rand.New(rand.NewPCG(3, 4))
	heldAtLimit := 0
	for range 2000 {
		before := h.asm.Ranges()
		h.segment(h.front+1+2*rng.IntN(1000), 1) // odd offsets: never adjacent, never at the front
		if h.asm.Ranges() == before && before == limit {
			heldAtLimit++
		}
	}
	if h.asm.Ranges() != limit || heldAtLimit == 0 {
		t.Fatalf("after the flood: %d ranges (limit %d), %d slivers met a full table", h.asm.Ranges(), limit, heldAtLimit)
	}
	h.drain()
	if h.front < 1000 {
		t.Fatalf("only %d bytes delivered after the flood", h.front)
	}
}
