package tcp

// Seq is a TCP sequence number. Sequence space is a circle of 2^32 octets
// (RFC 9293 section 3.4), so numbers are compared by the sign of their
// 32-bit difference, as serial number arithmetic (RFC 1982) and every TCP
// since 4.2BSD do: a is before b when b can be reached from a by going
// forward less than half the circle.
//
// That order is only meaningful between numbers less than 2^31 apart. At
// exactly 2^31 apart RFC 1982 leaves the comparison undefined; here, as on
// Linux, each of the two is then LessThan the other. TCP never compares
// numbers that far apart: windows are at most 2^30 octets (RFC 7323 2.3).
type Seq uint32

// Add returns s advanced by n octets, wrapping around the circle.
func (s Seq) Add(n uint32) Seq { return s + Seq(n) }

// Sub returns the signed distance from o to s: how far o must move forward
// (positive) or backward (negative) to reach s. It is exact when the two
// are less than 2^31 apart.
func (s Seq) Sub(o Seq) int32 { return int32(uint32(s - o)) }

// LessThan reports whether s comes before o.
func (s Seq) LessThan(o Seq) bool { return s.Sub(o) < 0 }

// LessEq reports whether s comes before o or equals it.
func (s Seq) LessEq(o Seq) bool { return s.Sub(o) <= 0 }

// GreaterThan reports whether s comes after o.
func (s Seq) GreaterThan(o Seq) bool { return s.Sub(o) > 0 }

// GreaterEq reports whether s comes after o or equals it.
func (s Seq) GreaterEq(o Seq) bool { return s.Sub(o) >= 0 }

// InWindow reports whether s lies in the size octets that begin at start:
// start <= s < start+size, the form of RFC 9293's acceptability tests. The
// test is a single unsigned distance, so it is exact for any size up to
// 2^32-1 and a window of size 0 holds nothing.
func (s Seq) InWindow(start Seq, size uint32) bool { return uint32(s-start) < size }

// SeqMax returns the later of a and b.
func SeqMax(a, b Seq) Seq {
	if a.LessThan(b) {
		return b
	}
	return a
}

// SeqMin returns the earlier of a and b.
func SeqMin(a, b Seq) Seq {
	if b.LessThan(a) {
		return b
	}
	return a
}
