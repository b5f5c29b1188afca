package wire

import (
	"encoding/binary"
	"net/netip"
)

// TCPHeaderLen is the length of a TCP header without options.
const TCPHeaderLen = 20

// TCPMaxHeaderLen is the longest TCP header: data offset 15, 40 bytes of options.
const TCPMaxHeaderLen = 60

// TCPPacket is a view of a TCP segment (RFC 9293), header first. The
// segment is the whole slice: TCP has no length field of its own, so the
// caller passes the IPv4 payload.
type TCPPacket []byte

// NewTCPPacket checks a TCP header and returns b as a segment view. It
// returns ErrTruncated if b is shorter than 20 bytes, ErrBadHeaderLen if the
// data offset is below 5 words, and ErrTruncated if b is shorter than the
// data offset says. Options are not looked at here (see TCPOptions.Parse),
// and the checksum is not verified.
func NewTCPPacket(b []byte) (TCPPacket, error) {
	if len(b) < TCPHeaderLen {
		return nil, ErrTruncated
	}
	p := TCPPacket(b)
	hl := p.HeaderLen()
	if hl < TCPHeaderLen {
		return nil, ErrBadHeaderLen
	}
	if hl > len(b) {
		return nil, ErrTruncated
	}
	return p, nil
}

// SrcPort returns the source port.
func (p TCPPacket) SrcPort() uint16 { return binary.BigEndian.Uint16(p[0:2]) }

// DstPort returns the destination port.
func (p TCPPacket) DstPort() uint16 { return binary.BigEndian.Uint16(p[2:4]) }

// Seq returns the sequence number.
func (p TCPPacket) Seq() uint32 { return binary.BigEndian.Uint32(p[4:8]) }

// Ack returns the acknowledgment number, meaningful when TCPAck is set.
func (p TCPPacket) Ack() uint32 { return binary.BigEndian.Uint32(p[8:12]) }

// HeaderLen returns the data offset in bytes, options included.
func (p TCPPacket) HeaderLen() int { return int(p[12]>>4) * 4 }

// Reserved returns the four bits between the data offset and the flags,
// which senders set to zero.
func (p TCPPacket) Reserved() uint8 { return p[12] & 0x0f }

// Flags returns the control bits.
func (p TCPPacket) Flags() TCPFlags { return TCPFlags(p[13]) }

// Window returns the window field, not yet scaled.
func (p TCPPacket) Window() uint16 { return binary.BigEndian.Uint16(p[14:16]) }

// Checksum returns the checksum field.
func (p TCPPacket) Checksum() uint16 { return binary.BigEndian.Uint16(p[16:18]) }

// Urgent returns the urgent pointer.
func (p TCPPacket) Urgent() uint16 { return binary.BigEndian.Uint16(p[18:20]) }

// hlen returns the data offset clamped to the slice and to the fixed
// header, so Options and Payload stay in bounds whatever a setter wrote.
func (p TCPPacket) hlen() int {
	return min(max(p.HeaderLen(), TCPHeaderLen), len(p))
}

// Options returns the raw options, between byte 20 and the data offset.
func (p TCPPacket) Options() []byte { return p[min(TCPHeaderLen, len(p)):p.hlen()] }

// Payload returns the bytes after the header.
func (p TCPPacket) Payload() []byte { return p[p.hlen():] }

func (p TCPPacket) sum(src, dst netip.Addr) uint16 {
	return Checksum(p, PseudoHeaderSumIPv4(src, dst, IPProtocolTCP, uint16(len(p))))
}

// VerifyChecksum reports whether the checksum over the whole slice, with the
// pseudo-header for src and dst, is correct.
func (p TCPPacket) VerifyChecksum(src, dst netip.Addr) bool { return p.sum(src, dst) == 0xffff }

// FillChecksum computes the checksum over the whole slice, with the
// pseudo-header for src and dst, and stores it.
func (p TCPPacket) FillChecksum(src, dst netip.Addr) {
	p.SetChecksum(0)
	p.SetChecksum(^p.sum(src, dst))
}

// SetSrcPort sets the source port.
func (p TCPPacket) SetSrcPort(port uint16) { binary.BigEndian.PutUint16(p[0:2], port) }

// SetDstPort sets the destination port.
func (p TCPPacket) SetDstPort(port uint16) { binary.BigEndian.PutUint16(p[2:4], port) }

// SetSeq sets the sequence number.
func (p TCPPacket) SetSeq(seq uint32) { binary.BigEndian.PutUint32(p[4:8], seq) }

// SetAck sets the acknowledgment number.
func (p TCPPacket) SetAck(ack uint32) { binary.BigEndian.PutUint32(p[8:12], ack) }

// SetHeaderLen sets the data offset from a length in bytes, a multiple of 4,
// and leaves the reserved bits alone.
func (p TCPPacket) SetHeaderLen(n int) { p[12] = uint8(n/4)<<4 | p[12]&0x0f }

// SetReserved sets the four reserved bits.
func (p TCPPacket) SetReserved(v uint8) { p[12] = p[12]&0xf0 | v&0x0f }

// SetFlags sets the control bits.
func (p TCPPacket) SetFlags(f TCPFlags) { p[13] = uint8(f) }

// SetWindow sets the window field.
func (p TCPPacket) SetWindow(w uint16) { binary.BigEndian.PutUint16(p[14:16], w) }

// SetChecksum sets the checksum field.
func (p TCPPacket) SetChecksum(c uint16) { binary.BigEndian.PutUint16(p[16:18], c) }

// SetUrgent sets the urgent pointer.
func (p TCPPacket) SetUrgent(u uint16) { binary.BigEndian.PutUint16(p[18:20], u) }

// TCPRepr holds the fields of a TCP header and the length of the payload
// that follows it.
type TCPRepr struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            TCPFlags
	Window           uint16
	Urgent           uint16
	Options          TCPOptions
	PayloadLen       int
}

// Parse reads a segment that NewTCPPacket accepted. With verifyChecksum it
// returns ErrBadChecksum if the checksum, taken for a segment from src to
// dst, is wrong. It returns ErrMalformed if the options are badly encoded.
func (r *TCPRepr) Parse(p TCPPacket, src, dst netip.Addr, verifyChecksum bool) error {
	if verifyChecksum && !p.VerifyChecksum(src, dst) {
		return ErrBadChecksum
	}
	r.SrcPort, r.DstPort = p.SrcPort(), p.DstPort()
	r.Seq, r.Ack = p.Seq(), p.Ack()
	r.Flags, r.Window, r.Urgent = p.Flags(), p.Window(), p.Urgent()
	r.PayloadLen = len(p.Payload())
	return r.Options.Parse(p.Options())
}

// HeaderLen returns the length of the header Emit writes: 20 + Options.Len().
func (r *TCPRepr) HeaderLen() int { return TCPHeaderLen + r.Options.Len() }

// Emit writes the header and options for a payload of PayloadLen bytes that
// the caller has already placed at b[HeaderLen():], and fills in the
// checksum for a segment from src to dst. b must hold at least
// HeaderLen()+PayloadLen bytes.
func (r *TCPRepr) Emit(b []byte, src, dst netip.Addr) {
	hl := r.HeaderLen()
	p := TCPPacket(b[:hl+r.PayloadLen])
	p.SetSrcPort(r.SrcPort)
	p.SetDstPort(r.DstPort)
	p.SetSeq(r.Seq)
	p.SetAck(r.Ack)
	p[12] = uint8(hl/4) << 4
	p.SetFlags(r.Flags)
	p.SetWindow(r.Window)
	p.SetUrgent(r.Urgent)
	r.Options.Emit(p[TCPHeaderLen:hl])
	p.FillChecksum(src, dst)
}
