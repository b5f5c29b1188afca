package tcp

import (
	"fmt"
	"slices"
	"testing"

	"github.com/seed947b3480/legation/wire"
)

// rcvSide is the receive side as the connection will run it: RCV.NXT, a
// ring and an Assembler, taking segments by sequence number.
type rcvSide struct {
	nxt  Seq
	ring Ring
	asm  Assembler
}

func newRcvSide(nxt Seq, ringSize, limit int) *rcvSide {
	return &rcvSide{nxt: nxt, ring: NewRing(make([]byte, ringSize)), asm: NewAssembler(limit)}
}

// segment takes n bytes at seq (the data is the low byte of each sequence
// number) and returns whether the Assembler accepted them.
func (r *rcvSide) segment(seq Seq, n int) bool {
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(seq.Add(uint32(i)))
	}
	adv, ok := r.asm.Receive(&r.ring, int(seq.Sub(r.nxt)), data)
	r.nxt = r.nxt.Add(uint32(adv))
	return ok
}

// sack returns the SACK blocks of the next ACK, at most max of them.
func (r *rcvSide) sack(max int) [][2]uint32 {
	var dst [4]wire.SACKBlock
	n := r.asm.SACKBlocks(r.nxt, dst[:max])
	var out [][2]uint32
	for _, b := range dst[:n] {
		out = append(out, [2]uint32{b.Left, b.Right})
	}
	return out
}

// rfc2018Row is one line of the tables of RFC 2018 section 5: the segment
// that arrived (500 bytes at seq), or lost, and the ACK it triggers.
type rfc2018Row struct {
	seq    Seq
	lost   bool
	ack    Seq
	blocks [][2]uint32
}

func runRFC2018(t *testing.T, rows []rfc2018Row) *rcvSide {
	t.Helper()
	// The left window edge is 5000 and the sender sends 500-byte segments.
	r := newRcvSide(5000, 8<<10, DefaultAssemblerRanges)
	for _, row := range rows {
		if row.lost {
			continue
		}
		if !r.segment(row.seq, 500) {
			t.Fatalf("segment %d refused", row.seq)
		}
		if r.nxt != row.ack {
			t.Fatalf("after segment %d: ACK %d, want %d", row.seq, r.nxt, row.ack)
		}
		// The RFC's tables have room for three blocks (the sender uses
		// timestamps or not; it never has more than three ranges here).
		for _, max := range []int{3, 4} {
			if got := r.sack(max); !slices.Equal(got, row.blocks) {
				t.Fatalf("after segment %d: SACK (max %d) %v, want %v", row.seq, max, got, row.blocks)
			}
		}
	}
	return r
}

// TestRFC2018Section5 replays the examples of RFC 2018 section 5, table by
// table, with the ACK and SACK blocks each segment triggers.
func TestRFC2018Section5(t *testing.T) {
	t.Run("case 1: first 4 received, last 4 dropped", func(t *testing.T) {
		runRFC2018(t, []rfc2018Row{
			{seq: 5000, ack: 5500},
			{seq: 5500, ack: 6000},
			{seq: 6000, ack: 6500},
			{seq: 6500, ack: 7000},
			{seq: 7000, lost: true},
			{seq: 7500, lost: true},
			{seq: 8000, lost: true},
			{seq: 8500, lost: true},
		})
	})
	t.Run("case 2: first dropped, remaining 7 received", func(t *testing.T) {
		runRFC2018(t, []rfc2018Row{
			{seq: 5000, lost: true},
			{seq: 5500, ack: 5000, blocks: [][2]uint32{{5500, 6000}}},
			{seq: 6000, ack: 5000, blocks: [][2]uint32{{5500, 6500}}},
			{seq: 6500, ack: 5000, blocks: [][2]uint32{{5500, 7000}}},
			{seq: 7000, ack: 5000, blocks: [][2]uint32{{5500, 7500}}},
			{seq: 7500, ack: 5000, blocks: [][2]uint32{{5500, 8000}}},
			{seq: 8000, ack: 5000, blocks: [][2]uint32{{5500, 8500}}},
			{seq: 8500, ack: 5000, blocks: [][2]uint32{{5500, 9000}}},
		})
	})
	t.Run("case 3: 2nd, 4th, 6th and 8th dropped, then the 4th and the 2nd arrive", func(t *testing.T) {
		r := runRFC2018(t, []rfc2018Row{
			{seq: 5000, ack: 5500},
			{seq: 5500, lost: true},
			{seq: 6000, ack: 5500, blocks: [][2]uint32{{6000, 6500}}},
			{seq: 6500, lost: true},
			{seq: 7000, ack: 5500, blocks: [][2]uint32{{7000, 7500}, {6000, 6500}}},
			{seq: 7500, lost: true},
			{seq: 8000, ack: 5500, blocks: [][2]uint32{{8000, 8500}, {7000, 7500}, {6000, 6500}}},
			{seq: 8500, lost: true},
			// "Suppose the 4th packet is received out of order": two blocks.
			{seq: 6500, ack: 5500, blocks: [][2]uint32{{6000, 7500}, {8000, 8500}}},
			// "Suppose at this point, the 2nd segment is received."
			{seq: 5500, ack: 7500, blocks: [][2]uint32{{8000, 8500}}},
		})
		// The bytes that became contiguous are the ones sent, in order.
		data := make([]byte, r.ring.Len())
		r.ring.CopyAt(data, 0)
		for i, b := range data {
			if want := byte(5000 + i); b != want {
				t.Fatalf("byte %d = %#x, want %#x", i, b, want)
			}
		}
		if len(data) != 2500 {
			t.Fatalf("%d bytes delivered, want 2500", len(data))
		}
	})
}

// TestSACKBlockOrder checks the ordering rules of RFC 2018 section 4 beyond
// the RFC's examples: more ranges than fit, a duplicate segment inside an
// older range, and a segment that advances RCV.NXT.
func TestSACKBlockOrder(t *testing.T) {
	r := newRcvSide(1000, 8<<10, 32)
	for _, seq := range []Seq{1100, 1300, 1500, 1700, 1900} {
		r.segment(seq, 100)
	}
	want := [][2]uint32{{1900, 2000}, {1700, 1800}, {1500, 1600}, {1300, 1400}}
	if got := r.sack(4); !slices.Equal(got, want) {
		t.Fatalf("5 ranges, 4 slots: %v, want %v", got, want)
	}
	if got := r.sack(3); !slices.Equal(got, want[:3]) {
		t.Fatalf("5 ranges, 3 slots (timestamps): %v, want %v", got, want[:3])
	}
	// A retransmission of data already held triggers an ACK whose first
	// block is the range that holds it.
	r.segment(1120, 50)
	want = [][2]uint32{{1100, 1200}, {1900, 2000}, {1700, 1800}, {1500, 1600}}
	if got := r.sack(4); !slices.Equal(got, want) {
		t.Fatalf("after a duplicate inside [1100,1200): %v, want %v", got, want)
	}
	// Joining two ranges reports the merged range first, whole.
	r.segment(1600, 100)
	want = [][2]uint32{{1500, 1800}, {1100, 1200}, {1900, 2000}, {1300, 1400}}
	if got := r.sack(4); !slices.Equal(got, want) {
		t.Fatalf("after joining [1500,1600) and [1700,1800): %v, want %v", got, want)
	}
	// A segment that advances RCV.NXT is not reported; the rest keep
	// their order.
	r.segment(1000, 100)
	if r.nxt != 1200 {
		t.Fatalf("RCV.NXT %d, want 1200", r.nxt)
	}
	want = [][2]uint32{{1500, 1800}, {1900, 2000}, {1300, 1400}}
	if got := r.sack(4); !slices.Equal(got, want) {
		t.Fatalf("after advancing to 1200: %v, want %v", got, want)
	}
	if n := r.asm.SACKBlocks(r.nxt, nil); n != 0 {
		t.Fatalf("SACKBlocks into no room = %d", n)
	}
}

// TestSACKBlocksAcrossWrap checks that blocks are sequence numbers modulo
// 2^32 when RCV.NXT is near the top of the sequence space.
func TestSACKBlocksAcrossWrap(t *testing.T) {
	r := newRcvSide(0xffffff00, 4096, 4)
	r.segment(0xffffff80, 0x100) // [-128, +128) around the wrap
	want := [][2]uint32{{0xffffff80, 0x80}}
	if got := r.sack(4); !slices.Equal(got, want) {
		t.Fatalf("SACK across the wrap = %#x, want %#x", got, want)
	}
	r.segment(0xffffff00, 0x80)
	if r.nxt != 0x80 || !r.asm.Empty() {
		t.Fatalf("RCV.NXT %#x (want 0x80), ranges %d", r.nxt, r.asm.Ranges())
	}
}

// TestAssemblerLimit is the hostile-peer table: with a limit of 2 ranges, a
// segment that needs a third range is refused and changes nothing, while
// segments that merge, or arrive in order, are always taken.
func TestAssemblerLimit(t *testing.T) {
	type step struct {
		off, n  int
		ok      bool
		adv     int
		ranges  [][2]int // after the step, offsets relative to the new front
		comment string
	}
	for _, tc := range []struct {
		name  string
		limit int
		steps []step
	}{
		{"fill then refuse", 2, []step{
			{10, 5, true, 0, [][2]int{{10, 15}}, "first range"},
			{20, 5, true, 0, [][2]int{{10, 15}, {20, 25}}, "second range"},
			{30, 5, false, 0, [][2]int{{10, 15}, {20, 25}}, "a third range is refused"},
			{2, 3, false, 0, [][2]int{{10, 15}, {20, 25}}, "also nearer the front"},
			{15, 5, true, 0, [][2]int{{10, 25}}, "filling a gap merges, freeing a slot"},
			{30, 5, true, 0, [][2]int{{10, 25}, {30, 35}}, "so the refused one fits now"},
			{25, 1, true, 0, [][2]int{{10, 26}, {30, 35}}, "touching the right edge extends"},
			{9, 1, true, 0, [][2]int{{9, 26}, {30, 35}}, "touching the left edge extends"},
			{5, 40, true, 0, [][2]int{{5, 45}}, "covering several ranges swallows them"},
		}},
		{"in order when full", 1, []step{
			{10, 5, true, 0, [][2]int{{10, 15}}, "the only range"},
			{20, 5, false, 0, [][2]int{{10, 15}}, "refused"},
			{0, 4, true, 4, [][2]int{{6, 11}}, "in order, clear of the range: delivered"},
			{0, 6, true, 11, nil, "in order, touching the range: delivered with it"},
		}},
		{"limit 0 takes in-order data only", 0, []step{
			{1, 5, false, 0, nil, "out of order is refused"},
			{0, 5, true, 5, nil, "in order is delivered"},
			{0, 0, true, 0, nil, "empty is a no-op"},
		}},
		{"overlaps and duplicates", 4, []step{
			{10, 10, true, 0, [][2]int{{10, 20}}, ""},
			{12, 3, true, 0, [][2]int{{10, 20}}, "inside: no change"},
			{5, 20, true, 0, [][2]int{{5, 25}}, "around: grows both ways"},
			{0, 7, true, 25, nil, "overlapping from the front: everything delivered"},
			{-1, 5, false, 0, nil, "negative offsets are the caller's to trim"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAssembler(tc.limit)
			for i, s := range tc.steps {
				adv, ok := a.Add(s.off, s.n)
				var got [][2]int
				for k := range a.Ranges() {
					start, end := a.Range(k)
					got = append(got, [2]int{start, end})
				}
				if ok != s.ok || adv != s.adv || !slices.Equal(got, s.ranges) {
					t.Fatalf("step %d (%s): Add(%d, %d) = %d %v, ranges %v; want %d %v, ranges %v",
						i, s.comment, s.off, s.n, adv, ok, got, s.adv, s.ok, s.ranges)
				}
				if a.Ranges() > a.Limit() {
					t.Fatalf("step %d: %d ranges above the limit %d", i, a.Ranges(), a.Limit())
				}
			}
		})
	}
}

// TestAssemblerReceiveTrimsToFreeSpace checks the one-call receive path
// against the ring's free space.
func TestAssemblerReceiveTrimsToFreeSpace(t *testing.T) {
	r := newRcvSide(0, 16, 4)
	if !r.segment(10, 10) { // 6 of 10 bytes fit
		t.Fatal("segment partly in the free space refused")
	}
	if s, e := r.asm.Range(0); s != 10 || e != 16 {
		t.Fatalf("range [%d,%d), want [10,16)", s, e)
	}
	if r.segment(16, 4) {
		t.Fatal("segment wholly beyond the free space accepted")
	}
	if !r.segment(0, 10) || r.nxt != 16 || r.ring.Len() != 16 {
		t.Fatalf("filling the gap: RCV.NXT %d, ring %d bytes; want 16, 16", r.nxt, r.ring.Len())
	}
	for i := range 16 {
		if b := r.ring.PeekAt(i, 1)[0]; b != byte(i) {
			t.Fatalf("byte %d = %d", i, b)
		}
	}
}

func TestAssemblerReset(t *testing.T) {
	a := NewAssembler(4)
	a.Add(5, 5)
	a.Reset()
	if !a.Empty() || a.Limit() != 4 {
		t.Fatalf("after Reset: %d ranges, limit %d", a.Ranges(), a.Limit())
	}
	if adv, ok := a.Add(0, 3); adv != 3 || !ok {
		t.Fatalf("Add after Reset = %d %v", adv, ok)
	}
}

func TestAssemblerNoAllocs(t *testing.T) {
	for _, limit := range []int{4, 32} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			r := newRcvSide(0, 64<<10, limit)
			seg := make([]byte, 1460)
			var blocks [4]wire.SACKBlock
			allocs := testing.AllocsPerRun(100, func() {
				// Three out-of-order segments, their SACK blocks, then the
				// holes fill and everything is read.
				base := r.nxt
				for _, k := range []uint32{3, 1, 5, 0, 2, 4} {
					adv, _ := r.asm.Receive(&r.ring, int(base.Add(k*1460).Sub(r.nxt)), seg)
					r.nxt = r.nxt.Add(uint32(adv))
					r.asm.SACKBlocks(r.nxt, blocks[:3])
				}
				r.ring.Consume(r.ring.Len())
			})
			if allocs != 0 {
				t.Fatalf("receive path allocates: %v per run", allocs)
			}
			// AllocsPerRun runs the function once more than asked, to warm up.
			if !r.asm.Empty() || r.nxt != 101*6*1460 {
				t.Fatalf("%d ranges left, RCV.NXT %d; want 0, %d", r.asm.Ranges(), r.nxt, 101*6*1460)
			}
		})
	}
}

func BenchmarkAssemblerOutOfOrder(b *testing.B) {
	r := newRcvSide(0, 64<<10, DefaultAssemblerRanges)
	seg := make([]byte, 1460)
	var blocks [4]wire.SACKBlock
	b.SetBytes(4 * 1460)
	b.ReportAllocs()
	for b.Loop() {
		r.asm.Receive(&r.ring, 2*1460, seg)
		r.asm.Receive(&r.ring, 1460, seg)
		r.asm.SACKBlocks(0, blocks[:])
		r.asm.Receive(&r.ring, 3*1460, seg)
		r.asm.Receive(&r.ring, 0, seg)
		r.ring.Consume(r.ring.Len())
	}
}
