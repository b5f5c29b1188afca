package wire

import (
	"encoding/binary"
	"net/netip"
)

// UDPHeaderLen is the length of a UDP header.
const UDPHeaderLen = 8

// UDPPacket is a view of a UDP datagram (RFC 768), header first.
type UDPPacket []byte

// NewUDPPacket checks a UDP header and returns the datagram as a view that
// ends where the length field says. It returns ErrTruncated if b is shorter
// than 8 bytes or than the length field, and ErrBadLength if the length
// field is below 8. The checksum is not verified.
func NewUDPPacket(b []byte) (UDPPacket, error) {
	if len(b) < UDPHeaderLen {
		return nil, ErrTruncated
	}
	p := UDPPacket(b)
	n := p.Length()
	if n < UDPHeaderLen {
		return nil, ErrBadLength
	}
	if n > len(b) {
		return nil, ErrTruncated
	}
	return p[:n], nil
}

// SrcPort returns the source port.
func (p UDPPacket) SrcPort() uint16 { return binary.BigEndian.Uint16(p[0:2]) }

// DstPort returns the destination port.
func (p UDPPacket) DstPort() uint16 { return binary.BigEndian.Uint16(p[2:4]) }

// Length returns the length field: header plus payload.
func (p UDPPacket) Length() int { return int(binary.BigEndian.Uint16(p[4:6])) }

// Checksum returns the checksum field; 0 means the sender sent none.
func (p UDPPacket) Checksum() uint16 { return binary.BigEndian.Uint16(p[6:8]) }

// end returns the length field clamped to the slice and the header, so that
// Payload and the checksum stay in bounds whatever a setter wrote.
func (p UDPPacket) end() int { return min(max(p.Length(), UDPHeaderLen), len(p)) }

// Payload returns the bytes between the header and the length field's end.
func (p UDPPacket) Payload() []byte { return p[UDPHeaderLen:p.end()] }

// sum returns the one's-complement sum over the pseudo-header and datagram.
func (p UDPPacket) sum(src, dst netip.Addr) uint16 {
	n := p.end()
	return Checksum(p[:n], PseudoHeaderSumIPv4(src, dst, IPProtocolUDP, uint16(n)))
}

// VerifyChecksum reports whether the checksum is correct for a datagram
// from src to dst. A checksum field of 0 means none was sent and verifies.
func (p UDPPacket) VerifyChecksum(src, dst netip.Addr) bool {
	return p.Checksum() == 0 || p.sum(src, dst) == 0xffff
}

// FillChecksum computes the checksum for a datagram from src to dst and
// stores it. A computed 0 is sent as 0xffff, since 0 means "no checksum".
func (p UDPPacket) FillChecksum(src, dst netip.Addr) {
	p.SetChecksum(0)
	c := ^p.sum(src, dst)
	if c == 0 {
		c = 0xffff
	}
	p.SetChecksum(c)
}

// SetSrcPort sets the source port.
func (p UDPPacket) SetSrcPort(port uint16) { binary.BigEndian.PutUint16(p[0:2], port) }

// SetDstPort sets the destination port.
func (p UDPPacket) SetDstPort(port uint16) { binary.BigEndian.PutUint16(p[2:4], port) }

// SetLength sets the length field.
func (p UDPPacket) SetLength(n int) { binary.BigEndian.PutUint16(p[4:6], uint16(n)) }

// SetChecksum sets the checksum field.
func (p UDPPacket) SetChecksum(c uint16) { binary.BigEndian.PutUint16(p[6:8], c) }

// UDPRepr holds the fields of a UDP header that are not derived from the
// payload.
type UDPRepr struct {
	SrcPort, DstPort uint16
}

// Parse reads a datagram that NewUDPPacket accepted. With verifyChecksum it
// returns ErrBadChecksum if the checksum, taken for a datagram from src to
// dst, is wrong; a datagram sent without a checksum passes.
func (r *UDPRepr) Parse(p UDPPacket, src, dst netip.Addr, verifyChecksum bool) error {
	if verifyChecksum && !p.VerifyChecksum(src, dst) {
		return ErrBadChecksum
	}
	r.SrcPort, r.DstPort = p.SrcPort(), p.DstPort()
	return nil
}

// Emit writes the 8-byte header for a payload of payloadLen bytes that the
// caller has already placed at b[8:8+payloadLen], and fills in the checksum
// for a datagram from src to dst. b must hold at least 8+payloadLen bytes,
// and 8+payloadLen must fit the 16-bit length field.
func (r *UDPRepr) Emit(b []byte, payloadLen int, src, dst netip.Addr) {
	p := UDPPacket(b[:UDPHeaderLen+payloadLen])
	p.SetSrcPort(r.SrcPort)
	p.SetDstPort(r.DstPort)
	p.SetLength(len(p))
	p.FillChecksum(src, dst)
}
