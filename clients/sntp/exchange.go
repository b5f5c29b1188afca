package sntp

import (
	"time"

	"github.com/seed947b3480/legation/wire"
)

// The sans-IO core of one exchange: the request's bytes, the verdict on a
// reply, and the arithmetic. No state, no clock.

// buildRequest writes a client-mode request into b (48 bytes). Every field
// but the poll exponent is zero except the transmit timestamp, which is
// nonce: the client keeps its own send time to itself (RFC 9109's data
// minimisation) and a reply must echo the nonce to be believed.
func buildRequest(b []byte, nonce wire.NTPTimestamp, poll int8) {
	r := wire.NTPRepr{Version: 4, Mode: wire.NTPModeClient, Poll: poll, TransmitTime: nonce}
	r.Emit(b)
}

// judge checks a datagram from the server being asked against the nonce of
// the request in flight. A datagram that does not prove it answers that
// request (too short, not NTP, or a wrong origin timestamp) is not final:
// it is dropped and the client keeps waiting, so a spoofer cannot end the
// exchange. A reply that does echo the nonce is final: err says whether it
// is believed.
func judge(b []byte, nonce wire.NTPTimestamp) (r wire.NTPRepr, final bool, err error) {
	p, perr := wire.NewNTPPacket(b)
	if perr != nil {
		return r, false, ErrBadReply
	}
	r.Parse(p)
	if r.OriginTime != nonce {
		return r, false, ErrBadOrigin
	}
	if r.Mode != wire.NTPModeServer || r.Version < 3 || r.Version > 4 {
		return r, true, ErrBadReply
	}
	if r.Stratum == 0 {
		if code, _ := r.KissCode(); isKissCode(code) {
			return r, true, kissError(code)
		}
	}
	if r.Leap == wire.NTPLeapUnsynced {
		return r, true, ErrUnsynchronised
	}
	if r.Stratum == 0 || r.Stratum >= wire.NTPStratumUnsynced {
		return r, true, ErrStratum
	}
	if r.ReceiveTime.IsZero() || r.TransmitTime.IsZero() {
		return r, true, ErrBadReply
	}
	return r, true, nil
}

// isKissCode reports whether a stratum-0 reference ID is a kiss code: four
// printable ASCII characters. (chrony, unsynchronised, answers stratum 0
// with a zero reference ID, which is no kiss.)
func isKissCode(k wire.NTPKissCode) bool {
	for _, c := range k {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

func kissError(k wire.NTPKissCode) Error {
	switch k {
	case wire.NTPKissRate:
		return ErrKissRate
	case wire.NTPKissDeny:
		return ErrKissDeny
	case wire.NTPKissRstr:
		return ErrKissRestricted
	}
	return ErrKissOfDeath
}

// offsetDelay is RFC 5905 section 8's arithmetic on the four timestamps, in
// Unix nanoseconds. A negative delay (the server's clock ran backwards
// between T2 and T3, or the timestamps are coarse) is reported as 0.
func offsetDelay(t1, t2, t3, t4 int64) (offset, delay time.Duration) {
	a, b := t2-t1, t3-t4
	// Halve each term before adding so that offsets of a century cannot
	// overflow; the remainders carry the lost half-nanoseconds.
	offset = time.Duration(a/2 + b/2 + (a%2+b%2)/2)
	delay = time.Duration((t4 - t1) - (t3 - t2))
	return offset, max(delay, 0)
}

// pivot is the instant, in Unix nanoseconds, that the server's timestamps
// are placed nearest to: the request's send time, unless that is earlier
// than the era floor, in which case the middle of the 2^32 s from the floor.
func pivot(t1, floor int64) int64 {
	if t1 < floor {
		return floor + (1<<31)*int64(time.Second)
	}
	return t1
}

// pollExponent is log2 of d in seconds, rounded down, for the request's
// poll field.
func pollExponent(d time.Duration) int8 {
	s := int64(d / time.Second)
	e := int8(0)
	for s > 1 && e < 17 {
		s >>= 1
		e++
	}
	return e
}
