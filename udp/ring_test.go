package udp_test

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/seed947b3480/legation/udp"
)

var peer = netip.MustParseAddrPort("10.0.0.2:5000")

// put enqueues a datagram of n bytes filled with fill, failing the test if
// the ring refuses it.
func put(t *testing.T, r *udp.PacketRing, n int, fill byte) []byte {
	t.Helper()
	b, ok := r.Enqueue(n, peer)
	if !ok {
		t.Fatalf("Enqueue(%d) refused: len=%d", n, r.Len())
	}
	if len(b) != n || cap(b) != n {
		t.Fatalf("Enqueue(%d) lent len %d cap %d", n, len(b), cap(b))
	}
	for i := range b {
		b[i] = fill
	}
	return b
}

// take checks the oldest datagram is n bytes of fill and removes it.
func take(t *testing.T, r *udp.PacketRing, n int, fill byte) {
	t.Helper()
	addr, b, ok := r.Peek()
	if !ok {
		t.Fatalf("Peek found nothing, want %d bytes of %#x", n, fill)
	}
	if addr != peer || !bytes.Equal(b, bytes.Repeat([]byte{fill}, n)) {
		t.Fatalf("Peek = %v % x, want %d bytes of %#x", addr, b, n, fill)
	}
	r.Dequeue()
}

// A datagram that does not fit before the end of the buffer is placed at the
// start, skipping the tail; the skipped bytes come back when it is dequeued.
func TestRingWrapsWithPadding(t *testing.T) {
	r := udp.NewPacketRing(make([]byte, 100), 8)
	put(t, r, 40, 0xa1) // [0,40)
	put(t, r, 40, 0xa2) // [40,80)
	take(t, r, 40, 0xa1)
	// 20 bytes free at the end, 40 at the start: 30 must go to the start,
	// padding [80,100).
	put(t, r, 30, 0xa3)
	if r.CanEnqueue(11) {
		t.Fatal("CanEnqueue(11) with 10 contiguous bytes free ([30,40))")
	}
	if !r.CanEnqueue(10) {
		t.Fatal("CanEnqueue(10) refused with [30,40) free")
	}
	put(t, r, 10, 0xa4) // [30,40): the ring is now full by bytes
	if r.CanEnqueue(1) {
		t.Fatal("a full ring accepts a byte")
	}
	// The padding belongs to the datagram after it and is freed with it:
	// taking 0xa2 frees [40,80) only.
	take(t, r, 40, 0xa2)
	if !r.CanEnqueue(40) || r.CanEnqueue(41) {
		t.Fatalf("with [40,80) free: CanEnqueue(40)=%v CanEnqueue(41)=%v", r.CanEnqueue(40), r.CanEnqueue(41))
	}
	put(t, r, 40, 0xa5)  // [40,80)
	take(t, r, 30, 0xa3) // frees the padding [80,100) and [0,30)
	// Two free pieces, 20 and 30 bytes: the larger one bounds a datagram.
	if !r.CanEnqueue(30) || r.CanEnqueue(31) {
		t.Fatalf("with [80,100) and [0,30) free: CanEnqueue(30)=%v CanEnqueue(31)=%v", r.CanEnqueue(30), r.CanEnqueue(31))
	}
	put(t, r, 20, 0xa6) // fits the end: [80,100), no padding
	put(t, r, 30, 0xa7) // [0,30)
	take(t, r, 10, 0xa4)
	take(t, r, 40, 0xa5)
	take(t, r, 20, 0xa6)
	take(t, r, 30, 0xa7)
	if !r.Empty() || r.Len() != 0 {
		t.Fatalf("ring not empty: len %d", r.Len())
	}
	// Empty again: the whole buffer is one datagram's worth.
	put(t, r, 100, 0xa8)
	take(t, r, 100, 0xa8)
}

// Empty datagrams are datagrams: they take a slot, no bytes, and keep their
// place in the order, even when the byte buffer is full or zero-sized.
func TestRingZeroLengthDatagrams(t *testing.T) {
	r := udp.NewPacketRing(make([]byte, 10), 4)
	put(t, r, 0, 0)
	put(t, r, 10, 0xb1)
	put(t, r, 0, 0) // the bytes are full; a slot is still free
	take(t, r, 0, 0)
	take(t, r, 10, 0xb1)
	take(t, r, 0, 0)
	put(t, r, 4, 0xb2) // [0,4)
	put(t, r, 0, 0)
	take(t, r, 4, 0xb2)
	// Only an empty datagram is queued and no bytes are in use: all ten
	// bytes must be usable, though the last datagram ended mid-buffer.
	put(t, r, 10, 0xb3)
	take(t, r, 0, 0)
	take(t, r, 10, 0xb3)

	z := udp.NewPacketRing(nil, 2)
	put(t, z, 0, 0)
	put(t, z, 0, 0)
	if z.CanEnqueue(0) {
		t.Fatal("a ring with both slots used accepts a third datagram")
	}
	if z.CanEnqueue(1) || z.Fits(1) {
		t.Fatal("a zero-byte ring accepts a byte")
	}
	take(t, z, 0, 0)
	take(t, z, 0, 0)
}

// The ring is full when either its slots or its bytes run out, and a refused
// Enqueue changes nothing.
func TestRingFullBySlotsAndBytes(t *testing.T) {
	t.Run("slots", func(t *testing.T) {
		r := udp.NewPacketRing(make([]byte, 1000), 3)
		for i := 0; i < 3; i++ {
			put(t, r, 1, byte(i))
		}
		if b, ok := r.Enqueue(1, peer); ok || b != nil {
			t.Fatal("fourth datagram accepted by a 3-slot ring")
		}
		if r.Len() != 3 || r.Slots() != 3 {
			t.Fatalf("Len %d Slots %d", r.Len(), r.Slots())
		}
		take(t, r, 1, 0)
		put(t, r, 1, 3)
		for i := 1; i <= 3; i++ {
			take(t, r, 1, byte(i))
		}
	})
	t.Run("bytes", func(t *testing.T) {
		r := udp.NewPacketRing(make([]byte, 64), 16)
		put(t, r, 30, 1)
		put(t, r, 30, 2)
		if r.CanEnqueue(5) {
			t.Fatal("5 bytes accepted with 4 free")
		}
		if _, ok := r.Enqueue(5, peer); ok {
			t.Fatal("Enqueue(5) accepted with 4 free")
		}
		put(t, r, 4, 3)
		if r.BufferLen() != 64 || !r.Fits(64) || r.Fits(65) {
			t.Fatalf("BufferLen %d Fits(64) %v Fits(65) %v", r.BufferLen(), r.Fits(64), r.Fits(65))
		}
		take(t, r, 30, 1)
		take(t, r, 30, 2)
		take(t, r, 4, 3)
	})
	t.Run("never fits", func(t *testing.T) {
		r := udp.NewPacketRing(make([]byte, 64), 16)
		if r.Fits(65) || r.CanEnqueue(65) {
			t.Fatal("65 bytes fit a 64-byte ring")
		}
	})
	t.Run("reset", func(t *testing.T) {
		r := udp.NewPacketRing(make([]byte, 64), 2)
		put(t, r, 64, 1)
		put(t, r, 0, 0)
		r.Reset()
		if !r.Empty() {
			t.Fatal("Reset left datagrams")
		}
		put(t, r, 64, 2)
		take(t, r, 64, 2)
		r.Dequeue() // on an empty ring: no effect
		if r.Len() != 0 {
			t.Fatal("Dequeue on an empty ring changed its length")
		}
	})
}

// Enqueue and Peek allocate nothing.
func TestRingAllocs(t *testing.T) {
	r := udp.NewPacketRing(make([]byte, 1500), 4)
	allocs := testing.AllocsPerRun(1000, func() {
		b, ok := r.Enqueue(700, peer)
		if !ok {
			panic("refused")
		}
		b[0] = 1
		r.Peek()
		r.Dequeue()
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per datagram", allocs)
	}
}
