package wire

import (
	"encoding/binary"
	"time"
)

// NTP (RFC 5905) and SNTP (RFC 4330) share one 48-byte header. This file
// holds its view, its Repr and the two fixed-point time formats it carries,
// with their conversion to and from Unix time across NTP eras.

// NTPHeaderLen is the length of the NTP header; extension fields and a MAC,
// if any, follow it.
const NTPHeaderLen = 48

// NTPPort is the UDP port of NTP servers.
const NTPPort = 123

// NTPLeap is the leap indicator, a warning of a leap second at the end of
// the current UTC day.
type NTPLeap uint8

// Leap indicator values.
const (
	NTPLeapNone     NTPLeap = 0 // no warning
	NTPLeapInsert   NTPLeap = 1 // the last minute of the day has 61 seconds
	NTPLeapDelete   NTPLeap = 2 // the last minute of the day has 59 seconds
	NTPLeapUnsynced NTPLeap = 3 // the clock is unsynchronised
)

// NTPMode is the association mode of a packet.
type NTPMode uint8

// Modes. SNTP clients send NTPModeClient and expect NTPModeServer.
const (
	NTPModeReserved         NTPMode = 0
	NTPModeSymmetricActive  NTPMode = 1
	NTPModeSymmetricPassive NTPMode = 2
	NTPModeClient           NTPMode = 3
	NTPModeServer           NTPMode = 4
	NTPModeBroadcast        NTPMode = 5
	NTPModeControl          NTPMode = 6 // ntpq's format, not this header
	NTPModePrivate          NTPMode = 7 // ntpdc's format, not this header
)

// NTPStratumUnsynced is the stratum of a server that is not synchronised
// (RFC 5905 figure 11); 0 marks a kiss-o'-death.
const NTPStratumUnsynced = 16

// NTPKissCode is the reference ID of a stratum-0 packet: four ASCII
// characters saying why the server refused (RFC 5905 section 7.4).
type NTPKissCode [4]byte

// Kiss codes a client acts on.
var (
	NTPKissRate = NTPKissCode{'R', 'A', 'T', 'E'} // polling too often: slow down
	NTPKissDeny = NTPKissCode{'D', 'E', 'N', 'Y'} // access denied: stop
	NTPKissRstr = NTPKissCode{'R', 'S', 'T', 'R'} // access restricted: stop
)

// String returns the code's characters, with anything but printable ASCII
// as '?'.
func (k NTPKissCode) String() string {
	b := k
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	return string(b[:])
}

// NTPShort is the 32-bit NTP short format: unsigned seconds and fraction,
// 16 bits each. Root delay and root dispersion use it.
type NTPShort uint32

// Duration converts s to a duration, rounding down to the nanosecond.
func (s NTPShort) Duration() time.Duration {
	return time.Duration((uint64(s) * uint64(time.Second)) >> 16)
}

// NTPShortFromDuration converts d, clamped to the format's range, rounding
// up so that Duration gives d back.
func NTPShortFromDuration(d time.Duration) NTPShort {
	if d <= 0 {
		return 0
	}
	if d >= 1<<16*time.Second {
		return 0xffffffff
	}
	return NTPShort((uint64(d)<<16 + uint64(time.Second) - 1) / uint64(time.Second))
}

// NTPTimestamp is the 64-bit NTP timestamp format: seconds since the start
// of the current era in the high 32 bits and the fraction of a second in the
// low 32. Era 0 began at 1900-01-01 00:00 UTC and era 1 begins on
// 2036-02-07 06:28:16 UTC, so the value alone does not say which era it is
// in: the conversions to Unix time take a pivot, a time known to lie within
// 68 years of the timestamp, and pick the era that puts it nearest the pivot
// (RFC 4330 section 3, RFC 5905 section 6).
type NTPTimestamp uint64

// ntpUnixSeconds is the number of seconds from 1900-01-01 to 1970-01-01.
const ntpUnixSeconds = 2208988800

// NTPTimestampFrom builds a timestamp from its seconds and fraction.
func NTPTimestampFrom(sec, frac uint32) NTPTimestamp {
	return NTPTimestamp(uint64(sec)<<32 | uint64(frac))
}

// Seconds returns the seconds since the start of the era.
func (t NTPTimestamp) Seconds() uint32 { return uint32(t >> 32) }

// Fraction returns the fraction of a second, in units of 2^-32 s.
func (t NTPTimestamp) Fraction() uint32 { return uint32(t) }

// IsZero reports whether t is zero, which NTP uses for "unknown".
func (t NTPTimestamp) IsZero() bool { return t == 0 }

// fracFromNanos converts nanoseconds (0..999,999,999) to a fraction,
// rounding up so that nanosFromFrac gives them back exactly.
func fracFromNanos(ns int64) uint32 {
	return uint32((uint64(ns)<<32 + uint64(time.Second) - 1) / uint64(time.Second))
}

// nanosFromFrac converts a fraction to nanoseconds, rounding down.
func nanosFromFrac(f uint32) int64 { return int64((uint64(f) * uint64(time.Second)) >> 32) }

// NTPTimestampFromUnixNano converts nanoseconds since the Unix epoch. The
// era is dropped, as on the wire.
func NTPTimestampFromUnixNano(ns int64) NTPTimestamp {
	sec, nsec := ns/int64(time.Second), ns%int64(time.Second)
	if nsec < 0 {
		sec, nsec = sec-1, nsec+int64(time.Second)
	}
	return NTPTimestampFrom(uint32(sec+ntpUnixSeconds), fracFromNanos(nsec))
}

// NTPTimestampFromTime converts a time. The era is dropped, as on the wire.
func NTPTimestampFromTime(t time.Time) NTPTimestamp {
	return NTPTimestampFrom(uint32(t.Unix()+ntpUnixSeconds), fracFromNanos(int64(t.Nanosecond())))
}

// unixSeconds returns t's seconds since the Unix epoch in the era that puts
// them nearest pivotSec (also Unix seconds), within 2^31 s either way.
func (t NTPTimestamp) unixSeconds(pivotSec int64) int64 {
	p := pivotSec + ntpUnixSeconds // NTP seconds since 1900, all eras
	// The signed 32-bit difference of the era-less seconds is the distance
	// to the nearest timestamp with these low bits.
	return p + int64(int32(t.Seconds()-uint32(p))) - ntpUnixSeconds
}

// UnixNano converts t to nanoseconds since the Unix epoch, in the era
// nearest pivot (also Unix nanoseconds). Results beyond int64's range (the
// years 1678 and 2262) saturate.
func (t NTPTimestamp) UnixNano(pivot int64) int64 {
	ps := pivot / int64(time.Second)
	if pivot%int64(time.Second) < 0 {
		ps--
	}
	sec := t.unixSeconds(ps)
	const maxSec = (1<<63 - 1) / int64(time.Second)
	switch {
	case sec >= maxSec:
		return 1<<63 - 1
	case sec < -maxSec:
		return -1 << 63
	}
	return sec*int64(time.Second) + nanosFromFrac(t.Fraction())
}

// Time converts t to a time in the era nearest pivot. Unlike UnixNano it
// reaches any era time.Time can hold.
func (t NTPTimestamp) Time(pivot time.Time) time.Time {
	return time.Unix(t.unixSeconds(pivot.Unix()), nanosFromFrac(t.Fraction())).UTC()
}

// NTPPacket is a view of an NTP packet: the 48-byte header, then any
// extension fields and MAC, which this view leaves to the caller.
type NTPPacket []byte

// NewNTPPacket checks b and returns it as an NTP view. It returns
// ErrTruncated if b is shorter than the header and ErrUnsupported for the
// control and private modes (6 and 7), whose messages have another layout.
// Nothing else is judged here: version, stratum and timestamps are for the
// client or server to check.
func NewNTPPacket(b []byte) (NTPPacket, error) {
	if len(b) < NTPHeaderLen {
		return nil, ErrTruncated
	}
	p := NTPPacket(b)
	if m := p.Mode(); m == NTPModeControl || m == NTPModePrivate {
		return nil, ErrUnsupported
	}
	return p, nil
}

// Leap returns the leap indicator.
func (p NTPPacket) Leap() NTPLeap { return NTPLeap(p[0] >> 6) }

// Version returns the version number (4 for NTPv4).
func (p NTPPacket) Version() uint8 { return p[0] >> 3 & 7 }

// Mode returns the association mode.
func (p NTPPacket) Mode() NTPMode { return NTPMode(p[0] & 7) }

// Stratum returns the stratum: 0 for a kiss-o'-death, 1 for a primary
// server, 2-15 for secondaries, 16 for unsynchronised.
func (p NTPPacket) Stratum() uint8 { return p[1] }

// Poll returns the poll exponent: log2 of the poll interval in seconds.
func (p NTPPacket) Poll() int8 { return int8(p[2]) }

// Precision returns log2 of the clock's precision in seconds.
func (p NTPPacket) Precision() int8 { return int8(p[3]) }

// RootDelay returns the round-trip delay to the reference clock.
func (p NTPPacket) RootDelay() NTPShort { return NTPShort(binary.BigEndian.Uint32(p[4:8])) }

// RootDispersion returns the dispersion to the reference clock.
func (p NTPPacket) RootDispersion() NTPShort { return NTPShort(binary.BigEndian.Uint32(p[8:12])) }

// ReferenceID returns the reference ID: a kiss code at stratum 0, a
// reference clock's name at stratum 1, the upstream server's IPv4 address
// (or a hash, for IPv6) above.
func (p NTPPacket) ReferenceID() [4]byte { return [4]byte(p[12:16]) }

// ReferenceTime returns the time the clock was last set.
func (p NTPPacket) ReferenceTime() NTPTimestamp { return p.ts(16) }

// OriginTime returns the client's transmit timestamp that a reply echoes.
func (p NTPPacket) OriginTime() NTPTimestamp { return p.ts(24) }

// ReceiveTime returns when the server received the request.
func (p NTPPacket) ReceiveTime() NTPTimestamp { return p.ts(32) }

// TransmitTime returns when the packet left its sender.
func (p NTPPacket) TransmitTime() NTPTimestamp { return p.ts(40) }

// Trailer returns what follows the header: extension fields and a MAC.
func (p NTPPacket) Trailer() []byte { return p[NTPHeaderLen:] }

func (p NTPPacket) ts(at int) NTPTimestamp {
	return NTPTimestamp(binary.BigEndian.Uint64(p[at : at+8]))
}

// SetLeapVersionMode sets the first byte's three fields.
func (p NTPPacket) SetLeapVersionMode(li NTPLeap, vn uint8, m NTPMode) {
	p[0] = uint8(li)<<6 | (vn&7)<<3 | uint8(m)&7
}

// SetStratum sets the stratum.
func (p NTPPacket) SetStratum(s uint8) { p[1] = s }

// SetPoll sets the poll exponent.
func (p NTPPacket) SetPoll(v int8) { p[2] = uint8(v) }

// SetPrecision sets the precision exponent.
func (p NTPPacket) SetPrecision(v int8) { p[3] = uint8(v) }

// SetRootDelay sets the root delay.
func (p NTPPacket) SetRootDelay(v NTPShort) { binary.BigEndian.PutUint32(p[4:8], uint32(v)) }

// SetRootDispersion sets the root dispersion.
func (p NTPPacket) SetRootDispersion(v NTPShort) { binary.BigEndian.PutUint32(p[8:12], uint32(v)) }

// SetReferenceID sets the reference ID.
func (p NTPPacket) SetReferenceID(id [4]byte) { copy(p[12:16], id[:]) }

// SetReferenceTime sets the reference timestamp.
func (p NTPPacket) SetReferenceTime(t NTPTimestamp) { p.setTS(16, t) }

// SetOriginTime sets the origin timestamp.
func (p NTPPacket) SetOriginTime(t NTPTimestamp) { p.setTS(24, t) }

// SetReceiveTime sets the receive timestamp.
func (p NTPPacket) SetReceiveTime(t NTPTimestamp) { p.setTS(32, t) }

// SetTransmitTime sets the transmit timestamp.
func (p NTPPacket) SetTransmitTime(t NTPTimestamp) { p.setTS(40, t) }

func (p NTPPacket) setTS(at int, t NTPTimestamp) {
	binary.BigEndian.PutUint64(p[at:at+8], uint64(t))
}

// NTPRepr holds every field of the NTP header.
type NTPRepr struct {
	Leap      NTPLeap
	Version   uint8
	Mode      NTPMode
	Stratum   uint8
	Poll      int8
	Precision int8

	RootDelay      NTPShort
	RootDispersion NTPShort
	ReferenceID    [4]byte

	ReferenceTime NTPTimestamp
	OriginTime    NTPTimestamp
	ReceiveTime   NTPTimestamp
	TransmitTime  NTPTimestamp
}

// Parse reads the header of a packet that NewNTPPacket accepted.
func (r *NTPRepr) Parse(p NTPPacket) {
	*r = NTPRepr{
		Leap:           p.Leap(),
		Version:        p.Version(),
		Mode:           p.Mode(),
		Stratum:        p.Stratum(),
		Poll:           p.Poll(),
		Precision:      p.Precision(),
		RootDelay:      p.RootDelay(),
		RootDispersion: p.RootDispersion(),
		ReferenceID:    p.ReferenceID(),
		ReferenceTime:  p.ReferenceTime(),
		OriginTime:     p.OriginTime(),
		ReceiveTime:    p.ReceiveTime(),
		TransmitTime:   p.TransmitTime(),
	}
}

// KissCode returns the reference ID as a kiss code, and whether the packet
// is a kiss-o'-death at all (stratum 0).
func (r *NTPRepr) KissCode() (NTPKissCode, bool) {
	return NTPKissCode(r.ReferenceID), r.Stratum == 0
}

// Len returns the length Emit writes.
func (r *NTPRepr) Len() int { return NTPHeaderLen }

// Emit writes the 48-byte header into b, which must hold at least that.
// Version and Leap are written modulo their field widths.
func (r *NTPRepr) Emit(b []byte) {
	p := NTPPacket(b[:NTPHeaderLen])
	p.SetLeapVersionMode(r.Leap&3, r.Version, r.Mode)
	p.SetStratum(r.Stratum)
	p.SetPoll(r.Poll)
	p.SetPrecision(r.Precision)
	p.SetRootDelay(r.RootDelay)
	p.SetRootDispersion(r.RootDispersion)
	p.SetReferenceID(r.ReferenceID)
	p.SetReferenceTime(r.ReferenceTime)
	p.SetOriginTime(r.OriginTime)
	p.SetReceiveTime(r.ReceiveTime)
	p.SetTransmitTime(r.TransmitTime)
}
