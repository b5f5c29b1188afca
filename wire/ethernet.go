package wire

import "encoding/binary"

// HardwareAddr is an IEEE 802 MAC-48 address. Unlike net.HardwareAddr it is
// an array: comparable, usable as a map key, and free to copy.
type HardwareAddr [6]byte

// BroadcastHW is the Ethernet broadcast address.
var BroadcastHW = HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// String returns the address as "xx:xx:xx:xx:xx:xx". It is for humans and
// allocates; use AppendTo on hot paths.
func (a HardwareAddr) String() string {
	var buf [17]byte
	return string(a.AppendTo(buf[:0]))
}

// AppendTo appends the "xx:xx:xx:xx:xx:xx" form of a to b.
func (a HardwareAddr) AppendTo(b []byte) []byte {
	const hexDigits = "0123456789abcdef"
	for i, c := range a {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&0x0f])
	}
	return b
}

// IsBroadcast reports whether a is ff:ff:ff:ff:ff:ff.
func (a HardwareAddr) IsBroadcast() bool { return a == BroadcastHW }

// IsMulticast reports whether the group bit is set; broadcast is multicast too.
func (a HardwareAddr) IsMulticast() bool { return a[0]&0x01 != 0 }

// IsZero reports whether a is 00:00:00:00:00:00, as in an ARP request's
// target hardware address.
func (a HardwareAddr) IsZero() bool { return a == HardwareAddr{} }

// EtherType is the protocol number in an Ethernet II header.
type EtherType uint16

// EtherTypes of the protocols legation knows.
const (
	EtherTypeIPv4 EtherType = 0x0800
	EtherTypeARP  EtherType = 0x0806
	EtherTypeIPv6 EtherType = 0x86DD
)

// EthernetHeaderLen is the length of an Ethernet II header without a VLAN tag.
const EthernetHeaderLen = 14

// EthernetFrame is a view of an Ethernet II frame, header first. The frame
// check sequence is not part of it: devices strip it.
type EthernetFrame []byte

// NewEthernetFrame checks that b holds an Ethernet II header and returns it
// as a frame view. It returns ErrTruncated if b is shorter than 14 bytes.
// It does not look at the EtherType: 802.1Q tags and 802.3 length fields
// show up as EtherTypes the caller does not know.
func NewEthernetFrame(b []byte) (EthernetFrame, error) {
	if len(b) < EthernetHeaderLen {
		return nil, ErrTruncated
	}
	return EthernetFrame(b), nil
}

// Dst returns the destination address.
func (f EthernetFrame) Dst() HardwareAddr { return HardwareAddr(f[0:6]) }

// Src returns the source address.
func (f EthernetFrame) Src() HardwareAddr { return HardwareAddr(f[6:12]) }

// EtherType returns the protocol of the payload.
func (f EthernetFrame) EtherType() EtherType {
	return EtherType(binary.BigEndian.Uint16(f[12:14]))
}

// Payload returns everything after the header, including any padding a
// short frame was sent with; the payload's own length field (IPv4 total
// length, for one) says where it ends.
func (f EthernetFrame) Payload() []byte { return f[EthernetHeaderLen:] }

// SetDst sets the destination address.
func (f EthernetFrame) SetDst(a HardwareAddr) { copy(f[0:6], a[:]) }

// SetSrc sets the source address.
func (f EthernetFrame) SetSrc(a HardwareAddr) { copy(f[6:12], a[:]) }

// SetEtherType sets the protocol of the payload.
func (f EthernetFrame) SetEtherType(t EtherType) {
	binary.BigEndian.PutUint16(f[12:14], uint16(t))
}

// EthernetRepr holds the fields of an Ethernet II header.
type EthernetRepr struct {
	Dst, Src  HardwareAddr
	EtherType EtherType
}

// Parse reads the header of a frame that NewEthernetFrame accepted.
func (r *EthernetRepr) Parse(f EthernetFrame) {
	r.Dst, r.Src, r.EtherType = f.Dst(), f.Src(), f.EtherType()
}

// Emit writes the 14-byte header to b, which must be at least that long.
func (r *EthernetRepr) Emit(b []byte) {
	f := EthernetFrame(b[:EthernetHeaderLen])
	f.SetDst(r.Dst)
	f.SetSrc(r.Src)
	f.SetEtherType(r.EtherType)
}
