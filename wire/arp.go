package wire

import (
	"encoding/binary"
	"net/netip"
)

// ARPLen is the length of an ARP packet for IPv4 over Ethernet (RFC 826).
const ARPLen = 28

// ARPOp is the ARP operation code.
type ARPOp uint16

// ARP operations.
const (
	ARPRequest ARPOp = 1
	ARPReply   ARPOp = 2
)

// ARP header values for IPv4 over Ethernet, the only kind handled here.
const (
	arpHTypeEthernet = 1
	arpHLenEthernet  = 6
	arpPLenIPv4      = 4
)

// ARPPacket is a view of an ARP packet for IPv4 over Ethernet.
type ARPPacket []byte

// NewARPPacket checks b and returns its first 28 bytes as an ARP packet
// view. It returns ErrTruncated if b is shorter than 28 bytes, and
// ErrUnsupported unless the hardware type is Ethernet (1) with 6-byte
// addresses and the protocol type is IPv4 (0x0800) with 4-byte addresses.
// Bytes past 28 are Ethernet padding and are dropped from the view.
func NewARPPacket(b []byte) (ARPPacket, error) {
	if len(b) < ARPLen {
		return nil, ErrTruncated
	}
	p := ARPPacket(b[:ARPLen])
	if p.HardwareType() != arpHTypeEthernet || p.ProtocolType() != EtherTypeIPv4 ||
		p.HardwareLen() != arpHLenEthernet || p.ProtocolLen() != arpPLenIPv4 {
		return nil, ErrUnsupported
	}
	return p, nil
}

// HardwareType returns the hardware address space (1 for Ethernet).
func (p ARPPacket) HardwareType() uint16 { return binary.BigEndian.Uint16(p[0:2]) }

// ProtocolType returns the protocol address space as an EtherType.
func (p ARPPacket) ProtocolType() EtherType { return EtherType(binary.BigEndian.Uint16(p[2:4])) }

// HardwareLen returns the length of a hardware address in bytes.
func (p ARPPacket) HardwareLen() uint8 { return p[4] }

// ProtocolLen returns the length of a protocol address in bytes.
func (p ARPPacket) ProtocolLen() uint8 { return p[5] }

// Op returns the operation.
func (p ARPPacket) Op() ARPOp { return ARPOp(binary.BigEndian.Uint16(p[6:8])) }

// SenderHW returns the sender's hardware address.
func (p ARPPacket) SenderHW() HardwareAddr { return HardwareAddr(p[8:14]) }

// SenderIP returns the sender's IPv4 address.
func (p ARPPacket) SenderIP() netip.Addr { return readAddr4(p[14:18]) }

// TargetHW returns the target's hardware address (zero in a request).
func (p ARPPacket) TargetHW() HardwareAddr { return HardwareAddr(p[18:24]) }

// TargetIP returns the target's IPv4 address.
func (p ARPPacket) TargetIP() netip.Addr { return readAddr4(p[24:28]) }

// SetHeader writes the hardware and protocol types and lengths of IPv4 over
// Ethernet.
func (p ARPPacket) SetHeader() {
	binary.BigEndian.PutUint16(p[0:2], arpHTypeEthernet)
	binary.BigEndian.PutUint16(p[2:4], uint16(EtherTypeIPv4))
	p[4], p[5] = arpHLenEthernet, arpPLenIPv4
}

// SetOp sets the operation.
func (p ARPPacket) SetOp(op ARPOp) { binary.BigEndian.PutUint16(p[6:8], uint16(op)) }

// SetSenderHW sets the sender's hardware address.
func (p ARPPacket) SetSenderHW(a HardwareAddr) { copy(p[8:14], a[:]) }

// SetSenderIP sets the sender's IPv4 address.
func (p ARPPacket) SetSenderIP(a netip.Addr) { putAddr4(p[14:18], a) }

// SetTargetHW sets the target's hardware address.
func (p ARPPacket) SetTargetHW(a HardwareAddr) { copy(p[18:24], a[:]) }

// SetTargetIP sets the target's IPv4 address.
func (p ARPPacket) SetTargetIP(a netip.Addr) { putAddr4(p[24:28], a) }

// ARPRepr holds the fields of an ARP packet for IPv4 over Ethernet.
type ARPRepr struct {
	Op       ARPOp
	SenderHW HardwareAddr
	SenderIP netip.Addr
	TargetHW HardwareAddr
	TargetIP netip.Addr
}

// Parse reads a packet that NewARPPacket accepted. The operation is not
// checked: a stack ignores what is neither a request nor a reply.
func (r *ARPRepr) Parse(p ARPPacket) {
	*r = ARPRepr{
		Op:       p.Op(),
		SenderHW: p.SenderHW(),
		SenderIP: p.SenderIP(),
		TargetHW: p.TargetHW(),
		TargetIP: p.TargetIP(),
	}
}

// Emit writes the 28-byte packet, types and lengths included, to b, which
// must be at least that long.
func (r *ARPRepr) Emit(b []byte) {
	p := ARPPacket(b[:ARPLen])
	p.SetHeader()
	p.SetOp(r.Op)
	p.SetSenderHW(r.SenderHW)
	p.SetSenderIP(r.SenderIP)
	p.SetTargetHW(r.TargetHW)
	p.SetTargetIP(r.TargetIP)
}
