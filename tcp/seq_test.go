package tcp

import (
	"math"
	"math/rand/v2"
	"testing"
)

// RFC 1982 section 5.2 gives its examples for SERIAL_BITS = 8. Shifting an
// 8-bit serial number into the top byte of a 32-bit one keeps every
// difference's sign, so the RFC's own examples hold for Seq unchanged.
func TestSeqRFC1982Examples(t *testing.T) {
	s := func(v uint8) Seq { return Seq(uint32(v) << 24) }
	add := []struct{ a, n, want uint8 }{
		{255, 1, 0},
		{100, 100, 200},
		{200, 100, 44},
	}
	for _, c := range add {
		if got := s(c.a).Add(uint32(c.n) << 24); got != s(c.want) {
			t.Errorf("%d+%d = %#x, want %#x", c.a, c.n, got, s(c.want))
		}
	}
	less := [][2]uint8{
		{0, 1}, {0, 44}, {0, 100}, {44, 100}, {100, 200}, {200, 255},
		{255, 0}, {255, 100}, {200, 0}, {200, 44},
	}
	for _, c := range less {
		a, b := s(c[0]), s(c[1])
		if !a.LessThan(b) || !a.LessEq(b) || a.GreaterThan(b) || a.GreaterEq(b) {
			t.Errorf("%d < %d does not hold", c[0], c[1])
		}
		if !b.GreaterThan(a) || !b.GreaterEq(a) || b.LessThan(a) || b.LessEq(a) {
			t.Errorf("%d > %d does not hold", c[1], c[0])
		}
		if a.Sub(b) >= 0 || b.Sub(a) <= 0 {
			t.Errorf("Sub(%d, %d) has the wrong sign", c[0], c[1])
		}
	}
}

func TestSeqAroundWrap(t *testing.T) {
	cases := []struct {
		a, b Seq
		sub  int32 // a - b
	}{
		{0, math.MaxUint32, 1},
		{5, math.MaxUint32 - 4, 10},
		{math.MaxUint32, 0, -1},
		{0x7fffffff, 0x80000000, -1},
		{0x80000000, 0x7fffffff, 1},
		{10, 10, 0},
		{0x7ffffffe, 0xffffffff, math.MaxInt32},  // 2^31-1 ahead: still after
		{0xffffffff, 0x7ffffffe, -math.MaxInt32}, // and the mirror image
	}
	for _, c := range cases {
		if got := c.a.Sub(c.b); got != c.sub {
			t.Errorf("%#x.Sub(%#x) = %d, want %d", c.a, c.b, got, c.sub)
		}
		if c.b.Add(uint32(c.sub)) != c.a {
			t.Errorf("%#x + %d != %#x", c.b, c.sub, c.a)
		}
		if got := c.a.LessThan(c.b); got != (c.sub < 0) {
			t.Errorf("%#x.LessThan(%#x) = %v", c.a, c.b, got)
		}
		if got := c.a.LessEq(c.b); got != (c.sub <= 0) {
			t.Errorf("%#x.LessEq(%#x) = %v", c.a, c.b, got)
		}
		if got := c.a.GreaterThan(c.b); got != (c.sub > 0) {
			t.Errorf("%#x.GreaterThan(%#x) = %v", c.a, c.b, got)
		}
		if got := c.a.GreaterEq(c.b); got != (c.sub >= 0) {
			t.Errorf("%#x.GreaterEq(%#x) = %v", c.a, c.b, got)
		}
		wantMax, wantMin := c.a, c.b
		if c.sub < 0 {
			wantMax, wantMin = c.b, c.a
		}
		if SeqMax(c.a, c.b) != wantMax || SeqMin(c.a, c.b) != wantMin {
			t.Errorf("SeqMax/SeqMin(%#x, %#x) = %#x/%#x", c.a, c.b, SeqMax(c.a, c.b), SeqMin(c.a, c.b))
		}
	}
}

// At exactly half the circle RFC 1982 leaves the order undefined; the
// documented choice is that both numbers are before each other, never that
// both are after, so that a window test never accepts such a number.
func TestSeqHalfCircle(t *testing.T) {
	a, b := Seq(7), Seq(7+1<<31)
	if !a.LessThan(b) || !b.LessThan(a) || a.GreaterThan(b) || b.GreaterThan(a) {
		t.Error("numbers 2^31 apart are not both LessThan the other")
	}
}

// Random pairs less than 2^31 apart, anywhere on the circle: the order must
// agree with the distance the pair was built from.
func TestSeqRandomDistances(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		a := Seq(rng.Uint32())
		d := rng.Uint32N(1<<31-1) + 1
		b := a.Add(d)
		if !a.LessThan(b) || !b.GreaterThan(a) || b.Sub(a) != int32(d) || a.Sub(b) != -int32(d) {
			t.Fatalf("a=%#x d=%d: order disagrees with distance", a, d)
		}
		if !b.InWindow(a, d+1) || b.InWindow(a, d) || !a.InWindow(a, 1) {
			t.Fatalf("a=%#x d=%d: InWindow disagrees with distance", a, d)
		}
	}
}

func TestSeqInWindow(t *testing.T) {
	const top = math.MaxUint32
	cases := []struct {
		s, start Seq
		size     uint32
		want     bool
	}{
		{100, 100, 0, false}, // an empty window holds nothing, not even its start
		{100, 100, 1, true},
		{101, 100, 1, false},
		{99, 100, 10, false},
		{109, 100, 10, true},
		{110, 100, 10, false},
		{top, top - 1, 2, true}, // windows across the wrap
		{0, top - 1, 2, false},
		{0, top - 1, 3, true},
		{2, top - 1, 5, true}, // top-1, top, 0, 1, 2
		{3, top - 1, 5, false},
		{top - 2, top - 1, 5, false},
		{12345, 0, top, true},   // the largest window holds all but one number
		{top - 1, 0, top, true}, // ...
		{top, 0, top, false},    // ...the one just before its start
	}
	for _, c := range cases {
		if got := c.s.InWindow(c.start, c.size); got != c.want {
			t.Errorf("%#x.InWindow(%#x, %d) = %v, want %v", c.s, c.start, c.size, got, c.want)
		}
	}
}
