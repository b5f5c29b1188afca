package wire

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// NTP packets chrony 4.3 exchanged on a namespace's loopback, recorded by
// tcpdump (UDP payload only). The server was `chronyd -x -d -u root -f conf`
// with `local stratum 8`, `allow 127.0.0.0/8`, `bindaddress 127.0.0.1`,
// `cmdport 0` (for ntpUnsyncedReply, the same without `local stratum`); the
// client was `chronyd -Q -f /dev/null 'server 127.0.0.1 iburst'`. The
// expected values in TestNTPChronyCaptures are tcpdump -vv's decoding,
// quoted in each comment: tcpdump, not this package, is the oracle.
var (
	// 127.0.0.1.46544 > 127.0.0.1.123: NTPv4, Client, length 48
	//   Leap indicator:  (0), Stratum 0 (unspecified), poll 6 (64s), precision 32
	//   Root Delay: 0.000000, Root dispersion: 0.000000, Reference-ID: (unspec)
	//   Transmit Timestamp:   2156937926.504519237 (1968-05-08T13:25:26Z)
	ntpChronyRequest = "23000620000000000000000000000000000000000000000000000000000000000000000000000000809042c681282c3a"
	// 127.0.0.1.123 > 127.0.0.1.46544: NTPv4, Server, length 48
	//   Leap indicator:  (0), Stratum 8 (secondary reference), poll 6 (64s), precision -25
	//   Root Delay: 0.000000, Root dispersion: 0.000000, Reference-ID: 0x7f7f0101
	//   Reference Timestamp:  4004230555.988730928 (2026-11-21T06:15:55Z)
	//   Originator Timestamp: 2156937926.504519237 (1968-05-08T13:25:26Z)
	//   Receive Timestamp:    4004230557.288079430 (2026-11-21T06:15:57Z)
	//   Transmit Timestamp:   4004230557.288196528 (2026-11-21T06:15:57Z)
	ntpChronyReply = "240806e700000000000000007f7f0101eeabb59bfd1d785c809042c681282c3aeeabb59d49bf92d5eeabb59d49c73f6a"
	// A second exchange, 2 s later (iburst).
	ntpChronyRequest2 = "230006200000000000000000000000000000000000000000000000000000000000000000000000000c754cf0b5d52853"
	ntpChronyReply2   = "240806e700000000000000007f7f0101eeabb59bfd1d785c0c754cf0b5d52853eeabb59f52bb1511eeabb59f52c473a2"
	// 127.0.0.1.123 > 127.0.0.1.33646: NTPv4, Server, length 48
	//   Leap indicator: clock unsynchronized (192), Stratum 0 (unspecified), poll 6 (64s), precision -25
	//   Root Delay: 1.000000, Root dispersion: 1.000000, Reference-ID: (unspec)
	//   Reference Timestamp:  0.000000000
	//   Originator Timestamp: 1767315524.142809489 (1956-01-03T00:58:44Z)
	//   Receive Timestamp:    4004230576.339360876 (2026-11-21T06:16:16Z)
	//   Transmit Timestamp:   4004230576.339524334 (2026-11-21T06:16:16Z)
	ntpUnsyncedReply = "e40006e7000100000001000000000000000000000000000069571844248f29a8eeabb5b056e05abbeeabb5b056eb1118"
)

// ntpCaptures names the captures for the seed corpus check.
var ntpCaptures = map[string]string{
	"chrony-request":        ntpChronyRequest,
	"chrony-reply":          ntpChronyReply,
	"chrony-request2":       ntpChronyRequest2,
	"chrony-reply2":         ntpChronyReply2,
	"chrony-unsynced-reply": ntpUnsyncedReply,
}

// captureDay is when the captures were made; it is the era pivot below.
var captureDay = time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

func ntpHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tsWant is tcpdump's reading of a timestamp: "seconds.nanoseconds" (the
// fraction rounded down) and the date. tcpdump dates every timestamp in era
// 0; the client's transmit timestamps (and the origins that echo them) are
// random bits, so their dates mean nothing and are not compared.
type tsWant struct {
	sec  uint32
	nsec int64
	date string // "" for none
}

func checkTS(t *testing.T, name string, got NTPTimestamp, want tsWant) {
	t.Helper()
	if got.Seconds() != want.sec {
		t.Errorf("%s seconds = %d, tcpdump says %d", name, got.Seconds(), want.sec)
	}
	if ns := nanosFromFrac(got.Fraction()); ns != want.nsec {
		t.Errorf("%s fraction = %d ns, tcpdump says %d", name, ns, want.nsec)
	}
	if want.date != "" {
		if d := got.Time(captureDay).Format("2006-01-02T15:04:05Z"); d != want.date {
			t.Errorf("%s date = %s, tcpdump says %s", name, d, want.date)
		}
		if u := got.UnixNano(captureDay.UnixNano()); time.Unix(0, u).UTC().Format("2006-01-02T15:04:05Z") != want.date {
			t.Errorf("%s UnixNano = %d, not on %s", name, u, want.date)
		}
	}
}

func TestNTPChronyCaptures(t *testing.T) {
	type want struct {
		repr                  NTPRepr
		ref, orig, recv, xmit tsWant
		rootDelay, rootDisp   time.Duration
		kiss                  bool
	}
	tests := []struct {
		name, hex string
		want      want
	}{
		{"request", ntpChronyRequest, want{
			repr: NTPRepr{Leap: NTPLeapNone, Version: 4, Mode: NTPModeClient, Stratum: 0, Poll: 6, Precision: 32},
			xmit: tsWant{2156937926, 504519237, ""}, // random bits, not a time
			kiss: true,                              // a request's stratum is 0 too; only a reply's means a kiss
		}},
		{"reply", ntpChronyReply, want{
			repr: NTPRepr{Leap: NTPLeapNone, Version: 4, Mode: NTPModeServer, Stratum: 8, Poll: 6, Precision: -25,
				ReferenceID: [4]byte{0x7f, 0x7f, 0x01, 0x01}},
			ref:  tsWant{4004230555, 988730928, "2026-11-21T06:15:55Z"},
			orig: tsWant{2156937926, 504519237, ""},
			recv: tsWant{4004230557, 288079430, "2026-11-21T06:15:57Z"},
			xmit: tsWant{4004230557, 288196528, "2026-11-21T06:15:57Z"},
		}},
		{"unsynced-reply", ntpUnsyncedReply, want{
			repr:      NTPRepr{Leap: NTPLeapUnsynced, Version: 4, Mode: NTPModeServer, Stratum: 0, Poll: 6, Precision: -25},
			orig:      tsWant{1767315524, 142809489, ""},
			recv:      tsWant{4004230576, 339360876, "2026-11-21T06:16:16Z"},
			xmit:      tsWant{4004230576, 339524334, "2026-11-21T06:16:16Z"},
			rootDelay: time.Second, rootDisp: time.Second,
			kiss: true,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := ntpHex(t, tc.hex)
			p, err := NewNTPPacket(b)
			if err != nil {
				t.Fatal(err)
			}
			var r NTPRepr
			r.Parse(p)
			w := tc.want
			got := r
			got.ReferenceTime, got.OriginTime, got.ReceiveTime, got.TransmitTime = 0, 0, 0, 0
			got.RootDelay, got.RootDispersion = 0, 0
			if got != w.repr {
				t.Errorf("header %+v, tcpdump says %+v", got, w.repr)
			}
			checkTS(t, "reference", r.ReferenceTime, w.ref)
			checkTS(t, "origin", r.OriginTime, w.orig)
			checkTS(t, "receive", r.ReceiveTime, w.recv)
			checkTS(t, "transmit", r.TransmitTime, w.xmit)
			if d := r.RootDelay.Duration(); d != w.rootDelay {
				t.Errorf("root delay %v, tcpdump says %v", d, w.rootDelay)
			}
			if d := r.RootDispersion.Duration(); d != w.rootDisp {
				t.Errorf("root dispersion %v, tcpdump says %v", d, w.rootDisp)
			}
			if _, kiss := r.KissCode(); kiss != w.kiss {
				t.Errorf("KissCode reports kiss=%v", kiss)
			}
			out := make([]byte, r.Len())
			r.Emit(out)
			if !bytes.Equal(out, b) {
				t.Errorf("re-emitted\n% x\nwant\n% x", out, b)
			}
		})
	}
}

// Each exchange's reply echoes its request's transmit timestamp, which
// chrony, like legation, fills with random bits rather than its clock.
func TestNTPChronyOriginEcho(t *testing.T) {
	for _, pair := range [][2]string{{ntpChronyRequest, ntpChronyReply}, {ntpChronyRequest2, ntpChronyReply2}} {
		q, _ := NewNTPPacket(ntpHex(t, pair[0]))
		a, _ := NewNTPPacket(ntpHex(t, pair[1]))
		if q.TransmitTime() != a.OriginTime() {
			t.Errorf("reply origin %#x, request transmit %#x", a.OriginTime(), q.TransmitTime())
		}
		if a.ReceiveTime() > a.TransmitTime() {
			t.Errorf("server received at %#x after it sent at %#x", a.ReceiveTime(), a.TransmitTime())
		}
	}
}

func TestNewNTPPacketRejects(t *testing.T) {
	reply := ntpHex(t, ntpChronyReply)
	if _, err := NewNTPPacket(reply[:NTPHeaderLen-1]); err != ErrTruncated {
		t.Errorf("47 bytes: %v, want ErrTruncated", err)
	}
	if _, err := NewNTPPacket(nil); err != ErrTruncated {
		t.Errorf("nil: %v, want ErrTruncated", err)
	}
	for m := NTPMode(0); m < 8; m++ {
		b := bytes.Clone(reply)
		NTPPacket(b).SetLeapVersionMode(NTPLeapNone, 4, m)
		_, err := NewNTPPacket(b)
		want := error(nil)
		if m == NTPModeControl || m == NTPModePrivate {
			want = ErrUnsupported
		}
		if err != want {
			t.Errorf("mode %d: %v, want %v", m, err, want)
		}
	}
	// Extension fields and a MAC stay with the packet, unread.
	long := append(bytes.Clone(reply), 1, 2, 3, 4)
	p, err := NewNTPPacket(long)
	if err != nil || !bytes.Equal(p.Trailer(), []byte{1, 2, 3, 4}) {
		t.Errorf("trailer %x, %v", p.Trailer(), err)
	}
}

// The era boundary, 2036-02-07 06:28:16 UTC, seen from either side.
func TestNTPTimestampEraBoundary(t *testing.T) {
	boundary := time.Date(2036, 2, 7, 6, 28, 16, 0, time.UTC)
	tests := []struct {
		name  string
		ts    NTPTimestamp
		pivot time.Time
		want  time.Time
	}{
		{"last second of era 0", NTPTimestampFrom(0xffffffff, 0), boundary, boundary.Add(-time.Second)},
		{"first second of era 1", NTPTimestampFrom(0, 0), boundary, boundary},
		{"era 1 seen from 2030", NTPTimestampFrom(5, 1<<31), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), boundary.Add(5500 * time.Millisecond)},
		{"era 0 seen from 2030", NTPTimestampFrom(0xfffffffb, 0), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), boundary.Add(-5 * time.Second)},
		{"era 1 seen from 2040", NTPTimestampFrom(0xfffffffb, 0), time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC), boundary.Add(-5 * time.Second)},
		{"1900 seen from 1950", NTPTimestampFrom(0, 0), time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"Unix epoch", NTPTimestampFrom(2208988800, 0), time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, 0).UTC()},
		// A clock reading 1970 (a device without a real-time clock) pivots
		// the wrong way for times past 2038: callers pick the pivot.
		{"2040 seen from 1970", NTPTimestampFromTime(time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)), time.Unix(0, 0),
			time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC).Sub(boundary))},
		{"era 2 seen from 2150", NTPTimestampFrom(0, 0), time.Date(2150, 1, 1, 0, 0, 0, 0, time.UTC), boundary.Add(1 << 32 * time.Second)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.ts.Time(tc.pivot); !got.Equal(tc.want) {
				t.Errorf("Time = %v, want %v", got, tc.want)
			}
			if tc.want.Year() > 1677 && tc.want.Year() < 2262 && tc.pivot.Year() < 2262 {
				if got := tc.ts.UnixNano(tc.pivot.UnixNano()); got != tc.want.UnixNano() {
					t.Errorf("UnixNano = %v, want %v", time.Unix(0, got).UTC(), tc.want)
				}
			}
		})
	}
}

// Any instant within 68 years of the pivot survives the trip through the
// wire format to the nanosecond, whatever era it lies in.
func TestNTPTimestampRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const span = int64(68 * 365 * 24 * time.Hour)
	lo, hi := time.Date(1750, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano(), time.Date(2190, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	for i := 0; i < 100000; i++ {
		// hi-lo exceeds int64: draw in uint64, wrap back.
		pivot := lo + int64(rng.Uint64N(uint64(hi)-uint64(lo)))
		ns := pivot + rng.Int64N(2*span) - span
		ts := NTPTimestampFromUnixNano(ns)
		if got := ts.UnixNano(pivot); got != ns {
			t.Fatalf("%v via %#x (pivot %v) came back as %v", time.Unix(0, ns).UTC(), ts, time.Unix(0, pivot).UTC(), time.Unix(0, got).UTC())
		}
		tm := time.Unix(0, ns)
		if ts2 := NTPTimestampFromTime(tm); ts2 != ts {
			t.Fatalf("NTPTimestampFromTime(%v) = %#x, FromUnixNano %#x", tm, ts2, ts)
		}
		if got := ts.Time(time.Unix(0, pivot)); !got.Equal(tm) {
			t.Fatalf("Time: %v came back as %v", tm.UTC(), got)
		}
	}
}

// The fraction's conversion against exact arithmetic: a fraction is
// f/2^32 s, and nanoseconds round down; a nanosecond count becomes the
// smallest fraction that rounds back down to it.
func TestNTPFraction(t *testing.T) {
	tests := []struct {
		frac uint32
		ns   int64
	}{
		{0, 0}, {1, 0}, {5, 1}, {1 << 31, 500000000}, {1 << 30, 250000000},
		{0xffffffff, 999999999}, {0x49bf92d5, 288079430},
	}
	for _, tc := range tests {
		if got := nanosFromFrac(tc.frac); got != tc.ns {
			t.Errorf("nanosFromFrac(%#x) = %d, want %d", tc.frac, got, tc.ns)
		}
	}
	for _, ns := range []int64{0, 1, 2, 250000000, 500000000, 999999999, 288079430} {
		f := fracFromNanos(ns)
		if nanosFromFrac(f) != ns || (f > 0 && nanosFromFrac(f-1) == ns) {
			t.Errorf("fracFromNanos(%d) = %#x is not the least fraction for it", ns, f)
		}
	}
}

func TestNTPShort(t *testing.T) {
	tests := []struct {
		s NTPShort
		d time.Duration
	}{
		{0, 0}, {0x00010000, time.Second}, {0x00008000, 500 * time.Millisecond},
		{0x00000001, 15258 * time.Nanosecond}, {0xffffffff, 65535*time.Second + 999984741*time.Nanosecond},
	}
	for _, tc := range tests {
		if got := tc.s.Duration(); got != tc.d {
			t.Errorf("%#x.Duration() = %v, want %v", uint32(tc.s), got, tc.d)
		}
		if got := NTPShortFromDuration(tc.d); got.Duration() != tc.d {
			t.Errorf("NTPShortFromDuration(%v) = %#x, back %v", tc.d, uint32(got), got.Duration())
		}
	}
	if NTPShortFromDuration(-time.Second) != 0 || NTPShortFromDuration(100000*time.Second) != 0xffffffff {
		t.Error("out-of-range durations are not clamped")
	}
}

func TestNTPKissCode(t *testing.T) {
	b := ntpHex(t, ntpChronyReply)
	p := NTPPacket(b)
	p.SetStratum(0)
	p.SetReferenceID(NTPKissRate)
	var r NTPRepr
	r.Parse(p)
	if k, ok := r.KissCode(); !ok || k != NTPKissRate || k.String() != "RATE" {
		t.Errorf("KissCode = %v %v, want RATE", k, ok)
	}
	if s := (NTPKissCode{'D', 0, 0xff, 'X'}).String(); s != "D??X" {
		t.Errorf("String = %q", s)
	}
}

func TestNTPNoAllocs(t *testing.T) {
	in := ntpHex(t, ntpChronyReply)
	out := make([]byte, NTPHeaderLen)
	pivot := captureDay.UnixNano()
	var sink int64
	n := testing.AllocsPerRun(1000, func() {
		p, err := NewNTPPacket(in)
		if err != nil {
			panic(err)
		}
		var r NTPRepr
		r.Parse(p)
		r.Emit(out)
		sink += r.TransmitTime.UnixNano(pivot) + int64(NTPTimestampFromUnixNano(pivot)) + int64(r.RootDelay.Duration())
		_ = r.ReceiveTime.Time(captureDay)
	})
	if n != 0 {
		t.Fatalf("NTP parse/emit/convert: %v allocs, want 0", n)
	}
	_ = sink
}

// The checked-in seed corpus holds every capture above.
func TestNTPCorpusHasCaptures(t *testing.T) {
	for name, h := range ntpCaptures {
		raw, err := os.ReadFile(filepath.Join("testdata", "fuzz", "FuzzNTP", "capture-"+name))
		if err != nil {
			t.Fatal(err)
		}
		q, ok := strings.CutPrefix(string(raw), "go test fuzz v1\n[]byte(")
		q, ok2 := strings.CutSuffix(q, ")\n")
		got, err := strconv.Unquote(q)
		if !ok || !ok2 || err != nil {
			t.Fatalf("corpus entry capture-%s is not one []byte: %q", name, raw)
		}
		if !bytes.Equal([]byte(got), ntpHex(t, h)) {
			t.Errorf("corpus entry capture-%s does not hold the capture", name)
		}
	}
}

var (
	fuzzPivotLo = time.Date(1750, 1, 1, 0, 0, 0, 0, time.UTC)
	fuzzPivotHi = time.Date(2190, 1, 1, 0, 0, 0, 0, time.UTC)
)

// FuzzNTP checks, for any input, that NewNTPPacket rejects it with an Error
// or returns a view whose accessors do not panic; that Emit writes back the
// header Parse read, byte for byte; and that the transmit timestamp,
// converted to Unix time with any pivot in range, lands within 2^31 s of the
// pivot and converts back to within a nanosecond of itself.
func FuzzNTP(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := NewNTPPacket(b)
		if err != nil {
			mustWireError(t, err)
			return
		}
		if len(p.Trailer()) != len(b)-NTPHeaderLen {
			t.Fatalf("trailer %d of %d", len(p.Trailer()), len(b))
		}
		var r NTPRepr
		r.Parse(p)
		_, _ = r.KissCode()
		out := make([]byte, r.Len())
		r.Emit(out)
		if !bytes.Equal(out, b[:NTPHeaderLen]) {
			t.Fatalf("re-emitted\n% x\nwant\n% x", out, b[:NTPHeaderLen])
		}
		var back NTPRepr
		back.Parse(NTPPacket(out))
		if back != r {
			t.Fatalf("round trip %+v -> %+v", r, back)
		}

		// Pivot: the origin timestamp's bits, folded into 1750..2190 so that
		// every time within 2^31 s of it fits UnixNano's range.
		lo, hi := fuzzPivotLo.UnixNano(), fuzzPivotHi.UnixNano()
		pivot := lo + int64(uint64(r.OriginTime)%(uint64(hi)-uint64(lo)))
		u := r.TransmitTime.UnixNano(pivot)
		if d := u/int64(time.Second) - pivot/int64(time.Second); d > 1<<31+1 || d < -(1<<31)-1 {
			t.Fatalf("transmit %#x with pivot %d landed %d s away", r.TransmitTime, pivot, d)
		}
		// A nanosecond is 4.29 fraction units: the trip through nanoseconds
		// rounds the fraction down by less than that, and from there on it is
		// exact.
		ts := NTPTimestampFromUnixNano(u)
		if d := uint64(r.TransmitTime - ts); d > 4 {
			t.Fatalf("transmit %#x -> %d ns -> %#x", r.TransmitTime, u, ts)
		}
		if got := ts.UnixNano(pivot); got != u {
			t.Fatalf("%d ns -> %#x -> %d ns", u, ts, got)
		}
		tm := r.TransmitTime.Time(time.Unix(0, pivot))
		if tm.UnixNano() != u {
			t.Fatalf("Time %v and UnixNano %d disagree", tm, u)
		}
		_ = r.RootDelay.Duration() + r.RootDispersion.Duration()
	})
}
