package hal

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"testing"
)

// fill writes a recognisable pattern derived from seq so that a frame read
// back can be checked byte for byte, not just by length.
func fill(b []byte, seq uint32) {
	binary.BigEndian.PutUint32(b, seq)
	for i := 4; i < len(b); i++ {
		b[i] = byte(seq) ^ byte(i)
	}
}

func check(t testing.TB, frame []byte, seq uint32, n int) {
	t.Helper()
	if len(frame) != n {
		t.Fatalf("seq %d: len %d, want %d", seq, len(frame), n)
	}
	if got := binary.BigEndian.Uint32(frame); got != seq {
		t.Fatalf("got seq %d, want %d", got, seq)
	}
	for i := 4; i < n; i++ {
		if frame[i] != byte(seq)^byte(i) {
			t.Fatalf("seq %d: byte %d = %#x, want %#x", seq, i, frame[i], byte(seq)^byte(i))
		}
	}
}

// frameLen varies frame sizes so a mix-up of lens between slots shows.
func frameLen(seq uint32, slotSize int) int { return 4 + int(seq%uint32(slotSize-3)) }

func TestRingRoundsUpSlots(t *testing.T) {
	for _, tc := range []struct{ in, want int }{{0, 2}, {1, 2}, {2, 2}, {3, 4}, {5, 8}, {64, 64}, {65, 128}} {
		if got := NewRing(tc.in, 16).Cap(); got != tc.want {
			t.Errorf("NewRing(%d).Cap() = %d, want %d", tc.in, got, tc.want)
		}
	}
	if got := NewRing(4, 100).SlotSize(); got != 100 {
		t.Errorf("SlotSize = %d, want 100", got)
	}
}

func TestRingFillDrain(t *testing.T) {
	r := NewRing(8, 64)
	if _, ok := r.Peek(); ok {
		t.Fatal("Peek on a new ring succeeded")
	}
	for i := uint32(0); i < 8; i++ {
		buf, ok := r.Lease()
		if !ok {
			t.Fatalf("Lease %d failed on a ring with room", i)
		}
		if len(buf) != 64 {
			t.Fatalf("leased %d bytes, want the slot size 64", len(buf))
		}
		n := frameLen(i, 64)
		fill(buf, i)
		r.Commit(n)
		if r.Len() != int(i)+1 {
			t.Fatalf("Len = %d after %d commits", r.Len(), i+1)
		}
	}
	if _, ok := r.Lease(); ok {
		t.Fatal("Lease succeeded on a full ring")
	}
	for i := uint32(0); i < 8; i++ {
		f, ok := r.Peek()
		if !ok {
			t.Fatalf("Peek %d failed on a non-empty ring", i)
		}
		check(t, f, i, frameLen(i, 64))
		r.Release()
	}
	if _, ok := r.Peek(); ok {
		t.Fatal("Peek succeeded on a drained ring")
	}
	if r.Len() != 0 {
		t.Fatalf("Len = %d after draining", r.Len())
	}
}

func TestRingWrapAround(t *testing.T) {
	// Keep the ring partly full while many times its capacity passes through,
	// so the indices wrap over the slot array again and again.
	r := NewRing(4, 32)
	var next, want uint32
	for round := 0; round < 1000; round++ {
		for r.Len() < 3 {
			buf, ok := r.Lease()
			if !ok {
				t.Fatal("Lease failed below capacity")
			}
			fill(buf, next)
			r.Commit(frameLen(next, 32))
			next++
		}
		for k := 0; k < 2; k++ {
			f, ok := r.Peek()
			if !ok {
				t.Fatal("Peek failed on a non-empty ring")
			}
			check(t, f, want, frameLen(want, 32))
			r.Release()
			want++
		}
	}
	if want < 2000 {
		t.Fatalf("only %d frames passed", want)
	}
}

func TestRingIndexOverflow(t *testing.T) {
	// The indices are uint32 and only grow; start them just below the wrap of
	// the integer to show full/empty stay right across it.
	r := NewRing(4, 16)
	r.head.Store(^uint32(0) - 1)
	r.tail.Store(^uint32(0) - 1)
	for i := uint32(0); i < 4; i++ {
		buf, ok := r.Lease()
		if !ok {
			t.Fatalf("Lease %d failed", i)
		}
		fill(buf, i)
		r.Commit(8)
	}
	if _, ok := r.Lease(); ok {
		t.Fatal("Lease succeeded on a full ring across the index wrap")
	}
	if r.Len() != 4 {
		t.Fatalf("Len = %d, want 4", r.Len())
	}
	for i := uint32(0); i < 4; i++ {
		f, ok := r.Peek()
		if !ok {
			t.Fatalf("Peek %d failed", i)
		}
		check(t, f, i, 8)
		r.Release()
	}
	if _, ok := r.Peek(); ok {
		t.Fatal("Peek succeeded on an empty ring across the index wrap")
	}
}

func TestRingCommitZeroAbandons(t *testing.T) {
	r := NewRing(2, 16)
	buf, _ := r.Lease()
	fill(buf, 7)
	r.Commit(0)
	r.Commit(-5)
	if _, ok := r.Peek(); ok {
		t.Fatal("Commit(0) or Commit(-5) published a frame")
	}
	if r.Len() != 0 {
		t.Fatalf("Len = %d after abandoned leases", r.Len())
	}
	// The abandoned slot is the one leased next.
	again, ok := r.Lease()
	if !ok || &again[0] != &buf[0] {
		t.Fatal("the slot abandoned by Commit(0) was not lent again")
	}
}

func TestRingRepeatedLeaseAndPeek(t *testing.T) {
	r := NewRing(2, 16)
	a, _ := r.Lease()
	b, _ := r.Lease()
	if &a[0] != &b[0] {
		t.Fatal("two Leases without Commit lent different slots")
	}
	fill(a, 1)
	r.Commit(10)
	f1, _ := r.Peek()
	f2, _ := r.Peek()
	if &f1[0] != &f2[0] || len(f1) != len(f2) {
		t.Fatal("two Peeks without Release lent different frames")
	}
}

func TestRingCommitClampsToSlot(t *testing.T) {
	r := NewRing(2, 16)
	buf, _ := r.Lease()
	fill(buf, 3)
	r.Commit(1 << 20)
	f, ok := r.Peek()
	if !ok {
		t.Fatal("no frame after Commit")
	}
	check(t, f, 3, 16)
	if cap(f) != 16 {
		t.Fatalf("a lent frame has cap %d; it must not reach into the next slot", cap(f))
	}
}

func TestRingReleaseOnEmptyIsNoop(t *testing.T) {
	r := NewRing(2, 16)
	r.Release()
	r.Release()
	if r.Len() != 0 {
		t.Fatalf("Len = %d after Release on an empty ring", r.Len())
	}
	buf, _ := r.Lease()
	fill(buf, 9)
	r.Commit(12)
	f, ok := r.Peek()
	if !ok {
		t.Fatal("Release on an empty ring broke the next frame")
	}
	check(t, f, 9, 12)
}

func TestRingCommitWhenFullIsIgnored(t *testing.T) {
	// A producer that commits without a successful Lease must not overwrite
	// the frame the consumer may be reading.
	r := NewRing(2, 16)
	for i := uint32(0); i < 2; i++ {
		buf, _ := r.Lease()
		fill(buf, i)
		r.Commit(16)
	}
	r.Commit(16)
	if r.Len() != 2 {
		t.Fatalf("Len = %d after a Commit on a full ring, want 2", r.Len())
	}
	for i := uint32(0); i < 2; i++ {
		f, _ := r.Peek()
		check(t, f, i, 16)
		r.Release()
	}
}

func TestRingConcurrent(t *testing.T) {
	const frames = 100_000
	const slotSize = 64
	r := NewRing(16, slotSize)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for seq := uint32(0); seq < frames; {
			buf, ok := r.Lease()
			if !ok {
				// Full: the consumer is behind. Yielding is fine in a test;
				// a real producer would wait for a wake.
				runtime.Gosched()
				continue
			}
			fill(buf, seq)
			r.Commit(frameLen(seq, slotSize))
			seq++
		}
	}()
	errc := make(chan error, 1)
	go func() {
		defer close(errc)
		for seq := uint32(0); seq < frames; {
			f, ok := r.Peek()
			if !ok {
				runtime.Gosched()
				continue
			}
			n := frameLen(seq, slotSize)
			ok = len(f) == n && binary.BigEndian.Uint32(f) == seq
			for i := 4; ok && i < n; i++ {
				ok = f[i] == byte(seq)^byte(i)
			}
			if !ok {
				errc <- fmt.Errorf("frame %d: got len %d (want %d) starting % x", seq, len(f), n, f[:min(len(f), 8)])
				return
			}
			r.Release()
			seq++
		}
	}()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	<-done
	if r.Len() != 0 {
		t.Fatalf("Len = %d after the transfer", r.Len())
	}
}

func TestRingNoAllocs(t *testing.T) {
	r := NewRing(4, 64)
	allocs := testing.AllocsPerRun(1000, func() {
		buf, ok := r.Lease()
		if !ok {
			t.Fatal("Lease failed")
		}
		buf[0] = 1
		r.Commit(60)
		f, ok := r.Peek()
		if !ok || len(f) != 60 {
			t.Fatal("Peek failed")
		}
		r.Release()
	})
	if allocs != 0 {
		t.Fatalf("Lease/Commit/Peek/Release allocate %.1f times per frame", allocs)
	}
}

func BenchmarkRing(b *testing.B) {
	b.Run("same-goroutine", func(b *testing.B) {
		r := NewRing(64, 1514)
		b.SetBytes(1514)
		b.ReportAllocs()
		for b.Loop() {
			buf, _ := r.Lease()
			buf[0] = 1
			r.Commit(1514)
			r.Peek()
			r.Release()
		}
	})
	b.Run("two-goroutines", func(b *testing.B) {
		r := NewRing(64, 1514)
		b.SetBytes(1514)
		b.ReportAllocs()
		n := b.N
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; i < n; {
				if _, ok := r.Peek(); ok {
					r.Release()
					i++
				}
			}
		}()
		b.ResetTimer()
		for i := 0; i < n; {
			if buf, ok := r.Lease(); ok {
				buf[0] = byte(i)
				r.Commit(1514)
				i++
			}
		}
		<-done
	})
}
