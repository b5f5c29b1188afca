package wire

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// checksumPlain is RFC 1071's reference loop: 16-bit big-endian words added
// into a wide accumulator, folded at the end. The fast Checksum must agree.
func checksumPlain(b []byte, initial uint32) uint16 {
	sum := uint64(initial)
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint64(b[i])<<8 | uint64(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint64(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return uint16(sum)
}

func TestChecksumRFC1071Example(t *testing.T) {
	// RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
	b := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	if got := Checksum(b, 0); got != 0xddf2 {
		t.Fatalf("Checksum = %#04x, want 0xddf2", got)
	}
	if got := checksumPlain(b, 0); got != 0xddf2 {
		t.Fatalf("checksumPlain = %#04x, want 0xddf2", got)
	}
}

func TestChecksumEdgeCases(t *testing.T) {
	ff := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = 0xff
		}
		return b
	}
	tests := []struct {
		name    string
		b       []byte
		initial uint32
		want    uint16
	}{
		{"empty", nil, 0, 0},
		{"empty with initial", nil, 0x1234, 0x1234},
		{"initial folds", nil, 0xffffffff, 0xffff},
		{"initial carries", nil, 0x0001ffff, 0x0001},
		{"odd byte pads low", []byte{0xab}, 0, 0xab00},
		{"all ones stay negative zero", ff(1500), 0, 0xffff},
		{"carry out of every word", ff(64), 0xffffffff, 0xffff},
		{"word plus one wraps", []byte{0xff, 0xff, 0x00, 0x01}, 0, 0x0001},
	}
	for _, tt := range tests {
		if got := Checksum(tt.b, tt.initial); got != tt.want {
			t.Errorf("%s: Checksum = %#04x, want %#04x", tt.name, got, tt.want)
		}
		if got := checksumPlain(tt.b, tt.initial); got != tt.want {
			t.Errorf("%s: checksumPlain = %#04x, want %#04x", tt.name, got, tt.want)
		}
	}
}

// TestChecksumMatchesPlain compares the fast and plain sums on random data of
// every length up to 2000 at odd and even offsets, with random initial values
// and with data biased towards 0xff, where carries are most frequent.
func TestChecksumMatchesPlain(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 2100)
	for length := 0; length <= 2000; length++ {
		for _, biased := range []bool{false, true} {
			for i := range buf {
				buf[i] = byte(rng.Uint32())
				if biased && rng.IntN(8) != 0 {
					buf[i] = 0xff
				}
			}
			off := rng.IntN(50)*2 + 1 // odd: unaligned loads
			if length%3 == 0 {
				off--
			}
			b := buf[off : off+length]
			initial := rng.Uint32()
			if length%5 == 0 {
				initial = 0
			}
			if got, want := Checksum(b, initial), checksumPlain(b, initial); got != want {
				t.Fatalf("len %d off %d initial %#x: Checksum = %#04x, plain = %#04x", length, off, initial, got, want)
			}
		}
	}
}

// TestChecksumFillVerify: a complemented sum stored in a packet makes the
// packet sum to 0xffff, at any position of the checksum field.
func TestChecksumFillVerify(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		b := make([]byte, 2+2*rng.IntN(200))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		at := 2 * rng.IntN(len(b)/2)
		b[at], b[at+1] = 0, 0
		binary.BigEndian.PutUint16(b[at:], ^Checksum(b, 0))
		if got := Checksum(b, 0); got != 0xffff {
			t.Fatalf("filled packet sums to %#04x", got)
		}
	}
}

func TestPseudoHeaderSumIPv4(t *testing.T) {
	src := netip.MustParseAddr("192.0.2.200")
	dst := netip.MustParseAddr("198.51.100.7")
	// The pseudo-header laid out as RFC 9293 3.1 draws it.
	ph := []byte{192, 0, 2, 200, 198, 51, 100, 7, 0, 6, 0x05, 0xdc}
	got := PseudoHeaderSumIPv4(src, dst, IPProtocolTCP, 1500)
	if Checksum(nil, got) != checksumPlain(ph, 0) {
		t.Fatalf("pseudo-header sum %#x folds to %#04x, want %#04x", got, Checksum(nil, got), checksumPlain(ph, 0))
	}
	// A 4-in-6 address counts as its IPv4 form; anything else as 0.0.0.0.
	if PseudoHeaderSumIPv4(netip.AddrFrom16(src.As16()), dst, IPProtocolTCP, 1500) != got {
		t.Fatal("IPv4-mapped source summed differently")
	}
	zero := []byte{0, 0, 0, 0, 198, 51, 100, 7, 0, 6, 0x05, 0xdc}
	if Checksum(nil, PseudoHeaderSumIPv4(netip.Addr{}, dst, IPProtocolTCP, 1500)) != checksumPlain(zero, 0) {
		t.Fatal("zero Addr did not count as 0.0.0.0")
	}
}

// TestUpdateChecksum checks RFC 1624 incremental updates against summing
// the changed header again.
func TestUpdateChecksum(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 10000 {
		h := make([]byte, 20)
		for i := range h {
			h[i] = byte(rng.Uint32())
		}
		h[0] = 0x45 // a nonzero word, as every real header has
		h[10], h[11] = 0, 0
		binary.BigEndian.PutUint16(h[10:], ^Checksum(h, 0))
		old := binary.BigEndian.Uint16(h[10:])

		at := 2 * rng.IntN(5) // a 16-bit field before the checksum
		field := binary.BigEndian.Uint16(h[at:])
		nf := uint16(rng.Uint32())
		if rng.IntN(4) == 0 {
			nf = field // no change at all
		}
		binary.BigEndian.PutUint16(h[at:], nf)
		got := UpdateChecksum(old, field, nf)

		at32 := 12 + 4*rng.IntN(2) // an address
		f32 := binary.BigEndian.Uint32(h[at32:])
		n32 := rng.Uint32()
		binary.BigEndian.PutUint32(h[at32:], n32)
		got = UpdateChecksum32(got, f32, n32)

		h[10], h[11] = 0, 0
		if want := ^Checksum(h, 0); got != want {
			t.Fatalf("incremental %#04x, recomputed %#04x (header % x)", got, want, h)
		}
	}
}

func BenchmarkChecksum(b *testing.B) {
	buf := make([]byte, 1460)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(buf)))
		b.ReportAllocs()
		var s uint16
		for b.Loop() {
			s += Checksum(buf, 0)
		}
		sinkU16 = s
	})
	b.Run("plain", func(b *testing.B) {
		b.SetBytes(int64(len(buf)))
		b.ReportAllocs()
		var s uint16
		for b.Loop() {
			s += checksumPlain(buf, 0)
		}
		sinkU16 = s
	})
}

var sinkU16 uint16
