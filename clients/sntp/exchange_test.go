package sntp

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/seed947b3480/legation/wire"
)

const ms = time.Millisecond

// RFC 5905's arithmetic on a worked exchange: the server's clock is 1 s
// ahead, the request takes 10 ms, the server 5 ms, the reply 30 ms. The
// delay is the 40 ms on the wire; the offset is off by half the asymmetry,
// (10-30)/2 ms, which no client can see.
func TestOffsetDelay(t *testing.T) {
	sec := int64(time.Second)
	tests := []struct {
		name           string
		t1, t2, t3, t4 int64
		offset, delay  time.Duration
	}{
		{"asymmetric", 0, sec + int64(10*ms), sec + int64(15*ms), int64(45 * ms), 990 * ms, 40 * ms},
		{"symmetric, behind", 0, -sec + int64(20*ms), -sec + int64(20*ms), int64(40 * ms), -time.Second, 40 * ms},
		{"same clock", 1000, 1010, 1020, 1030, 0, 20},
		// The server claims to have held the request longer than the whole
		// round trip took: the delay would be negative and is reported as 0.
		{"negative delay", 0, 100, 150, 10, 120, 0},
		{"half nanoseconds", 0, 1, 0, 0, 0, 1},
		{"half nanoseconds, both", 0, 1, 1, 0, 1, 0},
		{"half nanoseconds, negative", 1, 0, -1, 0, -1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, d := offsetDelay(tc.t1, tc.t2, tc.t3, tc.t4)
			if o != tc.offset || d != tc.delay {
				t.Errorf("offset %v delay %v, want %v %v", o, d, tc.offset, tc.delay)
			}
		})
	}
	// A device clock 250 years behind: each term fits int64, their sum
	// would not.
	far := time.Date(2220, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano() - time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	if o, _ := offsetDelay(0, far, far, 0); o != time.Duration(far) {
		t.Errorf("offset of 250 years = %v, want %v", o, time.Duration(far))
	}
}

func TestPivot(t *testing.T) {
	floor := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	if p := pivot(now, floor); p != now {
		t.Errorf("a clock past the floor is its own pivot: %v", time.Unix(0, p))
	}
	// A clock at 1970: the pivot is 2^31 s past the floor, so times from
	// the floor to 136 years later land in the right era.
	p := pivot(0, floor)
	if want := time.Date(2093, 1, 19, 3, 14, 8, 0, time.UTC); !time.Unix(0, p).Equal(want) {
		t.Errorf("pivot %v, want %v", time.Unix(0, p).UTC(), want)
	}
	for _, y := range []int{2025, 2036, 2037, 2100, 2160} {
		at := time.Date(y, 6, 1, 0, 0, 0, 0, time.UTC)
		if got := wire.NTPTimestampFromTime(at).UnixNano(p); got != at.UnixNano() {
			t.Errorf("%d seen from a 1970 clock: %v", y, time.Unix(0, got).UTC())
		}
	}
}

func TestPollExponent(t *testing.T) {
	for _, tc := range []struct {
		d time.Duration
		e int8
	}{{16 * time.Second, 4}, {64 * time.Second, 6}, {100 * time.Second, 6}, {1024 * time.Second, 10}, {time.Second, 0}, {1 << 20 * time.Second, 17}} {
		if e := pollExponent(tc.d); e != tc.e {
			t.Errorf("pollExponent(%v) = %d, want %d", tc.d, e, tc.e)
		}
	}
}

// A request is all zero but version, mode, poll and the nonce.
func TestBuildRequest(t *testing.T) {
	var b [wire.NTPHeaderLen]byte
	for i := range b {
		b[i] = 0xaa
	}
	buildRequest(b[:], 0x0123456789abcdef, 6)
	want := [wire.NTPHeaderLen]byte{0: 0x23, 2: 6, 40: 0x01, 41: 0x23, 42: 0x45, 43: 0x67, 44: 0x89, 45: 0xab, 46: 0xcd, 47: 0xef}
	if b != want {
		t.Errorf("request\n% x\nwant\n% x", b, want)
	}
}

func TestJudge(t *testing.T) {
	const nonce = wire.NTPTimestamp(0x1122334455667788)
	good := func() wire.NTPRepr {
		return wire.NTPRepr{Version: 4, Mode: wire.NTPModeServer, Stratum: 3, ReferenceID: [4]byte{10, 0, 0, 9},
			OriginTime: nonce, ReceiveTime: 0xeeabb59d49bf92d5, TransmitTime: 0xeeabb59d49c73f6a}
	}
	kissed := func(code wire.NTPKissCode) func(*wire.NTPRepr) {
		return func(r *wire.NTPRepr) { r.Leap, r.Stratum, r.ReferenceID = wire.NTPLeapUnsynced, 0, code }
	}
	tests := []struct {
		name   string
		mut    func(*wire.NTPRepr)
		final  bool
		err    error
		isKiss bool
	}{
		{"good", func(*wire.NTPRepr) {}, true, nil, false},
		{"version 3", func(r *wire.NTPRepr) { r.Version = 3 }, true, nil, false},
		{"wrong origin", func(r *wire.NTPRepr) { r.OriginTime++ }, false, ErrBadOrigin, false},
		{"zero origin", func(r *wire.NTPRepr) { r.OriginTime = 0 }, false, ErrBadOrigin, false},
		{"mode client", func(r *wire.NTPRepr) { r.Mode = wire.NTPModeClient }, true, ErrBadReply, false},
		{"mode broadcast", func(r *wire.NTPRepr) { r.Mode = wire.NTPModeBroadcast }, true, ErrBadReply, false},
		{"version 2", func(r *wire.NTPRepr) { r.Version = 2 }, true, ErrBadReply, false},
		{"version 5", func(r *wire.NTPRepr) { r.Version = 5 }, true, ErrBadReply, false},
		{"RATE", kissed(wire.NTPKissRate), true, ErrKissRate, true},
		{"DENY", kissed(wire.NTPKissDeny), true, ErrKissDeny, true},
		{"RSTR", kissed(wire.NTPKissRstr), true, ErrKissRestricted, true},
		{"other kiss", kissed(wire.NTPKissCode{'I', 'N', 'I', 'T'}), true, ErrKissOfDeath, true},
		{"kiss with leap 0", func(r *wire.NTPRepr) { r.Stratum, r.ReferenceID = 0, wire.NTPKissDeny }, true, ErrKissDeny, true},
		{"leap 3", func(r *wire.NTPRepr) { r.Leap = wire.NTPLeapUnsynced }, true, ErrUnsynchronised, false},
		// chrony's unsynchronised answer: leap 3, stratum 0, no kiss code.
		{"leap 3 stratum 0", func(r *wire.NTPRepr) { r.Leap, r.Stratum, r.ReferenceID = wire.NTPLeapUnsynced, 0, [4]byte{} }, true, ErrUnsynchronised, false},
		{"stratum 0 no code", func(r *wire.NTPRepr) { r.Stratum, r.ReferenceID = 0, [4]byte{} }, true, ErrStratum, false},
		{"stratum 0 binary id", func(r *wire.NTPRepr) { r.Stratum, r.ReferenceID = 0, [4]byte{'R', 'A', 'T', 0} }, true, ErrStratum, false},
		{"stratum 16", func(r *wire.NTPRepr) { r.Stratum = 16 }, true, ErrStratum, false},
		{"stratum 255", func(r *wire.NTPRepr) { r.Stratum = 255 }, true, ErrStratum, false},
		{"stratum 15", func(r *wire.NTPRepr) { r.Stratum = 15 }, true, nil, false},
		{"zero transmit", func(r *wire.NTPRepr) { r.TransmitTime = 0 }, true, ErrBadReply, false},
		{"zero receive", func(r *wire.NTPRepr) { r.ReceiveTime = 0 }, true, ErrBadReply, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := good()
			tc.mut(&r)
			b := make([]byte, wire.NTPHeaderLen)
			r.Emit(b)
			_, final, err := judge(b, nonce)
			if final != tc.final || err != tc.err {
				t.Fatalf("judge = final %v, %v; want final %v, %v", final, err, tc.final, tc.err)
			}
			if errors.Is(err, ErrKissOfDeath) != tc.isKiss {
				t.Errorf("errors.Is(%v, ErrKissOfDeath) = %v", err, !tc.isKiss)
			}
		})
	}
	if _, final, err := judge(make([]byte, 47), nonce); final || err != ErrBadReply {
		t.Errorf("47 bytes: final %v, %v; want not final, ErrBadReply", final, err)
	}
	ctl := make([]byte, wire.NTPHeaderLen)
	ctl[0] = 0x16 // version 2, mode 6 (control)
	if _, final, err := judge(ctl, nonce); final || err != ErrBadReply {
		t.Errorf("mode 6: final %v, %v; want not final, ErrBadReply", final, err)
	}
}

func TestErrors(t *testing.T) {
	for e := Error(1); e <= ErrClosed; e++ {
		if s := e.Error(); s == "sntp: unknown error" || s == "" {
			t.Errorf("Error(%d) has no text", e)
		}
	}
	if Error(200).Error() != "sntp: unknown error" {
		t.Error("an unknown Error has a text")
	}
	if !ErrTimeout.Timeout() || ErrBadOrigin.Timeout() {
		t.Error("Timeout() wrong")
	}
	if errors.Is(ErrTimeout, ErrKissOfDeath) || errors.Is(ErrKissOfDeath, ErrKissRate) {
		t.Error("errors.Is matches too much")
	}
}

// FuzzJudge: whatever a datagram holds, judge does not panic, and it
// believes only a server-mode reply that echoes the nonce, from a
// synchronised server of stratum 1-15, with both timestamps set. The nonce
// is the datagram's bytes 24-31 (its origin timestamp) with one bit
// flipped when the first byte is odd, so that both matching and mismatching origins are explored.
func FuzzJudge(f *testing.F) {
	good := make([]byte, wire.NTPHeaderLen)
	r := wire.NTPRepr{Version: 4, Mode: wire.NTPModeServer, Stratum: 2, OriginTime: 42, ReceiveTime: 1, TransmitTime: 2}
	r.Emit(good)
	f.Add(good)
	kod := append([]byte(nil), good...)
	wire.NTPPacket(kod).SetStratum(0)
	wire.NTPPacket(kod).SetReferenceID(wire.NTPKissRate)
	f.Add(kod)
	f.Add(good[:47])
	f.Fuzz(func(t *testing.T, b []byte) {
		var nonce wire.NTPTimestamp
		if len(b) >= 32 {
			nonce = wire.NTPTimestamp(binary.BigEndian.Uint64(b[24:32]))
			if b[0]&1 == 1 {
				nonce ^= 1 << 17
			}
		}
		r, final, err := judge(b, nonce)
		if err == nil {
			if !final || r.OriginTime != nonce || r.Mode != wire.NTPModeServer || r.Leap == wire.NTPLeapUnsynced ||
				r.Stratum == 0 || r.Stratum > 15 || r.ReceiveTime == 0 || r.TransmitTime == 0 {
				t.Fatalf("believed %+v (final %v)", r, final)
			}
		}
		if final && r.OriginTime != nonce {
			t.Fatalf("a reply not echoing %#x ended the exchange: %+v, %v", nonce, r, err)
		}
		if err != nil {
			var e Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an sntp.Error", err)
			}
		}
	})
}
