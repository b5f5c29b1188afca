package tcp

import (
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/seed947b3480/legation/reactor"
)

// sipVectors are the first 48 outputs of the SipHash reference
// implementation's test (vectors_sip64 in github.com/veorq/SipHash), as the
// output bytes in order: key 00 01 .. 0f, message the first i bytes of
// 00 01 02 ... Lengths 0 to 47 cover every tail length with zero to five
// whole 8-byte blocks.
var sipVectors = [...]string{
	"310e0edd47db6f72", "fd67dc93c539f874", "5a4fa9d909806c0d", "2d7efbd796666785",
	"b7877127e09427cf", "8da699cd64557618", "cee3fe586e46c9cb", "37d1018bf50002ab",
	"6224939a79f5f593", "b0e4a90bdf82009e", "f3b9dd94c5bb5d7a", "a7ad6b22462fb3f4",
	"fbe50e86bc8f1e75", "903d84c02756ea14", "eef27a8e90ca23f7", "e545be4961ca29a1",
	"db9bc2577fcc2a3f", "9447be2cf5e99a69", "9cd38d96f0b3c14b", "bd6179a71dc96dbb",
	"98eea21af25cd6be", "c7673b2eb0cbf2d0", "883ea3e395675393", "c8ce5ccd8c030ca8",
	"94af49f6c650adb8", "eab8858ade92e1bc", "f315bb5bb835d817", "adcf6b0763612e2f",
	"a5c91da7acaa4dde", "716595876650a2a6", "28ef495c53a387ad", "42c341d8fa92d832",
	"ce7cf2722f512771", "e37859f94623f3a7", "381205bb1ab0e012", "ae97a10fd434e015",
	"b4a31508beff4d31", "81396229f0907902", "4d0cf49ee5d4dcca", "5c73336a76d8bf9a",
	"d0a704536ba93e0e", "925958fcd6420cad", "a915c29bc8067318", "952b79f3bc0aa6d4",
	"f21df2e41d4535f9", "87577519048f53a9", "10a56cf5dfcd9adb", "eb75095ccd986cd0",
}

func testKey() (key [16]byte) {
	for i := range key {
		key[i] = byte(i)
	}
	return key
}

func TestSipHashReferenceVectors(t *testing.T) {
	key := testKey()
	k0, k1 := binary.LittleEndian.Uint64(key[:8]), binary.LittleEndian.Uint64(key[8:])
	msg := make([]byte, len(sipVectors))
	for i := range msg {
		msg[i] = byte(i)
	}
	for n, want := range sipVectors {
		var out [8]byte
		binary.LittleEndian.PutUint64(out[:], sipHash24(k0, k1, msg[:n]))
		if got := hex.EncodeToString(out[:]); got != want {
			t.Errorf("length %d: %s, want %s", n, got, want)
		}
	}
}

// The paper's appendix A works one example through: key 00..0f, the 15-byte
// message 00..0e, and the 64-bit result a129ca6149be45e5.
func TestSipHashPaperExample(t *testing.T) {
	key := testKey()
	g := NewISNGeneratorKey(key)
	msg := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}
	if got := sipHash24(g.k0, g.k1, msg); got != 0xa129ca6149be45e5 {
		t.Errorf("SipHash-2-4 = %#x, want 0xa129ca6149be45e5", got)
	}
}

var (
	isnLocal  = netip.MustParseAddrPort("10.77.0.2:80")
	isnRemote = netip.MustParseAddrPort("10.77.0.1:40000")
)

// ISN = M + F: with the message laid out by hand as documented, the ISN is
// the 4-microsecond clock plus the low 32 bits of its SipHash.
func TestISNIsClockPlusKeyedHash(t *testing.T) {
	g := NewISNGeneratorKey(testKey())
	v4 := []byte{10, 77, 0, 2, 0, 80, 10, 77, 0, 1, 0x9c, 0x40}
	for _, now := range []reactor.Instant{0, 3999, 4000, 1_000_000_007, 1 << 62} {
		want := Seq(uint32(int64(now)/4000) + uint32(sipHash24(g.k0, g.k1, v4)))
		if got := g.ISN(now, isnLocal, isnRemote); got != want {
			t.Errorf("IPv4 ISN at %d = %#x, want %#x", now, got, want)
		}
	}
	// An IPv4-mapped address hashes as its IPv4 form.
	mapped := netip.AddrPortFrom(netip.AddrFrom16(isnLocal.Addr().As16()), isnLocal.Port())
	if g.ISN(77, mapped, isnRemote) != g.ISN(77, isnLocal, isnRemote) {
		t.Error("an IPv4-mapped local address changes the ISN")
	}

	l6 := netip.MustParseAddrPort("[2001:db8::2]:443")
	r6 := netip.MustParseAddrPort("[2001:db8::1]:50000")
	var v6 []byte
	v6 = append(v6, l6.Addr().AsSlice()...)
	v6 = append(v6, 0x01, 0xbb)
	v6 = append(v6, r6.Addr().AsSlice()...)
	v6 = append(v6, 0xc3, 0x50)
	if got, want := g.ISN(0, l6, r6), Seq(uint32(sipHash24(g.k0, g.k1, v6))); got != want {
		t.Errorf("IPv6 ISN = %#x, want %#x", got, want)
	}
}

func TestISNClock(t *testing.T) {
	cases := []struct {
		now  reactor.Instant
		want uint32
	}{
		{0, 0},
		{3999, 0},
		{4000, 1},
		{-1, 0xffffffff}, // before the epoch the clock still rounds down
		{-4000, 0xffffffff},
		{-4001, 0xfffffffe},
		{4000 << 32, 0}, // 2^32 ticks, about 4.77 hours: the clock wraps
		{4000<<32 + 4000, 1},
	}
	for _, c := range cases {
		if got := isnClock(c.now); got != c.want {
			t.Errorf("isnClock(%d) = %#x, want %#x", c.now, got, c.want)
		}
	}
}

// For one 4-tuple the ISN climbs with the clock: any two instants less than
// 2^31 ticks apart (about 2.4 hours) give ISNs in the same order, exactly
// the number of elapsed ticks apart, across the clock's wrap and its epoch.
func TestISNMonotonicPerTuple(t *testing.T) {
	g := NewISNGeneratorKey(testKey())
	rng := rand.New(rand.NewPCG(3, 4))
	now := reactor.Instant(-1 << 40)
	prev := g.ISN(now, isnLocal, isnRemote)
	for range 100000 {
		step := reactor.Instant(rng.Int64N(4000 << 20)) // up to 2^20 ticks
		ticks := isnClock(now+step) - isnClock(now)
		now += step
		isn := g.ISN(now, isnLocal, isnRemote)
		if isn.LessThan(prev) || isn.Sub(prev) != int32(ticks) {
			t.Fatalf("at %d the ISN moved by %d, want %d ticks", now, isn.Sub(prev), ticks)
		}
		prev = isn
	}
	if now < 1<<40 {
		t.Fatalf("the walk did not cross the epoch and the clock's wrap (ended at %d)", now)
	}
}

// Different 4-tuples at the same instant must look unrelated: changing one
// bit of any field flips each output bit with probability one half, and the
// ISNs of neighbouring ports are not a fixed distance apart (which would let
// an attacker who learns one ISN compute the next).
func TestISNTuplesUncorrelated(t *testing.T) {
	g := NewISNGeneratorKey([16]byte{0x5e, 0xc2, 0xe7})
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 20000
	var flips [32]int
	total := 0
	diffs := make(map[uint32]bool, n)
	for range n {
		var a, b [4]byte
		binary.BigEndian.PutUint32(a[:], rng.Uint32())
		binary.BigEndian.PutUint32(b[:], rng.Uint32())
		lp, rp := uint16(rng.Uint32()), uint16(rng.Uint32())
		l := netip.AddrPortFrom(netip.AddrFrom4(a), lp)
		r := netip.AddrPortFrom(netip.AddrFrom4(b), rp)

		// Flip one random bit of the 96 in the tuple.
		bit := rng.IntN(96)
		l2, r2 := l, r
		switch {
		case bit < 32:
			binary.BigEndian.PutUint32(a[:], binary.BigEndian.Uint32(a[:])^1<<bit)
			l2 = netip.AddrPortFrom(netip.AddrFrom4(a), lp)
		case bit < 48:
			l2 = netip.AddrPortFrom(l.Addr(), lp^1<<(bit-32))
		case bit < 80:
			binary.BigEndian.PutUint32(b[:], binary.BigEndian.Uint32(b[:])^1<<(bit-48))
			r2 = netip.AddrPortFrom(netip.AddrFrom4(b), rp)
		default:
			r2 = netip.AddrPortFrom(r.Addr(), rp^1<<(bit-80))
		}
		x := uint32(g.ISN(12345, l, r) ^ g.ISN(12345, l2, r2))
		total += bits.OnesCount32(x)
		for i := range flips {
			flips[i] += int(x >> i & 1)
		}

		next := netip.AddrPortFrom(r.Addr(), rp+1)
		diffs[uint32(g.ISN(0, l, next)-g.ISN(0, l, r))] = true
	}
	// Binomial(32*n, 1/2): the mean is 16 with a standard error of 0.02;
	// per bit, n/2 with a standard deviation of 71.
	if mean := float64(total) / n; mean < 15.8 || mean > 16.2 {
		t.Errorf("one flipped input bit flips %.2f output bits on average, want 16", mean)
	}
	for i, f := range flips {
		if f < n/2-500 || f > n/2+500 {
			t.Errorf("output bit %d flipped %d times in %d, want about %d", i, f, n, n/2)
		}
	}
	// Random 32-bit differences repeat only by the birthday bound (about
	// n^2/2^33 = 0.05 expected collisions).
	if len(diffs) < n-3 {
		t.Errorf("only %d distinct ISN distances between neighbouring ports in %d", len(diffs), n)
	}
}

func TestISNDependsOnKey(t *testing.T) {
	k := testKey()
	a := NewISNGeneratorKey(k)
	k[15] ^= 1
	b := NewISNGeneratorKey(k)
	if a.ISN(0, isnLocal, isnRemote) == b.ISN(0, isnLocal, isnRemote) {
		t.Error("changing one key bit left the ISN unchanged")
	}
	// Two generators with random keys disagree (a 2^-32 chance otherwise).
	if NewISNGenerator().ISN(0, isnLocal, isnRemote) == NewISNGenerator().ISN(0, isnLocal, isnRemote) {
		t.Error("two random keys gave the same ISN")
	}
}

func TestISNAllocs(t *testing.T) {
	g := NewISNGenerator()
	l6 := netip.MustParseAddrPort("[2001:db8::2]:443")
	var sink Seq
	allocs := testing.AllocsPerRun(1000, func() {
		sink += g.ISN(reactor.Instant(sink), isnLocal, isnRemote)
		sink += g.ISN(reactor.Instant(sink), l6, l6)
	})
	if allocs != 0 {
		t.Errorf("ISN allocates %.1f times per call", allocs)
	}
}

func BenchmarkISN(b *testing.B) {
	g := NewISNGenerator()
	var sink Seq
	for i := range b.N {
		sink += g.ISN(reactor.Instant(i), isnLocal, isnRemote)
	}
	_ = sink
}
