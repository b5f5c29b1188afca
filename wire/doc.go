// Package wire reads and writes the packet formats that legation puts on the
// wire — Ethernet II, ARP for IPv4 over Ethernet, IPv4, ICMPv4, UDP, TCP
// with its options, DHCPv4 with its options, and NTPv4 — and computes the
// Internet checksum. DNS messages are not here: package dns uses
// golang.org/x/net/dns/dnsmessage, which is allocation-free as used there.
//
// Every format has two levels, after smoltcp and gVisor:
//
//   - A view type over []byte (EthernetFrame, ARPPacket, IPv4Packet,
//     ICMPv4Packet, UDPPacket, TCPPacket, DHCPv4Packet, NTPPacket) with an accessor and a setter per
//     field. Its checked constructor (NewEthernetFrame, ...) validates
//     untrusted input; once the constructor has succeeded, no accessor of the
//     returned view panics, whatever the bytes say. Setters write fields
//     blindly: building a packet is the caller's business.
//   - A Repr struct with the fields a stack acts on. Its Parse reads a
//     checked view and its Emit writes the same fields back, so that parsing
//     what Emit wrote gives the Repr that was emitted.
//
// Nothing here allocates on a per-packet path: views are slices of the
// caller's buffer, addresses are netip.Addr values, errors are constants of
// type Error. Multi-byte fields are read and written with
// encoding/binary.BigEndian, so the package works the same on big- and
// little-endian, 32- and 64-bit targets.
//
// What wire does not do: it keeps no state and makes no decisions. It does
// not reassemble IPv4 fragments, resolve addresses, route, track TCP
// sequence numbers, or choose what to answer; it checks checksums only when
// asked, because a device may have checked them already. IPv6 is not here
// yet.
package wire
