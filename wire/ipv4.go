package wire

import (
	"encoding/binary"
	"net/netip"
)

// IPProtocol is the protocol number in an IPv4 header.
type IPProtocol uint8

// IP protocol numbers legation handles.
const (
	IPProtocolICMP IPProtocol = 1
	IPProtocolTCP  IPProtocol = 6
	IPProtocolUDP  IPProtocol = 17
)

// IPv4HeaderLen is the length of an IPv4 header without options.
const IPv4HeaderLen = 20

const (
	ipv4FlagDontFrag  = 0x4000
	ipv4FlagMoreFrags = 0x2000
	ipv4FragOffMask   = 0x1fff
)

// IPv4Packet is a view of an IPv4 packet (RFC 791), header first.
type IPv4Packet []byte

// NewIPv4Packet checks an IPv4 header and returns the packet as a view that
// ends where the total length says. It returns
//   - ErrTruncated if b is shorter than 20 bytes,
//   - ErrBadVersion if the version is not 4,
//   - ErrBadHeaderLen if the IHL is below 5,
//   - ErrTruncated if b is shorter than the header length,
//   - ErrBadLength if the total length is below the header length,
//   - ErrTruncated if b is shorter than the total length.
//
// Bytes past the total length, such as Ethernet padding, are allowed and are
// cut off the view. The checksum is not verified (see VerifyChecksum), and a
// fragment is accepted: the caller decides what to do with MoreFrags and
// FragOffset.
func NewIPv4Packet(b []byte) (IPv4Packet, error) {
	if len(b) < IPv4HeaderLen {
		return nil, ErrTruncated
	}
	p := IPv4Packet(b)
	if p.Version() != 4 {
		return nil, ErrBadVersion
	}
	hl := p.HeaderLen()
	if hl < IPv4HeaderLen {
		return nil, ErrBadHeaderLen
	}
	if hl > len(b) {
		return nil, ErrTruncated
	}
	tl := p.TotalLen()
	if tl < hl {
		return nil, ErrBadLength
	}
	if tl > len(b) {
		return nil, ErrTruncated
	}
	return p[:tl], nil
}

// Version returns the IP version field.
func (p IPv4Packet) Version() uint8 { return p[0] >> 4 }

// HeaderLen returns the header length in bytes, options included.
func (p IPv4Packet) HeaderLen() int { return int(p[0]&0x0f) * 4 }

// TOS returns the type-of-service byte (DSCP and ECN).
func (p IPv4Packet) TOS() uint8 { return p[1] }

// TotalLen returns the total length field: header plus payload.
func (p IPv4Packet) TotalLen() int { return int(binary.BigEndian.Uint16(p[2:4])) }

// ID returns the identification field.
func (p IPv4Packet) ID() uint16 { return binary.BigEndian.Uint16(p[4:6]) }

func (p IPv4Packet) flagsFrag() uint16 { return binary.BigEndian.Uint16(p[6:8]) }

// DontFrag reports whether the DF flag is set.
func (p IPv4Packet) DontFrag() bool { return p.flagsFrag()&ipv4FlagDontFrag != 0 }

// MoreFrags reports whether the MF flag is set.
func (p IPv4Packet) MoreFrags() bool { return p.flagsFrag()&ipv4FlagMoreFrags != 0 }

// FragOffset returns the fragment offset in bytes.
func (p IPv4Packet) FragOffset() int { return int(p.flagsFrag()&ipv4FragOffMask) * 8 }

// IsFragment reports whether p is a fragment of a larger datagram: MF set or
// a nonzero offset.
func (p IPv4Packet) IsFragment() bool {
	return p.flagsFrag()&(ipv4FlagMoreFrags|ipv4FragOffMask) != 0
}

// TTL returns the time to live.
func (p IPv4Packet) TTL() uint8 { return p[8] }

// Protocol returns the protocol of the payload.
func (p IPv4Packet) Protocol() IPProtocol { return IPProtocol(p[9]) }

// HeaderChecksum returns the checksum field.
func (p IPv4Packet) HeaderChecksum() uint16 { return binary.BigEndian.Uint16(p[10:12]) }

// Src returns the source address.
func (p IPv4Packet) Src() netip.Addr { return readAddr4(p[12:16]) }

// Dst returns the destination address.
func (p IPv4Packet) Dst() netip.Addr { return readAddr4(p[16:20]) }

// span returns the header length and the total length clamped to the slice
// and to each other, so that Options and Payload stay in bounds even after
// setters wrote inconsistent lengths.
func (p IPv4Packet) span() (hl, tl int) {
	tl = min(p.TotalLen(), len(p))
	hl = min(p.HeaderLen(), tl)
	return hl, tl
}

// Options returns the raw options, between byte 20 and the header length.
func (p IPv4Packet) Options() []byte {
	hl, _ := p.span()
	return p[min(IPv4HeaderLen, hl):hl]
}

// Payload returns the bytes between the header length and the total length.
func (p IPv4Packet) Payload() []byte {
	hl, tl := p.span()
	return p[hl:tl]
}

// VerifyChecksum reports whether the header checksum is correct.
func (p IPv4Packet) VerifyChecksum() bool {
	hl, _ := p.span()
	return Checksum(p[:hl], 0) == 0xffff
}

// SetVersion sets the version field, leaving the header length alone.
func (p IPv4Packet) SetVersion(v uint8) { p[0] = v<<4 | p[0]&0x0f }

// SetHeaderLen sets the IHL from a length in bytes, a multiple of 4.
func (p IPv4Packet) SetHeaderLen(n int) { p[0] = p[0]&0xf0 | uint8(n/4)&0x0f }

// SetTOS sets the type-of-service byte.
func (p IPv4Packet) SetTOS(tos uint8) { p[1] = tos }

// SetTotalLen sets the total length field.
func (p IPv4Packet) SetTotalLen(n int) { binary.BigEndian.PutUint16(p[2:4], uint16(n)) }

// SetID sets the identification field.
func (p IPv4Packet) SetID(id uint16) { binary.BigEndian.PutUint16(p[4:6], id) }

func (p IPv4Packet) setFlag(mask uint16, on bool) {
	v := p.flagsFrag() &^ mask
	if on {
		v |= mask
	}
	binary.BigEndian.PutUint16(p[6:8], v)
}

// SetDontFrag sets or clears the DF flag.
func (p IPv4Packet) SetDontFrag(on bool) { p.setFlag(ipv4FlagDontFrag, on) }

// SetMoreFrags sets or clears the MF flag.
func (p IPv4Packet) SetMoreFrags(on bool) { p.setFlag(ipv4FlagMoreFrags, on) }

// SetFragOffset sets the fragment offset from a byte count, a multiple of 8.
func (p IPv4Packet) SetFragOffset(n int) {
	v := p.flagsFrag()&^ipv4FragOffMask | uint16(n/8)&ipv4FragOffMask
	binary.BigEndian.PutUint16(p[6:8], v)
}

// SetTTL sets the time to live. It does not touch the checksum; see
// DecrementTTL for the forwarding case.
func (p IPv4Packet) SetTTL(ttl uint8) { p[8] = ttl }

// SetProtocol sets the protocol of the payload.
func (p IPv4Packet) SetProtocol(proto IPProtocol) { p[9] = uint8(proto) }

// SetHeaderChecksum sets the checksum field.
func (p IPv4Packet) SetHeaderChecksum(c uint16) { binary.BigEndian.PutUint16(p[10:12], c) }

// SetSrc sets the source address.
func (p IPv4Packet) SetSrc(a netip.Addr) { putAddr4(p[12:16], a) }

// SetDst sets the destination address.
func (p IPv4Packet) SetDst(a netip.Addr) { putAddr4(p[16:20], a) }

// FillChecksum computes the header checksum over HeaderLen bytes and stores it.
func (p IPv4Packet) FillChecksum() {
	p.SetHeaderChecksum(0)
	hl, _ := p.span()
	p.SetHeaderChecksum(^Checksum(p[:hl], 0))
}

// DecrementTTL lowers the TTL by one and adjusts the checksum incrementally
// (RFC 1624), as a router does. A TTL of zero is left alone: a packet with
// TTL 0 or 1 must not be forwarded, which the caller checks first.
func (p IPv4Packet) DecrementTTL() {
	ttl := p.TTL()
	if ttl == 0 {
		return
	}
	old := binary.BigEndian.Uint16(p[8:10]) // TTL and protocol share a 16-bit word
	p[8] = ttl - 1
	p.SetHeaderChecksum(UpdateChecksum(p.HeaderChecksum(), old, binary.BigEndian.Uint16(p[8:10])))
}

// IPv4Repr holds the IPv4 header fields a stack acts on. It has no options
// and no fragmentation fields: legation neither sends options nor
// fragments.
type IPv4Repr struct {
	Src, Dst   netip.Addr
	Protocol   IPProtocol
	TTL        uint8
	TOS        uint8
	ID         uint16
	DontFrag   bool
	PayloadLen int
}

// Parse reads a packet that NewIPv4Packet accepted, skipping its options.
// With verifyChecksum it returns ErrBadChecksum if the header checksum is
// wrong. A fragment parses like any packet: PayloadLen is the fragment's,
// and the caller checks p.IsFragment.
func (r *IPv4Repr) Parse(p IPv4Packet, verifyChecksum bool) error {
	if verifyChecksum && !p.VerifyChecksum() {
		return ErrBadChecksum
	}
	hl, tl := p.span()
	*r = IPv4Repr{
		Src:        p.Src(),
		Dst:        p.Dst(),
		Protocol:   p.Protocol(),
		TTL:        p.TTL(),
		TOS:        p.TOS(),
		ID:         p.ID(),
		DontFrag:   p.DontFrag(),
		PayloadLen: tl - hl,
	}
	return nil
}

// BufferLen returns the length of the packet Emit describes: the 20-byte
// header plus PayloadLen.
func (r *IPv4Repr) BufferLen() int { return IPv4HeaderLen + r.PayloadLen }

// Emit writes a 20-byte header without options to b, which must be at least
// that long, with total length 20+PayloadLen and the checksum filled in. The
// payload is the caller's to place at b[20:].
func (r *IPv4Repr) Emit(b []byte) {
	p := IPv4Packet(b[:IPv4HeaderLen])
	p[0] = 4<<4 | IPv4HeaderLen/4
	p.SetTOS(r.TOS)
	p.SetTotalLen(r.BufferLen())
	p.SetID(r.ID)
	var ff uint16
	if r.DontFrag {
		ff = ipv4FlagDontFrag
	}
	binary.BigEndian.PutUint16(p[6:8], ff)
	p.SetTTL(r.TTL)
	p.SetProtocol(r.Protocol)
	p.SetSrc(r.Src)
	p.SetDst(r.Dst)
	p.FillChecksum()
}
