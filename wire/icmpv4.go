package wire

import "encoding/binary"

// ICMPv4Type is the type of an ICMPv4 message (RFC 792).
type ICMPv4Type uint8

// ICMPv4 message types that have a Repr.
const (
	ICMPv4EchoReply       ICMPv4Type = 0
	ICMPv4DestUnreachable ICMPv4Type = 3
	ICMPv4EchoRequest     ICMPv4Type = 8
	ICMPv4TimeExceeded    ICMPv4Type = 11
)

// Codes of ICMPv4DestUnreachable.
const (
	ICMPv4CodeNetUnreachable   = 0
	ICMPv4CodeHostUnreachable  = 1
	ICMPv4CodeProtoUnreachable = 2
	ICMPv4CodePortUnreachable  = 3
	ICMPv4CodeFragNeeded       = 4 // carries the next-hop MTU (RFC 1191)
)

// ICMPv4HeaderLen is the length of the ICMPv4 header: type, code, checksum
// and the 4-byte rest-of-header whose meaning depends on the type.
const ICMPv4HeaderLen = 8

// ICMPv4Packet is a view of an ICMPv4 message.
type ICMPv4Packet []byte

// NewICMPv4Packet returns b as an ICMPv4 message view, or ErrTruncated if b
// is shorter than 8 bytes. The checksum is not verified.
func NewICMPv4Packet(b []byte) (ICMPv4Packet, error) {
	if len(b) < ICMPv4HeaderLen {
		return nil, ErrTruncated
	}
	return ICMPv4Packet(b), nil
}

// Type returns the message type.
func (p ICMPv4Packet) Type() ICMPv4Type { return ICMPv4Type(p[0]) }

// Code returns the message code.
func (p ICMPv4Packet) Code() uint8 { return p[1] }

// Checksum returns the checksum field.
func (p ICMPv4Packet) Checksum() uint16 { return binary.BigEndian.Uint16(p[2:4]) }

// EchoID returns the identifier of an echo request or reply.
func (p ICMPv4Packet) EchoID() uint16 { return binary.BigEndian.Uint16(p[4:6]) }

// EchoSeq returns the sequence number of an echo request or reply.
func (p ICMPv4Packet) EchoSeq() uint16 { return binary.BigEndian.Uint16(p[6:8]) }

// NextHopMTU returns the MTU of a "fragmentation needed" message (RFC 1191).
func (p ICMPv4Packet) NextHopMTU() uint16 { return binary.BigEndian.Uint16(p[6:8]) }

// Data returns everything after the 8-byte header: an echo's payload, or
// the leading bytes of the datagram an error message is about.
func (p ICMPv4Packet) Data() []byte { return p[ICMPv4HeaderLen:] }

// VerifyChecksum reports whether the checksum over the whole message is correct.
func (p ICMPv4Packet) VerifyChecksum() bool { return Checksum(p, 0) == 0xffff }

// FillChecksum computes the checksum over the whole message and stores it.
func (p ICMPv4Packet) FillChecksum() {
	p.SetChecksum(0)
	p.SetChecksum(^Checksum(p, 0))
}

// SetType sets the message type.
func (p ICMPv4Packet) SetType(t ICMPv4Type) { p[0] = uint8(t) }

// SetCode sets the message code.
func (p ICMPv4Packet) SetCode(c uint8) { p[1] = c }

// SetChecksum sets the checksum field.
func (p ICMPv4Packet) SetChecksum(c uint16) { binary.BigEndian.PutUint16(p[2:4], c) }

// SetEchoID sets the identifier of an echo request or reply.
func (p ICMPv4Packet) SetEchoID(id uint16) { binary.BigEndian.PutUint16(p[4:6], id) }

// SetEchoSeq sets the sequence number of an echo request or reply.
func (p ICMPv4Packet) SetEchoSeq(seq uint16) { binary.BigEndian.PutUint16(p[6:8], seq) }

// SetNextHopMTU sets the MTU of a "fragmentation needed" message.
func (p ICMPv4Packet) SetNextHopMTU(mtu uint16) { binary.BigEndian.PutUint16(p[6:8], mtu) }

// ICMPv4Repr holds an echo request or reply, a destination unreachable or a
// time exceeded message.
type ICMPv4Repr struct {
	Type    ICMPv4Type
	Code    uint8
	ID, Seq uint16 // echo request and reply only
	MTU     uint16 // destination unreachable, code ICMPv4CodeFragNeeded only
	Data    []byte // echo payload, or the start of the offending datagram
}

// Parse reads a message that NewICMPv4Packet accepted; Data aliases p. With
// verifyChecksum it returns ErrBadChecksum if the checksum is wrong. Types
// other than those named in ICMPv4Repr return ErrUnsupported, because their
// rest-of-header (a redirect's gateway, a parameter problem's pointer) has
// nowhere to go.
func (r *ICMPv4Repr) Parse(p ICMPv4Packet, verifyChecksum bool) error {
	if verifyChecksum && !p.VerifyChecksum() {
		return ErrBadChecksum
	}
	*r = ICMPv4Repr{Type: p.Type(), Code: p.Code(), Data: p.Data()}
	switch r.Type {
	case ICMPv4EchoRequest, ICMPv4EchoReply:
		r.ID, r.Seq = p.EchoID(), p.EchoSeq()
	case ICMPv4DestUnreachable:
		if r.Code == ICMPv4CodeFragNeeded {
			r.MTU = p.NextHopMTU()
		}
	case ICMPv4TimeExceeded:
	default:
		return ErrUnsupported
	}
	return nil
}

// Len returns the length of the message Emit writes: 8 + len(Data).
func (r *ICMPv4Repr) Len() int { return ICMPv4HeaderLen + len(r.Data) }

// Emit writes the message, Data included, to b, which must be at least Len
// bytes long, fills in the checksum and returns Len. Data may overlap b, as
// when an echo reply is built in the request's buffer: it is moved before
// the header is written.
func (r *ICMPv4Repr) Emit(b []byte) int {
	n := r.Len()
	p := ICMPv4Packet(b[:n])
	copy(p[ICMPv4HeaderLen:], r.Data)
	p.SetType(r.Type)
	p.SetCode(r.Code)
	binary.BigEndian.PutUint32(p[4:8], 0)
	switch r.Type {
	case ICMPv4EchoRequest, ICMPv4EchoReply:
		p.SetEchoID(r.ID)
		p.SetEchoSeq(r.Seq)
	case ICMPv4DestUnreachable:
		if r.Code == ICMPv4CodeFragNeeded {
			p.SetNextHopMTU(r.MTU)
		}
	}
	p.FillChecksum()
	return n
}
