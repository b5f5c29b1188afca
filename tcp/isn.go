package tcp

import (
	"crypto/rand"
	"encoding/binary"
	"math/bits"
	"net/netip"

	"github.com/seed947b3480/legation/reactor"
)

// ISNGenerator chooses initial sequence numbers as RFC 6528 asks:
//
//	ISN = M + F(localip, localport, remoteip, remoteport, secretkey)
//
// where M is a timer that ticks every 4 microseconds and F is a keyed hash.
// M makes the ISNs of one 4-tuple climb with time, so a new incarnation of
// a connection starts above the old one's sequence numbers (RFC 9293 3.4.1);
// F gives every 4-tuple its own offset that an off-path attacker cannot
// compute, so it cannot guess the numbers of a connection it does not see.
//
// F is SipHash-2-4 (Aumasson and Bernstein, 2012) truncated to 32 bits,
// the choice Linux made in 2017 (net/core/secure_seq.c) for the same job.
// SipHash is a pseudorandom function built for short inputs: the 12 bytes of
// an IPv4 4-tuple are two compression rounds, tens of nanoseconds, with no
// allocation and no state beyond the 128-bit key. HMAC-SHA256 would be as
// unpredictable but about ten times slower, and the standard library's
// crypto/hmac allocates; the SipHash below is a few dozen lines checked
// against the reference implementation's test vectors.
//
// The zero value has an all-zero key and so is predictable: make one with
// NewISNGenerator, or with NewISNGeneratorKey in tests.
type ISNGenerator struct {
	k0, k1 uint64
}

// isnTick is the period of M, the 4-microsecond clock of RFC 6528 (and of
// RFC 793 before it): 2^32 ticks take about 4.77 hours to wrap.
const isnTick = 4000 // nanoseconds

// NewISNGenerator returns a generator with a 128-bit key from crypto/rand,
// as RFC 6528 section 3 recommends.
func NewISNGenerator() ISNGenerator {
	var key [16]byte
	rand.Read(key[:]) // never fails: it crashes the program instead (Go 1.24)
	return NewISNGeneratorKey(key)
}

// NewISNGeneratorKey returns a generator with the given key, for tests and
// for a caller that manages its own secrets.
func NewISNGeneratorKey(key [16]byte) ISNGenerator {
	return ISNGenerator{
		k0: binary.LittleEndian.Uint64(key[0:8]),
		k1: binary.LittleEndian.Uint64(key[8:16]),
	}
}

// ISN returns the initial sequence number for a connection from local to
// remote opened at instant now. IPv4-mapped IPv6 addresses count as their
// IPv4 form. It does not allocate.
func (g ISNGenerator) ISN(now reactor.Instant, local, remote netip.AddrPort) Seq {
	var msg [36]byte
	n := putTuple(msg[:], local, remote)
	return Seq(isnClock(now) + uint32(sipHash24(g.k0, g.k1, msg[:n])))
}

// isnClock returns M at now: whole 4-microsecond ticks since the clock's
// epoch, rounded down for instants before it too, so M never steps back.
func isnClock(now reactor.Instant) uint32 {
	q := int64(now) / isnTick
	if int64(now)%isnTick < 0 {
		q--
	}
	return uint32(q)
}

// putTuple writes the hashed message into b: local address, local port,
// remote address, remote port, ports big-endian. An IPv4 pair takes 12
// bytes, any other 36, so the two families cannot produce the same message.
// It returns the length written.
func putTuple(b []byte, local, remote netip.AddrPort) int {
	la, ra := local.Addr().Unmap(), remote.Addr().Unmap()
	if la.Is4() && ra.Is4() {
		l4, r4 := la.As4(), ra.As4()
		copy(b[0:4], l4[:])
		binary.BigEndian.PutUint16(b[4:6], local.Port())
		copy(b[6:10], r4[:])
		binary.BigEndian.PutUint16(b[10:12], remote.Port())
		return 12
	}
	l16, r16 := la.As16(), ra.As16()
	copy(b[0:16], l16[:])
	binary.BigEndian.PutUint16(b[16:18], local.Port())
	copy(b[18:34], r16[:])
	binary.BigEndian.PutUint16(b[34:36], remote.Port())
	return 36
}

// sipHash24 returns SipHash-2-4 of p under the key (k0, k1), the key's
// bytes read little-endian as in the reference implementation. It does not
// allocate.
func sipHash24(k0, k1 uint64, p []byte) uint64 {
	v0 := k0 ^ 0x736f6d6570736575 // "somepseudorandomlygeneratedbytes"
	v1 := k1 ^ 0x646f72616e646f6d
	v2 := k0 ^ 0x6c7967656e657261
	v3 := k1 ^ 0x7465646279746573

	// The last word holds the message length mod 256 in its top byte and
	// the 0 to 7 trailing bytes below it.
	last := uint64(len(p)) << 56
	for ; len(p) >= 8; p = p[8:] {
		m := binary.LittleEndian.Uint64(p)
		v3 ^= m
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
		v0 ^= m
	}
	for i, c := range p {
		last |= uint64(c) << (8 * i)
	}
	v3 ^= last
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	v0 ^= last

	v2 ^= 0xff
	for range 4 {
		v0, v1, v2, v3 = sipRound(v0, v1, v2, v3)
	}
	return v0 ^ v1 ^ v2 ^ v3
}

// sipRound is one SipRound of the SipHash paper's figure 2.
func sipRound(v0, v1, v2, v3 uint64) (uint64, uint64, uint64, uint64) {
	v0 += v1
	v1 = bits.RotateLeft64(v1, 13)
	v1 ^= v0
	v0 = bits.RotateLeft64(v0, 32)
	v2 += v3
	v3 = bits.RotateLeft64(v3, 16)
	v3 ^= v2
	v0 += v3
	v3 = bits.RotateLeft64(v3, 21)
	v3 ^= v0
	v2 += v1
	v1 = bits.RotateLeft64(v1, 17)
	v1 ^= v2
	v2 = bits.RotateLeft64(v2, 32)
	return v0, v1, v2, v3
}
