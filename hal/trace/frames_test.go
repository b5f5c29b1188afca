package trace

import (
	"net/netip"

	"github.com/seed947b3480/legation/wire"
)

// Frame builders for the tests. They use wire's emitters, so the frames are
// what the stack will really send, and the expected summaries are written
// from the values put in, never from Summary's output.

var (
	macA  = wire.HardwareAddr{2, 0, 0, 0, 0, 1}
	macB  = wire.HardwareAddr{2, 0, 0, 0, 0, 2}
	ipA   = netip.MustParseAddr("10.0.0.1")
	ipB   = netip.MustParseAddr("10.0.0.2")
	bcast = wire.BroadcastHW
)

func ether(dst, src wire.HardwareAddr, et wire.EtherType, payload []byte) []byte {
	f := make([]byte, wire.EthernetHeaderLen+len(payload))
	r := wire.EthernetRepr{Dst: dst, Src: src, EtherType: et}
	r.Emit(f)
	copy(f[wire.EthernetHeaderLen:], payload)
	return f
}

func ipv4(src, dst netip.Addr, proto wire.IPProtocol, l4 []byte) []byte {
	b := make([]byte, wire.IPv4HeaderLen+len(l4))
	r := wire.IPv4Repr{Src: src, Dst: dst, Protocol: proto, TTL: 64, ID: 0x1234, DontFrag: true, PayloadLen: len(l4)}
	r.Emit(b)
	copy(b[wire.IPv4HeaderLen:], l4)
	return ether(macB, macA, wire.EtherTypeIPv4, b)
}

func icmp(r wire.ICMPv4Repr, src, dst netip.Addr) []byte {
	b := make([]byte, r.Len())
	r.Emit(b)
	return ipv4(src, dst, wire.IPProtocolICMP, b)
}

func udp(sport, dport uint16, payload []byte) []byte {
	b := make([]byte, wire.UDPHeaderLen+len(payload))
	copy(b[wire.UDPHeaderLen:], payload)
	r := wire.UDPRepr{SrcPort: sport, DstPort: dport}
	r.Emit(b, len(payload), ipA, ipB)
	return ipv4(ipA, ipB, wire.IPProtocolUDP, b)
}

func tcp(r wire.TCPRepr) []byte {
	b := make([]byte, r.HeaderLen()+r.PayloadLen)
	for i := r.HeaderLen(); i < len(b); i++ {
		b[i] = byte(i)
	}
	r.Emit(b, ipB, ipA)
	return ipv4(ipB, ipA, wire.IPProtocolTCP, b)
}

func arp(op wire.ARPOp, sha wire.HardwareAddr, spa netip.Addr, tha wire.HardwareAddr, tpa netip.Addr, dst wire.HardwareAddr) []byte {
	b := make([]byte, wire.ARPLen)
	r := wire.ARPRepr{Op: op, SenderHW: sha, SenderIP: spa, TargetHW: tha, TargetIP: tpa}
	r.Emit(b)
	return ether(dst, sha, wire.EtherTypeARP, b)
}

func pad(f []byte, n int) []byte {
	if len(f) >= n {
		return f
	}
	return append(f, make([]byte, n-len(f))...)
}

func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

// knownFrames pairs frames with the summary their contents call for.
func knownFrames() []struct {
	name, want string
	frame      []byte
} {
	synAck := wire.TCPRepr{SrcPort: 33000, DstPort: 40000, Seq: 9, Ack: 1001, Flags: wire.TCPSyn | wire.TCPAck, Window: 65535,
		Options: wire.TCPOptions{MSS: 1460, HasMSS: true, WindowScale: 7, HasWindowScale: true, SACKPermitted: true, HasTimestamps: true, TSVal: 5, TSEcr: 4}}
	syn := wire.TCPRepr{SrcPort: 33000, DstPort: 40000, Seq: 4294967295, Flags: wire.TCPSyn, Window: 1024}
	data := wire.TCPRepr{SrcPort: 33000, DstPort: 40000, Seq: 4294967246, Ack: 1001, Flags: wire.TCPPsh | wire.TCPAck, Window: 512, PayloadLen: 100}
	sack := wire.TCPRepr{SrcPort: 33000, DstPort: 40000, Seq: 10, Ack: 1001, Flags: wire.TCPAck, Window: 512,
		Options: wire.TCPOptions{NumSACK: 2, SACK: [4]wire.SACKBlock{{Left: 2001, Right: 3001}, {Left: 4001, Right: 5001}}}}
	fin := wire.TCPRepr{SrcPort: 33000, DstPort: 40000, Seq: 110, Ack: 1001, Flags: wire.TCPFin | wire.TCPAck, Window: 512}
	rst := wire.TCPRepr{SrcPort: 33000, DstPort: 40000, Seq: 0, Ack: 7, Flags: wire.TCPRst | wire.TCPAck}

	badUDP := udp(40000, 40001, seq(12))
	badUDP[len(badUDP)-1] ^= 0x40
	badIP := udp(40000, 40001, seq(12))
	badIP[14+8]-- // the TTL; the header checksum no longer matches
	frag := icmp(wire.ICMPv4Repr{Type: wire.ICMPv4EchoRequest, ID: 1, Seq: 1, Data: seq(16)}, ipA, ipB)
	frag[14+6] = 0x20 | 0x00 // more fragments
	frag[14+7] = 0xb9        // offset 185 * 8 = 1480
	fixIPChecksum(frag)
	unsupARP := arp(wire.ARPRequest, macA, ipA, wire.HardwareAddr{}, ipB, bcast)
	unsupARP[14+1] = 6 // hardware type 6, IEEE 802
	shortIP := udp(40000, 40001, seq(12))[:14+19]
	badOpt := tcp(syn)
	// Data offset 6 and a 4-byte option area holding an MSS option whose
	// length byte (3) is wrong for its kind.
	badOpt = ipv4(ipB, ipA, wire.IPProtocolTCP, append(append([]byte{}, badOpt[34:46]...),
		0x60, byte(wire.TCPSyn), 4, 0, 0, 0, 0, 0, 2, 3, 5, 0))

	return []struct {
		name, want string
		frame      []byte
	}{
		{"icmp echo request",
			"02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 98: 10.0.0.1 > 10.0.0.2: ICMP echo request, id 7, seq 1, length 64",
			icmp(wire.ICMPv4Repr{Type: wire.ICMPv4EchoRequest, ID: 7, Seq: 1, Data: seq(56)}, ipA, ipB)},
		{"icmp echo reply",
			"02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 42: 10.0.0.2 > 10.0.0.1: ICMP echo reply, id 65535, seq 65535, length 8",
			icmp(wire.ICMPv4Repr{Type: wire.ICMPv4EchoReply, ID: 65535, Seq: 65535}, ipB, ipA)},
		{"icmp port unreachable",
			"02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 70: 10.0.0.2 > 10.0.0.1: ICMP dest unreachable code 3, length 36",
			icmp(wire.ICMPv4Repr{Type: wire.ICMPv4DestUnreachable, Code: 3, Data: seq(28)}, ipB, ipA)},
		{"icmp other type",
			"02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 42: 10.0.0.2 > 10.0.0.1: ICMP type 13 code 0, length 8",
			icmp(wire.ICMPv4Repr{Type: 13}, ipB, ipA)},
		{"arp request padded",
			"02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ARP, length 60: Request who-has 10.0.0.2 tell 10.0.0.1, length 46",
			pad(arp(wire.ARPRequest, macA, ipA, wire.HardwareAddr{}, ipB, bcast), 60)},
		{"arp reply",
			"02:00:00:00:00:02 > 02:00:00:00:00:01, ARP, length 42: Reply 10.0.0.2 is-at 02:00:00:00:00:02, length 28",
			arp(wire.ARPReply, macB, ipB, macA, ipA, macA)},
		{"arp other op",
			"02:00:00:00:00:02 > 02:00:00:00:00:01, ARP, length 42: op 9, sender 10.0.0.2, target 10.0.0.1, length 28",
			arp(9, macB, ipB, macA, ipA, macA)},
		{"udp",
			"02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 54: 10.0.0.1.40000 > 10.0.0.2.40001: UDP, length 12",
			udp(40000, 40001, seq(12))},
		{"tcp syn-ack with options",
			"02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 74: 10.0.0.2.33000 > 10.0.0.1.40000: Flags [S.], seq 9, ack 1001, win 65535, options [mss 1460,sackOK,TS val 5 ecr 4,wscale 7], length 0",
			tcp(synAck)},
		{"tcp syn, no ack shown",
			"02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 54: 10.0.0.2.33000 > 10.0.0.1.40000: Flags [S], seq 4294967295, win 1024, length 0",
			tcp(syn)},
		{"tcp data",
			"02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 154: 10.0.0.2.33000 > 10.0.0.1.40000: Flags [P.], seq 4294967246:50, ack 1001, win 512, length 100",
			tcp(data)},
		{"tcp sack",
			"02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 74: 10.0.0.2.33000 > 10.0.0.1.40000: Flags [.], seq 10, ack 1001, win 512, options [sack 2001:3001 4001:5001], length 0",
			tcp(sack)},
		{"tcp fin", "02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 54: 10.0.0.2.33000 > 10.0.0.1.40000: Flags [F.], seq 110, ack 1001, win 512, length 0",
			tcp(fin)},
		{"tcp rst", "02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 54: 10.0.0.2.33000 > 10.0.0.1.40000: Flags [R.], seq 0, ack 7, win 0, length 0",
			tcp(rst)},
		{"tcp malformed options",
			"02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 58: 10.0.0.2.33000 > 10.0.0.1.40000: Flags [S], seq 4294967295, win 1024, options [wire: malformed field], length 0 [bad cksum]",
			badOpt},
		{"udp bad checksum",
			"02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 54: 10.0.0.1.40000 > 10.0.0.2.40001: UDP, length 12 [bad cksum]",
			badUDP},
		{"ip bad header checksum",
			"02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 54: 10.0.0.1.40000 > 10.0.0.2.40001: UDP, length 12 [bad ip cksum]",
			badIP},
		{"ip fragment",
			"02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 58: 10.0.0.1 > 10.0.0.2: frag offset 1480, length 24 [more frags]",
			frag},
		{"ip truncated",
			"02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 33: [wire: packet truncated]",
			shortIP},
		{"udp truncated",
			"02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 38: 10.0.0.1 > 10.0.0.2: UDP [wire: packet truncated]",
			ipv4(ipA, ipB, wire.IPProtocolUDP, []byte{1, 2, 3, 4})},
		{"other ip protocol",
			"02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 44: 10.0.0.1 > 10.0.0.2: ip-proto 47, length 10",
			ipv4(ipA, ipB, 47, seq(10))},
		{"arp unsupported",
			"02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ARP, length 42: [wire: unsupported packet]",
			unsupARP},
		{"ipv6", "02:00:00:00:00:01 > 33:33:00:00:00:01, IPv6, length 54",
			ether(wire.HardwareAddr{0x33, 0x33, 0, 0, 0, 1}, macA, wire.EtherTypeIPv6, seq(40))},
		{"other ethertype", "02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype 0x88b5, length 60",
			ether(macB, macA, 0x88b5, seq(46))},
		{"runt", "[|ether] length 13", seq(13)},
		{"empty", "[|ether] length 0", nil},
	}
}

func fixIPChecksum(f []byte) {
	p := wire.IPv4Packet(f[14:])
	p.FillChecksum()
}
