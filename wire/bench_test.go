package wire

import "testing"

// BenchmarkParseIPv4UDP is the receive path of one UDP datagram: check and
// parse the IPv4 header with its checksum, then the UDP header with its.
func BenchmarkParseIPv4UDP(b *testing.B) {
	frame := loadHex(b, "udp_datagram")
	pkt := frame[EthernetHeaderLen:]
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	var ports uint32
	for b.Loop() {
		p, err := NewIPv4Packet(pkt)
		if err != nil {
			b.Fatal(err)
		}
		var ip IPv4Repr
		if err := ip.Parse(p, true); err != nil {
			b.Fatal(err)
		}
		u, err := NewUDPPacket(p.Payload())
		if err != nil {
			b.Fatal(err)
		}
		var udp UDPRepr
		if err := udp.Parse(u, ip.Src, ip.Dst, true); err != nil {
			b.Fatal(err)
		}
		ports += uint32(udp.DstPort)
	}
	sinkU32 = ports
}

// BenchmarkParseIPv4UDP1472 is the same for a full-size 1,472-byte payload,
// where the UDP checksum dominates.
func BenchmarkParseIPv4UDP1472(b *testing.B) {
	pkt := make([]byte, 1500)
	ip := IPv4Repr{Src: hostA, Dst: hostB, Protocol: IPProtocolUDP, TTL: 64, PayloadLen: 1480}
	ip.Emit(pkt)
	(&UDPRepr{SrcPort: 1, DstPort: 2}).Emit(pkt[IPv4HeaderLen:], 1472, hostA, hostB)
	b.SetBytes(int64(len(pkt)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := NewIPv4Packet(pkt)
		if err != nil {
			b.Fatal(err)
		}
		var r IPv4Repr
		if err := r.Parse(p, true); err != nil {
			b.Fatal(err)
		}
		u, err := NewUDPPacket(p.Payload())
		if err != nil {
			b.Fatal(err)
		}
		var udp UDPRepr
		if err := udp.Parse(u, r.Src, r.Dst, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseTCP parses a segment with timestamps and two SACK blocks,
// checksum included.
func BenchmarkParseTCP(b *testing.B) {
	seg := loadHex(b, "tcp_sack2")[EthernetHeaderLen+IPv4HeaderLen:]
	b.SetBytes(int64(len(seg)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := NewTCPPacket(seg)
		if err != nil {
			b.Fatal(err)
		}
		var r TCPRepr
		if err := r.Parse(p, hostB, hostA, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEmitTCP writes a header with timestamps and SACK for an empty
// segment, checksum included.
func BenchmarkEmitTCP(b *testing.B) {
	r := TCPRepr{SrcPort: 1, DstPort: 2, Seq: 3, Ack: 4, Flags: TCPAck, Window: 5,
		Options: TCPOptions{HasTimestamps: true, TSVal: 6, TSEcr: 7, NumSACK: 2}}
	buf := make([]byte, TCPMaxHeaderLen)
	b.ReportAllocs()
	for b.Loop() {
		r.Emit(buf, hostA, hostB)
	}
}

var sinkU32 uint32
