package tcp

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/seed947b3480/legation/reactor"
)

var (
	cookieKey    = [16]byte([]byte("legation cookies"))
	cookieLocal  = netip.MustParseAddrPort("10.77.0.2:80")
	cookieRemote = netip.MustParseAddrPort("10.77.0.1:40312")
)

// cookieAt returns the instant period periods (and extra) after the clock's epoch.
func cookieAt(period int64, extra reactor.Instant) reactor.Instant {
	return reactor.Instant(period*int64(CookiePeriod)) + extra
}

// TestCookieHashCoversEveryInput changes one input of the keyed hash at a
// time: each must change the hash, or a cookie would not be bound to it.
func TestCookieHashCoversEveryInput(t *testing.T) {
	c := NewSYNCookiesKey(cookieKey)
	base := c.hash(cookieLocal, cookieRemote, 77, 6, 1000)
	other := netip.MustParseAddrPort("[2001:db8::1]:80")
	for _, tc := range []struct {
		name string
		h    uint32
	}{
		{"local address", c.hash(netip.MustParseAddrPort("10.77.0.3:80"), cookieRemote, 77, 6, 1000)},
		{"local port", c.hash(netip.MustParseAddrPort("10.77.0.2:8080"), cookieRemote, 77, 6, 1000)},
		{"remote address", c.hash(cookieLocal, netip.MustParseAddrPort("10.77.1.1:40312"), 77, 6, 1000)},
		{"remote port", c.hash(cookieLocal, netip.MustParseAddrPort("10.77.0.1:40313"), 77, 6, 1000)},
		{"IPv6 remote", c.hash(cookieLocal, other, 77, 6, 1000)},
		{"counter", c.hash(cookieLocal, cookieRemote, 78, 6, 1000)},
		{"counter beyond 5 bits", c.hash(cookieLocal, cookieRemote, 77+32, 6, 1000)},
		{"MSS index", c.hash(cookieLocal, cookieRemote, 77, 5, 1000)},
		{"client ISN", c.hash(cookieLocal, cookieRemote, 77, 6, 1001)},
		{"key", NewSYNCookiesKey([16]byte{1}).hash(cookieLocal, cookieRemote, 77, 6, 1000)},
	} {
		if tc.h&cookieHashMask == base&cookieHashMask {
			t.Errorf("changing the %s leaves the hash at %#x", tc.name, base&cookieHashMask)
		}
	}
}

// TestCookieRoundTrip makes cookies for every MSS band and checks that the
// handshake's ACK recovers the table MSS, anywhere within the two periods.
func TestCookieRoundTrip(t *testing.T) {
	c := NewSYNCookiesKey(cookieKey)
	for _, tc := range []struct{ mss, want uint16 }{
		{0, 536}, {88, 536}, {535, 536}, {536, 536}, {1023, 536},
		{1024, 1024}, {1219, 1024}, {1220, 1220}, {1299, 1220},
		{1300, 1300}, {1380, 1380}, {1439, 1380}, {1440, 1440},
		{1452, 1440}, {1460, 1460}, {8959, 1460}, {8960, 8960}, {65535, 8960},
	} {
		for _, clientISN := range []Seq{0, 1, 0x7fffffff, 0xfffffffe, 0xffffffff, 0x9e3779b9} {
			for _, made := range []reactor.Instant{cookieAt(0, 0), cookieAt(1000, 1), cookieAt(-3, 5), cookieAt(41, reactor.Instant(CookiePeriod)-1)} {
				isn := c.Make(made, cookieLocal, cookieRemote, clientISN, tc.mss)
				// The ACK completing the handshake: SEQ = client ISN+1,
				// ACK = our ISN+1; checked at once and at the last moment.
				last := cookieAt(cookieCounter(made)+2, -1)
				for _, now := range []reactor.Instant{made, last} {
					got, err := c.Check(now, cookieLocal, cookieRemote, clientISN+1, isn+1)
					if err != nil || got != tc.want {
						t.Fatalf("MSS %d, client ISN %#x, made %v, checked %v: Check = %d, %v; want %d",
							tc.mss, clientISN, made, now, got, err, tc.want)
					}
				}
			}
		}
	}
}

// TestCookieExpiry walks the checking instant across 40 periods after the
// cookie was made: accepted in the period it was made and the next, then
// expired, and across the 5-bit counter's wrap rejected by the hash.
func TestCookieExpiry(t *testing.T) {
	c := NewSYNCookiesKey(cookieKey)
	const made = 100
	isn := c.Make(cookieAt(made, 12345), cookieLocal, cookieRemote, 7777, 1460)
	for p := int64(made - 3); p < made+70; p++ {
		for _, extra := range []reactor.Instant{0, reactor.Instant(CookiePeriod) - 1} {
			_, err := c.Check(cookieAt(p, extra), cookieLocal, cookieRemote, 7778, isn+1)
			var want error
			switch age := p - made; {
			case age == 0 || age == 1:
				want = nil
			case age%32 == 0 || age%32 == 1:
				// The counter's low 5 bits look current, but the hash
				// covers the whole counter.
				want = ErrCookieInvalid
			default:
				want = ErrCookieExpired
			}
			if !errors.Is(err, want) {
				t.Fatalf("made in period %d, checked in period %d: %v, want %v", made, p, err, want)
			}
		}
	}
}

func TestCookieCounterFloors(t *testing.T) {
	P := reactor.Instant(CookiePeriod)
	for _, tc := range []struct {
		now  reactor.Instant
		want int64
	}{
		{0, 0}, {1, 0}, {P - 1, 0}, {P, 1}, {2*P + 1, 2},
		{-1, -1}, {-P + 1, -1}, {-P, -1}, {-P - 1, -2},
	} {
		if got := cookieCounter(tc.now); got != tc.want {
			t.Errorf("cookieCounter(%d) = %d, want %d", tc.now, got, tc.want)
		}
	}
}

// TestCookieTampering flips every bit of the ACK and of the SEQ of a valid
// handshake ACK: each must be rejected, and flips in the MSS and hash bits
// (which leave the counter valid) by the hash.
func TestCookieTampering(t *testing.T) {
	c := NewSYNCookiesKey(cookieKey)
	now := cookieAt(500, 0)
	const clientISN Seq = 0x12345678
	isn := c.Make(now, cookieLocal, cookieRemote, clientISN, 1460)
	if _, err := c.Check(now, cookieLocal, cookieRemote, clientISN+1, isn+1); err != nil {
		t.Fatalf("untampered cookie rejected: %v", err)
	}
	v := isn - clientISN // the cookie proper: counter, MSS index, hash
	for bit := range 32 {
		flip := Seq(1) << bit
		for _, f := range []struct {
			what     string
			seq, ack Seq
		}{
			{"ACK", clientISN + 1, (isn + 1) ^ flip},
			{"SEQ", (clientISN + 1) ^ flip, isn + 1},
			{"cookie", clientISN + 1, clientISN + (v ^ flip) + 1},
		} {
			_, err := c.Check(now, cookieLocal, cookieRemote, f.seq, f.ack)
			if err == nil {
				t.Fatalf("%s with bit %d flipped accepted", f.what, bit)
			}
			// Below the counter bits, only the hash can tell.
			if f.what == "cookie" && bit < cookieTimeShift && !errors.Is(err, ErrCookieInvalid) {
				t.Fatalf("cookie with MSS/hash bit %d flipped: %v, want %v", bit, err, ErrCookieInvalid)
			}
		}
	}
	// An MSS index changed to every other value, with the rest intact.
	for idx := range Seq(8) {
		forged := clientISN + (v&^(7<<cookieMSSShift) | idx<<cookieMSSShift)
		if forged == isn {
			continue
		}
		if _, err := c.Check(now, cookieLocal, cookieRemote, clientISN+1, forged+1); !errors.Is(err, ErrCookieInvalid) {
			t.Fatalf("MSS index rewritten to %d: %v, want %v", idx, err, ErrCookieInvalid)
		}
	}
}

// TestCookieWrongTuple checks that a cookie is bound to its 4-tuple and its
// key: the same ACK from anywhere else, or under another key, fails.
func TestCookieWrongTuple(t *testing.T) {
	c := NewSYNCookiesKey(cookieKey)
	now := cookieAt(9, 0)
	isn := c.Make(now, cookieLocal, cookieRemote, 4242, 1460)
	port := func(ap netip.AddrPort, p uint16) netip.AddrPort { return netip.AddrPortFrom(ap.Addr(), p) }
	addr := func(ap netip.AddrPort, a string) netip.AddrPort {
		return netip.AddrPortFrom(netip.MustParseAddr(a), ap.Port())
	}
	for _, tc := range []struct {
		name          string
		local, remote netip.AddrPort
		c             SYNCookies
	}{
		{"local address", addr(cookieLocal, "10.77.0.3"), cookieRemote, c},
		{"local port", port(cookieLocal, 81), cookieRemote, c},
		{"remote address", cookieLocal, addr(cookieRemote, "10.77.0.9"), c},
		{"remote port", cookieLocal, port(cookieRemote, 40313), c},
		{"swapped ends", cookieRemote, cookieLocal, c},
		{"other key", cookieLocal, cookieRemote, NewSYNCookiesKey([16]byte([]byte("another key 16 B")))},
	} {
		if _, err := tc.c.Check(now, tc.local, tc.remote, 4243, isn+1); !errors.Is(err, ErrCookieInvalid) {
			t.Errorf("%s: %v, want %v", tc.name, err, ErrCookieInvalid)
		}
	}
	// The IPv4 address and its IPv4-mapped IPv6 form are the same end.
	mapped := netip.AddrPortFrom(netip.AddrFrom16(cookieRemote.Addr().As16()), cookieRemote.Port())
	if _, err := c.Check(now, cookieLocal, mapped, 4243, isn+1); err != nil {
		t.Errorf("IPv4-mapped remote: %v", err)
	}
}

// TestCookieHashVaries guards against a hash that ignores its input: the
// 24 hash bits of cookies for 2000 client ISNs are almost all distinct.
func TestCookieHashVaries(t *testing.T) {
	c := NewSYNCookiesKey(cookieKey)
	seen := map[Seq]bool{}
	for isn := range Seq(2000) {
		seen[(c.Make(cookieAt(1, 0), cookieLocal, cookieRemote, isn, 1460)-isn)&cookieHashMask] = true
	}
	// 2000 draws from 2^24 values collide about 0.12 times on average.
	if len(seen) < 1995 {
		t.Fatalf("only %d distinct hashes of 2000", len(seen))
	}
}

func TestNewSYNCookiesRandomKey(t *testing.T) {
	a, b := NewSYNCookies(), NewSYNCookies()
	if a == b || a == (SYNCookies{}) {
		t.Fatal("random keys are equal, or zero")
	}
}

// TestCookieTimestampOptions checks the options carried in the low 6 bits
// of the TSval: the Linux layout (scale in bits 0-3, 15 for none; SACK in
// bit 4), the value never ahead of the clock, and the options recovered from
// the echo. The expected values are worked by hand: 1000 is 960 + 40.
func TestCookieTimestampOptions(t *testing.T) {
	ws := func(s uint8, sack bool) CookieOptions {
		return CookieOptions{WindowScale: s, HasWindowScale: true, SACKPermitted: sack}
	}
	for _, tc := range []struct {
		o     CookieOptions
		tsNow uint32
		want  uint32
	}{
		{ws(7, true), 1000, 983},                        // 960 | 16 | 7
		{CookieOptions{}, 1000, 975},                    // 960 | 15
		{CookieOptions{SACKPermitted: true}, 1000, 991}, // 960 | 16 | 15
		{ws(14, false), 1000, 974},                      // 960 | 14
		{ws(0, false), 1000, 960},                       // 960 | 0
		{ws(14, true), 1000, 990},                       // 960 | 16 | 14
		{ws(15, false), 1000, 974},                      // a shift above 14 is sent as 14
		{CookieOptions{SACKPermitted: true}, 990, 927},  // 960|31 = 991 is ahead of 990: back 64
		{ws(14, false), 64, 14},                         // 64|14 = 78 is ahead of 64: back 64
		{CookieOptions{}, 0, 0xffffffcf},                // 0|15 is ahead of 0: back 64, wrapping
		{ws(7, true), 0xffffffff, 0xffffffd7},           // 0xffffffc0 | 23
	} {
		got := tc.o.Timestamp(tc.tsNow)
		if got != tc.want {
			t.Errorf("%+v.Timestamp(%d) = %d, want %d", tc.o, tc.tsNow, got, tc.want)
		}
		want := tc.o
		want.WindowScale = min(want.WindowScale, 14)
		if d := DecodeCookieTimestamp(got); d != want {
			t.Errorf("DecodeCookieTimestamp(%d) = %+v, want %+v", got, d, want)
		}
	}
	// Every option set at clock values around every low-bit pattern: the
	// TSval is at most 63 ticks behind the clock and never ahead of it.
	rng := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		o := CookieOptions{WindowScale: uint8(rng.IntN(15)), HasWindowScale: rng.IntN(2) == 0, SACKPermitted: rng.IntN(2) == 0}
		if !o.HasWindowScale {
			o.WindowScale = 0
		}
		tsNow := rng.Uint32()
		ts := o.Timestamp(tsNow)
		if behind := tsNow - ts; behind > 63 {
			t.Fatalf("%+v.Timestamp(%d) = %d, %d ticks behind", o, tsNow, ts, int32(behind))
		}
		if d := DecodeCookieTimestamp(ts); d != o {
			t.Fatalf("round trip of %+v at %d gave %+v", o, tsNow, d)
		}
	}
	// Bit 5 (ECN on Linux) is ignored in an echo.
	if d := DecodeCookieTimestamp(0x20 | 7); d != ws(7, false) {
		t.Errorf("echo with bit 5 set decoded as %+v", d)
	}
}

func TestCookieNoAllocs(t *testing.T) {
	c := NewSYNCookiesKey(cookieKey)
	now := cookieAt(3, 0)
	var isn Seq
	allocs := testing.AllocsPerRun(100, func() {
		isn = c.Make(now, cookieLocal, cookieRemote, 99, 1460)
		if _, err := c.Check(now, cookieLocal, cookieRemote, 100, isn+1); err != nil {
			panic(err)
		}
		_, _ = c.Check(now, cookieLocal, cookieRemote, 100, isn+2)
		o := DecodeCookieTimestamp(CookieOptions{WindowScale: 3, HasWindowScale: true}.Timestamp(12345))
		_ = o
	})
	if allocs != 0 {
		t.Fatalf("SYN cookies allocate: %v per run", allocs)
	}
}

func BenchmarkSYNCookie(b *testing.B) {
	c := NewSYNCookiesKey(cookieKey)
	now := cookieAt(3, 0)
	b.ReportAllocs()
	for i := Seq(0); b.Loop(); i++ {
		isn := c.Make(now, cookieLocal, cookieRemote, i, 1460)
		if _, err := c.Check(now, cookieLocal, cookieRemote, i+1, isn+1); err != nil {
			b.Fatal(err)
		}
	}
}
