package wire

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// Checksum returns the 16-bit one's-complement sum (RFC 1071) of b, taken as
// big-endian 16-bit words with an odd last byte padded by a zero, added to
// initial. The result is folded to 16 bits but not complemented: a header
// with a correct checksum field sums to 0xffff, and the value to store in an
// empty checksum field is the complement of the sum.
//
// initial lets a caller chain sums, for example a pseudo-header sum from
// PseudoHeaderSumIPv4; it may be any 32-bit value.
//
// The sum is taken 64 bits at a time: one's-complement addition is
// associative and commutative and 2^16-1 divides 2^64-1, so summing aligned
// 64-bit big-endian words with end-around carry and folding at the end gives
// the same 16-bit result as the word-by-word loop of RFC 1071, on any host.
func Checksum(b []byte, initial uint32) uint16 {
	acc := uint64(initial)
	var carry uint64
	for len(b) >= 32 {
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b[0:8]), carry)
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b[8:16]), carry)
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b[16:24]), carry)
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b[24:32]), carry)
		b = b[32:]
	}
	for len(b) >= 8 {
		acc, carry = bits.Add64(acc, binary.BigEndian.Uint64(b), carry)
		b = b[8:]
	}
	// The last 0..7 bytes, placed as if loaded from a zero-padded 8-byte word.
	// Only the 16-bit alignment of each byte matters, not its exact position.
	var tail uint64
	if len(b) >= 4 {
		tail = uint64(binary.BigEndian.Uint32(b)) << 32
		b = b[4:]
	}
	if len(b) >= 2 {
		tail |= uint64(binary.BigEndian.Uint16(b)) << 16
		b = b[2:]
	}
	if len(b) == 1 {
		tail |= uint64(b[0]) << 8
	}
	acc, carry = bits.Add64(acc, tail, carry)
	// End-around carry. It cannot overflow: a tail has at most 7 bytes, so
	// tail <= 2^64-256, and when the add above carried, acc <= 2^64-256.
	acc += carry
	return fold64(acc)
}

// fold64 reduces a 64-bit one's-complement sum to 16 bits.
func fold64(s uint64) uint16 {
	s = s>>32 + s&0xffffffff // at most 2^33-2
	s = s>>32 + s&0xffffffff // at most 2^32-1
	s = s>>16 + s&0xffff     // at most 0x1fffe
	s = s>>16 + s&0xffff     // at most 0xffff
	return uint16(s)
}

// PseudoHeaderSumIPv4 returns the unfolded sum of the IPv4 pseudo-header
// (RFC 9293 3.1, RFC 768) for a transport segment of length bytes, for use as
// Checksum's initial value. An address that is not IPv4 counts as 0.0.0.0.
func PseudoHeaderSumIPv4(src, dst netip.Addr, proto IPProtocol, length uint16) uint32 {
	s, d := addr4(src), addr4(dst)
	return uint32(binary.BigEndian.Uint16(s[0:2])) + uint32(binary.BigEndian.Uint16(s[2:4])) +
		uint32(binary.BigEndian.Uint16(d[0:2])) + uint32(binary.BigEndian.Uint16(d[2:4])) +
		uint32(proto) + uint32(length)
}

// UpdateChecksum returns a stored (complemented) checksum adjusted for one
// 16-bit field that changed from oldField to newField, by RFC 1624 eqn. 3:
// HC' = ~(~HC + ~m + m'). It saves summing a whole header again when a
// router decrements a TTL or a NAT rewrites a port.
func UpdateChecksum(checksum, oldField, newField uint16) uint16 {
	s := uint32(^checksum) + uint32(^oldField) + uint32(newField)
	return ^fold32(s)
}

// UpdateChecksum32 is UpdateChecksum for a 32-bit field such as an IPv4
// address or a TCP sequence number.
func UpdateChecksum32(checksum uint16, oldField, newField uint32) uint16 {
	s := uint32(^checksum) +
		uint32(^uint16(oldField>>16)) + uint32(^uint16(oldField)) +
		uint32(uint16(newField>>16)) + uint32(uint16(newField))
	return ^fold32(s)
}

// fold32 reduces a 32-bit one's-complement sum to 16 bits.
func fold32(s uint32) uint16 {
	s = s>>16 + s&0xffff
	s = s>>16 + s&0xffff
	return uint16(s)
}
