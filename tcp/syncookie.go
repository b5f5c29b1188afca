package tcp

import (
	"crypto/rand"
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// SYN cookies (RFC 4987 section 3.6, after Bernstein's scheme as Linux uses
// it) let a listener whose SYN queue is full answer a SYN without keeping any
// state: everything the connection needs later is folded into the initial
// sequence number of the SYN-ACK and checked when the final ACK of the
// handshake comes back. The difference between our ISN and the client's is
//
//	bits 31-27  the cookie counter mod 32; the counter advances every CookiePeriod
//	bits 26-24  an index into the table of MSS values below
//	bits 23-0   24 bits of SipHash-2-4 under a secret key over the 4-tuple,
//	            the whole counter, the MSS index and the client's ISN
//
// The keyed hash is the package's SipHash-2-4, as for RFC 6528 ISNs and as
// Linux uses for its cookies: tens of nanoseconds and no allocation, so a
// listener under a flood spends little on each SYN. Forging a cookie takes
// one guess in 2^24 per ACK.
//
// What a cookie cannot carry is lost: a connection made from a cookie uses
// one of the eight MSS values below (the largest not above the client's),
// and has window scaling and SACK only if timestamps were negotiated too, in
// which case CookieOptions carries them in the low bits of our TSval.

// CookiePeriod is how often the cookie counter advances. A cookie is
// accepted for at least one and at most two periods after it was made.
const CookiePeriod = 64 * time.Second

// cookieMSS are the MSS values a cookie can encode, ascending. 536 is the
// default for a peer that sends no MSS option (RFC 9293 3.7.1); 1024 is a
// step for small-MTU links so they need not fall to 536; 1220 leaves room
// for IPv6 and tunnel headers at the 1280 minimum MTU; 1300, 1380 and 1440
// cover common VPN, tunnel and PPPoE paths (Linux encodes 536, 1300, 1440
// and 1460 for the same reasons); 1460 is Ethernet; 8960 a 9000-byte jumbo
// frame.
var cookieMSS = [8]uint16{536, 1024, 1220, 1300, 1380, 1440, 1460, 8960}

// Bit layout of a cookie (our ISN minus the client's ISN).
const (
	cookieHashBits  = 24
	cookieHashMask  = 1<<cookieHashBits - 1
	cookieMSSShift  = cookieHashBits
	cookieTimeShift = cookieHashBits + 3
	cookieTimeMask  = 31
	// cookieMaxAge is how many counter values are accepted: the current one
	// and the one before, as Linux's MAX_SYNCOOKIE_AGE.
	cookieMaxAge = 2
)

// cookieMsgLen is the longest hashed message: the 4-tuple as putTuple
// writes it (12 bytes for IPv4, 36 for IPv6), counter (8), MSS index (1),
// client ISN (4).
const cookieMsgLen = 36 + 8 + 1 + 4

// CookieError is why Check rejected a cookie. Values are comparable with
// errors.Is and cost no allocation.
type CookieError uint8

const (
	// ErrCookieExpired: the cookie's counter is neither the current one
	// nor the one before (older than two periods, or not made by us).
	ErrCookieExpired CookieError = iota + 1
	// ErrCookieInvalid: the keyed hash does not match: forged or altered,
	// or made for another 4-tuple or client ISN, or exactly a multiple of 32
	// periods old.
	ErrCookieInvalid
)

func (e CookieError) Error() string {
	switch e {
	case ErrCookieExpired:
		return "tcp: SYN cookie expired"
	case ErrCookieInvalid:
		return "tcp: SYN cookie invalid"
	}
	return "tcp: unknown SYN cookie error"
}

// SYNCookies makes and checks SYN cookies under one secret key. It holds no
// state besides the key, so one value can serve every listener of a stack.
// The zero value has an all-zero key and so is predictable: make one with
// NewSYNCookies, or with NewSYNCookiesKey in tests.
type SYNCookies struct {
	k0, k1 uint64
}

// NewSYNCookies returns a cookie maker with a 128-bit key from crypto/rand,
// so cookies cannot be computed by anyone else, nor across restarts.
func NewSYNCookies() SYNCookies {
	var key [16]byte
	rand.Read(key[:]) // never fails: it crashes the program instead (Go 1.24)
	return NewSYNCookiesKey(key)
}

// NewSYNCookiesKey returns a cookie maker with the given key, for tests and
// for a caller that manages its own secrets.
func NewSYNCookiesKey(key [16]byte) SYNCookies {
	return SYNCookies{
		k0: binary.LittleEndian.Uint64(key[0:8]),
		k1: binary.LittleEndian.Uint64(key[8:16]),
	}
}

// cookieCounter is the cookie counter at now: the number of whole periods
// since the clock's epoch, rounded down also for instants before it.
func cookieCounter(now reactor.Instant) int64 {
	c := int64(now) / int64(CookiePeriod)
	if now < 0 && int64(now)%int64(CookiePeriod) != 0 {
		c--
	}
	return c
}

// cookieMSSIndex returns the index of the largest table MSS not above mss,
// or 0 when mss is below every entry: 536, which every IPv4 host must be
// able to receive (RFC 9293 3.7.1), as Linux does.
func cookieMSSIndex(mss uint16) int {
	i := len(cookieMSS) - 1
	for i > 0 && cookieMSS[i] > mss {
		i--
	}
	return i
}

// Make returns the ISN to send in the SYN-ACK answering a SYN from remote to
// local with sequence number clientISN, at instant now. mss is the largest
// segment the connection may send: the client's MSS option (536 if it sent
// none) clamped by the local link. The cookie encodes the largest table
// value not above it.
//
// The SYN-ACK may offer window scaling and SACK only if it also carries
// timestamps whose TSval comes from CookieOptions.Timestamp; without
// timestamps nothing but the MSS survives.
func (c SYNCookies) Make(now reactor.Instant, local, remote netip.AddrPort, clientISN Seq, mss uint16) Seq {
	counter := cookieCounter(now)
	idx := cookieMSSIndex(mss)
	h := c.hash(local, remote, counter, idx, clientISN)
	v := uint32(counter&cookieTimeMask)<<cookieTimeShift | uint32(idx)<<cookieMSSShift | h&cookieHashMask
	return clientISN.Add(v)
}

// Check validates the ACK that completes a handshake answered with a cookie,
// from remote to local, at instant now: seq and ack are that segment's
// sequence and acknowledgment numbers (the client's ISN+1 and our ISN+1).
// It returns the MSS the cookie encoded, or ErrCookieExpired or
// ErrCookieInvalid.
//
// Only the first segment after the SYN-ACK can be checked, since seq must
// still be the client's ISN+1: if that segment is lost, a later one of the
// connection fails, as on Linux, and the caller answers it with a reset.
func (c SYNCookies) Check(now reactor.Instant, local, remote netip.AddrPort, seq, ack Seq) (mss uint16, err error) {
	clientISN := seq - 1
	v := uint32((ack - 1) - clientISN)
	counter := cookieCounter(now)
	age := (uint32(counter) - v>>cookieTimeShift) & cookieTimeMask
	if age >= cookieMaxAge {
		return 0, ErrCookieExpired
	}
	idx := int(v>>cookieMSSShift) & (len(cookieMSS) - 1)
	h := c.hash(local, remote, counter-int64(age), idx, clientISN)
	if h&cookieHashMask != v&cookieHashMask {
		return 0, ErrCookieInvalid
	}
	return cookieMSS[idx], nil
}

// hash returns the low 32 bits of SipHash-2-4 over the cookie's inputs.
func (c SYNCookies) hash(local, remote netip.AddrPort, counter int64, idx int, clientISN Seq) uint32 {
	var msg [cookieMsgLen]byte
	n := putTuple(msg[:], local, remote)
	binary.BigEndian.PutUint64(msg[n:], uint64(counter))
	msg[n+8] = byte(idx)
	binary.BigEndian.PutUint32(msg[n+9:], uint32(clientISN))
	return uint32(sipHash24(c.k0, c.k1, msg[:n+13]))
}

// CookieOptions are the SYN options a cookie connection recovers from the
// timestamp the client echoes (as Linux does): the low 6 bits of the TSval
// in our SYN-ACK hold the client's window shift (4 bits, 15 for none) and
// whether it sent SACK-permitted (bit 4); bit 5 is zero (Linux puts ECN
// there, which legation does not negotiate).
//
// These bits are not authenticated: a client can only claim options for its
// own connection, which it could have asked for in its SYN anyway. Our own
// window shift is not stored; it must be the one the listener's
// configuration always derives, so the connection recomputes it.
type CookieOptions struct {
	WindowScale    uint8 // the client's window shift, 0 to 14
	HasWindowScale bool
	SACKPermitted  bool
}

const (
	cookieTSBits      = 6
	cookieTSMask      = 1<<cookieTSBits - 1
	cookieTSNoScale   = 0xf
	cookieTSSACK      = 1 << 4
	cookieTSScaleMask = 0xf
)

// Timestamp returns the TSval for a cookie SYN-ACK sent when the timestamp
// clock reads tsNow: tsNow with its low 6 bits replaced by the options, and
// moved back by 64 ticks if that put it ahead of tsNow, so the connection's
// later TSvals still never go backwards (RFC 7323 section 5.4).
func (o CookieOptions) Timestamp(tsNow uint32) uint32 {
	bits := uint32(cookieTSNoScale)
	if o.HasWindowScale {
		bits = uint32(min(o.WindowScale, wire.TCPMaxWindowScale))
	}
	if o.SACKPermitted {
		bits |= cookieTSSACK
	}
	ts := tsNow&^cookieTSMask | bits
	if ts > tsNow {
		ts -= 1 << cookieTSBits
	}
	return ts
}

// DecodeCookieTimestamp recovers the options from the TSecr of the ACK that
// completes a cookie handshake. Call it only after Check accepted the cookie
// and only if the ACK carries timestamps; without them the connection has
// neither window scaling nor SACK.
func DecodeCookieTimestamp(tsEcr uint32) CookieOptions {
	var o CookieOptions
	if s := tsEcr & cookieTSScaleMask; s != cookieTSNoScale {
		// Every 4-bit value is meaningful (0-14 a shift, 15 none), so even
		// a forged echo cannot claim a shift above 14.
		o.WindowScale, o.HasWindowScale = uint8(s), true
	}
	o.SACKPermitted = tsEcr&cookieTSSACK != 0
	return o
}
