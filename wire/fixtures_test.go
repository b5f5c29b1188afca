package wire

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"strings"
	"testing"

	"github.com/seed947b3480/legation/internal/fixture"
)

// The *.hex files in testdata are frames the Linux kernel sent, recorded by
// tcpdump on a veth pair between two network namespaces; testdata/capture.sh
// made them and says how. Each file carries tcpdump's own decoding in its
// comment lines, and the expected values in these tests are copied from
// there: tcpdump, not this package, is the oracle.

var (
	hostA = netip.MustParseAddr("10.99.0.1")
	hostB = netip.MustParseAddr("10.99.0.2")
	macA  = HardwareAddr{0x02, 0, 0, 0, 0x99, 0x01}
	macB  = HardwareAddr{0x02, 0, 0, 0, 0x99, 0x02}
)

// loadHex reads testdata/name.hex (see fixture.ParseHex for the format).
func loadHex(tb testing.TB, name string) []byte { return fixture.LoadHex(tb, name) }

// mustLayers splits a captured IPv4 frame, checking the Ethernet and IPv4
// headers against the want values and that the IPv4 checksum verifies.
func mustLayers(t *testing.T, frame []byte, wantEth EthernetRepr, wantIP IPv4Repr) (EthernetFrame, IPv4Packet) {
	t.Helper()
	f, err := NewEthernetFrame(frame)
	if err != nil {
		t.Fatalf("NewEthernetFrame: %v", err)
	}
	var eth EthernetRepr
	eth.Parse(f)
	if eth != wantEth {
		t.Fatalf("ethernet = %+v, want %+v", eth, wantEth)
	}
	p, err := NewIPv4Packet(f.Payload())
	if err != nil {
		t.Fatalf("NewIPv4Packet: %v", err)
	}
	if !p.VerifyChecksum() {
		t.Fatalf("IPv4 checksum %#04x does not verify", p.HeaderChecksum())
	}
	var ip IPv4Repr
	if err := ip.Parse(p, true); err != nil {
		t.Fatalf("IPv4Repr.Parse: %v", err)
	}
	if ip != wantIP {
		t.Fatalf("ipv4 = %+v, want %+v", ip, wantIP)
	}
	return f, p
}

func TestFixtureARP(t *testing.T) {
	tests := []struct {
		name string
		eth  EthernetRepr
		arp  ARPRepr
	}{
		{"arp_request", EthernetRepr{Dst: BroadcastHW, Src: macA, EtherType: EtherTypeARP},
			ARPRepr{Op: ARPRequest, SenderHW: macA, SenderIP: hostA, TargetIP: hostB}},
		{"arp_reply", EthernetRepr{Dst: macA, Src: macB, EtherType: EtherTypeARP},
			ARPRepr{Op: ARPReply, SenderHW: macB, SenderIP: hostB, TargetHW: macA, TargetIP: hostA}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := loadHex(t, tt.name)
			f, err := NewEthernetFrame(frame)
			if err != nil {
				t.Fatal(err)
			}
			var eth EthernetRepr
			eth.Parse(f)
			if eth != tt.eth {
				t.Fatalf("ethernet = %+v, want %+v", eth, tt.eth)
			}
			p, err := NewARPPacket(f.Payload())
			if err != nil {
				t.Fatal(err)
			}
			var arp ARPRepr
			arp.Parse(p)
			if arp != tt.arp {
				t.Fatalf("arp = %+v, want %+v", arp, tt.arp)
			}
			out := make([]byte, len(frame))
			tt.eth.Emit(out)
			tt.arp.Emit(out[EthernetHeaderLen:])
			if !bytes.Equal(out, frame) {
				t.Fatalf("re-emitted\n%x\nwant\n%x", out, frame)
			}
		})
	}
}

func TestFixtureICMPEcho(t *testing.T) {
	tests := []struct {
		name string
		eth  EthernetRepr
		ip   IPv4Repr
		icmp ICMPv4Repr // without Data
	}{
		{"icmp_echo_request", EthernetRepr{Dst: macB, Src: macA, EtherType: EtherTypeIPv4},
			IPv4Repr{Src: hostA, Dst: hostB, Protocol: IPProtocolICMP, TTL: 64, ID: 32316, DontFrag: true, PayloadLen: 64},
			ICMPv4Repr{Type: ICMPv4EchoRequest, ID: 9250, Seq: 1}},
		{"icmp_echo_reply", EthernetRepr{Dst: macA, Src: macB, EtherType: EtherTypeIPv4},
			IPv4Repr{Src: hostB, Dst: hostA, Protocol: IPProtocolICMP, TTL: 64, ID: 13580, PayloadLen: 64},
			ICMPv4Repr{Type: ICMPv4EchoReply, ID: 9250, Seq: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := loadHex(t, tt.name)
			_, ip := mustLayers(t, frame, tt.eth, tt.ip)
			m, err := NewICMPv4Packet(ip.Payload())
			if err != nil {
				t.Fatal(err)
			}
			if !m.VerifyChecksum() {
				t.Fatal("ICMP checksum does not verify")
			}
			var icmp ICMPv4Repr
			if err := icmp.Parse(m, true); err != nil {
				t.Fatal(err)
			}
			if len(icmp.Data) != 56 || icmp.Data[16] != 0x10 || icmp.Data[55] != 0x37 {
				t.Fatalf("echo data % x: want ping's 16-byte timestamp then 0x10..0x37", icmp.Data)
			}
			data := icmp.Data
			icmp.Data = nil
			if !icmpEqual(icmp, tt.icmp) {
				t.Fatalf("icmp = %+v, want %+v", icmp, tt.icmp)
			}

			out := make([]byte, len(frame))
			tt.eth.Emit(out)
			tt.ip.Emit(out[EthernetHeaderLen:])
			icmp.Data = data
			if n := icmp.Emit(out[EthernetHeaderLen+IPv4HeaderLen:]); n != 64 {
				t.Fatalf("Emit returned %d, want 64", n)
			}
			if !bytes.Equal(out, frame) {
				t.Fatalf("re-emitted\n%x\nwant\n%x", out, frame)
			}
		})
	}
}

// TestFixtureEchoReplyInPlace builds the reply to the captured request in the
// request's own buffer, the way a stack answers a ping without copying, and
// expects the kernel's captured reply to the byte.
func TestFixtureEchoReplyInPlace(t *testing.T) {
	buf := loadHex(t, "icmp_echo_request")
	want := loadHex(t, "icmp_echo_reply")
	f, _ := NewEthernetFrame(buf)
	ip, err := NewIPv4Packet(f.Payload())
	if err != nil {
		t.Fatal(err)
	}
	var ipr IPv4Repr
	var req ICMPv4Repr
	if err := ipr.Parse(ip, true); err != nil {
		t.Fatal(err)
	}
	m, _ := NewICMPv4Packet(ip.Payload())
	if err := req.Parse(m, true); err != nil {
		t.Fatal(err)
	}
	eth := EthernetRepr{Dst: f.Src(), Src: f.Dst(), EtherType: EtherTypeIPv4}
	// The kernel's reply carries its own IP ID and no DF; everything else
	// is mirrored from the request.
	reply := IPv4Repr{Src: ipr.Dst, Dst: ipr.Src, Protocol: IPProtocolICMP, TTL: 64, ID: 13580, PayloadLen: req.Len()}
	echo := ICMPv4Repr{Type: ICMPv4EchoReply, ID: req.ID, Seq: req.Seq, Data: req.Data} // Data aliases buf
	eth.Emit(buf)
	reply.Emit(buf[EthernetHeaderLen:])
	echo.Emit(buf[EthernetHeaderLen+IPv4HeaderLen:])
	if !bytes.Equal(buf, want) {
		t.Fatalf("in-place reply\n%x\nwant\n%x", buf, want)
	}
}

func TestFixtureIPv4Options(t *testing.T) {
	tests := []struct {
		name    string
		eth     EthernetRepr
		ip      IPv4Repr
		options string // the raw options, hex
	}{
		{"ipv4_rr_echo_request", EthernetRepr{Dst: macB, Src: macA, EtherType: EtherTypeIPv4},
			IPv4Repr{Src: hostA, Dst: hostB, Protocol: IPProtocolICMP, TTL: 64, ID: 32317, DontFrag: true, PayloadLen: 64},
			// NOP, RR len 39 ptr 8, 10.99.0.1 then eight empty slots
			"0107270" + "80a630001" + strings.Repeat("00", 32)},
		{"ipv4_rr_echo_reply", EthernetRepr{Dst: macA, Src: macB, EtherType: EtherTypeIPv4},
			IPv4Repr{Src: hostB, Dst: hostA, Protocol: IPProtocolICMP, TTL: 64, ID: 13581, PayloadLen: 64},
			// RR len 39 ptr 16: 10.99.0.1, 10.99.0.2, 10.99.0.2, six empty slots, EOL
			"07271" + "00a6300010a6300020a630002" + strings.Repeat("00", 25)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := loadHex(t, tt.name)
			_, ip := mustLayers(t, frame, tt.eth, tt.ip)
			if ip.HeaderLen() != 60 {
				t.Fatalf("HeaderLen = %d, want 60", ip.HeaderLen())
			}
			if got := hex.EncodeToString(ip.Options()); got != tt.options {
				t.Fatalf("Options = %s\nwant      %s", got, tt.options)
			}
			m, err := NewICMPv4Packet(ip.Payload())
			if err != nil {
				t.Fatal(err)
			}
			var icmp ICMPv4Repr
			if err := icmp.Parse(m, true); err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(icmp.Data, []byte("legationlegation")) {
				t.Fatalf("payload lost its ping -p pattern: % x", icmp.Data)
			}
			// Emit drops the options; the rest survives a round trip.
			out := make([]byte, IPv4HeaderLen+len(ip.Payload()))
			tt.ip.Emit(out)
			copy(out[IPv4HeaderLen:], ip.Payload())
			again, err := NewIPv4Packet(out)
			if err != nil {
				t.Fatal(err)
			}
			var back IPv4Repr
			if err := back.Parse(again, true); err != nil || back != tt.ip {
				t.Fatalf("round trip = %+v, %v; want %+v", back, err, tt.ip)
			}
		})
	}
}

// TestFixtureFragments checks the two fragments of a 2,000-byte ping and
// that their payloads, put together, carry an ICMP checksum that verifies.
func TestFixtureFragments(t *testing.T) {
	eth := EthernetRepr{Dst: macB, Src: macA, EtherType: EtherTypeIPv4}
	first := loadHex(t, "ipv4_frag_first")
	last := loadHex(t, "ipv4_frag_last")
	_, p1 := mustLayers(t, first, eth,
		IPv4Repr{Src: hostA, Dst: hostB, Protocol: IPProtocolICMP, TTL: 64, ID: 32318, PayloadLen: 1480})
	_, p2 := mustLayers(t, last, eth,
		IPv4Repr{Src: hostA, Dst: hostB, Protocol: IPProtocolICMP, TTL: 64, ID: 32318, PayloadLen: 528})
	if !p1.MoreFrags() || p1.FragOffset() != 0 || !p1.IsFragment() || p1.DontFrag() {
		t.Fatalf("first: MF %v offset %d, want MF and offset 0", p1.MoreFrags(), p1.FragOffset())
	}
	if p2.MoreFrags() || p2.FragOffset() != 1480 || !p2.IsFragment() {
		t.Fatalf("last: MF %v offset %d, want no MF and offset 1480", p2.MoreFrags(), p2.FragOffset())
	}
	m1, _ := NewICMPv4Packet(p1.Payload())
	if m1.VerifyChecksum() {
		t.Fatal("the first fragment alone should not carry a valid ICMP checksum")
	}
	whole := append(append([]byte{}, p1.Payload()...), p2.Payload()...)
	m, err := NewICMPv4Packet(whole)
	if err != nil {
		t.Fatal(err)
	}
	var icmp ICMPv4Repr
	if err := icmp.Parse(m, true); err != nil {
		t.Fatalf("reassembled echo: %v", err)
	}
	if icmp.Type != ICMPv4EchoRequest || icmp.ID != 9252 || icmp.Seq != 1 || len(icmp.Data) != 2000 {
		t.Fatalf("reassembled echo = type %d id %d seq %d len %d", icmp.Type, icmp.ID, icmp.Seq, len(icmp.Data))
	}
}

func TestFixtureUDP(t *testing.T) {
	tests := []struct {
		name    string
		ip      IPv4Repr
		udp     UDPRepr
		payload string
	}{
		{"udp_datagram", IPv4Repr{Src: hostA, Dst: hostB, Protocol: IPProtocolUDP, TTL: 64, ID: 51742, DontFrag: true, PayloadLen: 20},
			UDPRepr{SrcPort: 40000, DstPort: 5555}, "hello, wire\n"},
		{"udp_closed_port", IPv4Repr{Src: hostA, Dst: hostB, Protocol: IPProtocolUDP, TTL: 64, ID: 51743, DontFrag: true, PayloadLen: 19},
			UDPRepr{SrcPort: 40001, DstPort: 5556}, "no one here"},
	}
	eth := EthernetRepr{Dst: macB, Src: macA, EtherType: EtherTypeIPv4}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := loadHex(t, tt.name)
			_, ip := mustLayers(t, frame, eth, tt.ip)
			u, err := NewUDPPacket(ip.Payload())
			if err != nil {
				t.Fatal(err)
			}
			if !u.VerifyChecksum(hostA, hostB) {
				t.Fatalf("UDP checksum %#04x does not verify", u.Checksum())
			}
			if u.VerifyChecksum(hostB, hostA.Next()) {
				t.Fatal("UDP checksum verifies for the wrong pseudo-header")
			}
			var udp UDPRepr
			if err := udp.Parse(u, hostA, hostB, true); err != nil {
				t.Fatal(err)
			}
			if udp != tt.udp || string(u.Payload()) != tt.payload {
				t.Fatalf("udp = %+v %q, want %+v %q", udp, u.Payload(), tt.udp, tt.payload)
			}
			out := make([]byte, len(frame))
			eth.Emit(out)
			tt.ip.Emit(out[EthernetHeaderLen:])
			at := EthernetHeaderLen + IPv4HeaderLen
			copy(out[at+UDPHeaderLen:], tt.payload)
			tt.udp.Emit(out[at:], len(tt.payload), hostA, hostB)
			if !bytes.Equal(out, frame) {
				t.Fatalf("re-emitted\n%x\nwant\n%x", out, frame)
			}
		})
	}
}

// TestFixtureICMPPortUnreachable parses the kernel's answer to a datagram
// for a closed port, the datagram it quotes, and re-emits the whole frame.
func TestFixtureICMPPortUnreachable(t *testing.T) {
	frame := loadHex(t, "icmp_port_unreachable")
	ipWant := IPv4Repr{Src: hostB, Dst: hostA, Protocol: IPProtocolICMP, TTL: 64, TOS: 0xc0, ID: 13642, PayloadLen: 47}
	eth := EthernetRepr{Dst: macA, Src: macB, EtherType: EtherTypeIPv4}
	_, ip := mustLayers(t, frame, eth, ipWant)
	m, err := NewICMPv4Packet(ip.Payload())
	if err != nil {
		t.Fatal(err)
	}
	var icmp ICMPv4Repr
	if err := icmp.Parse(m, true); err != nil {
		t.Fatal(err)
	}
	if icmp.Type != ICMPv4DestUnreachable || icmp.Code != ICMPv4CodePortUnreachable || icmp.MTU != 0 {
		t.Fatalf("icmp = %+v", icmp)
	}
	// The quoted datagram is the udp_closed_port capture, whole.
	quoted := loadHex(t, "udp_closed_port")[EthernetHeaderLen:]
	if !bytes.Equal(icmp.Data, quoted) {
		t.Fatalf("quoted\n%x\nwant\n%x", icmp.Data, quoted)
	}
	inner, err := NewIPv4Packet(icmp.Data)
	if err != nil {
		t.Fatal(err)
	}
	u, err := NewUDPPacket(inner.Payload())
	if err != nil {
		t.Fatal(err)
	}
	if inner.Src() != hostA || inner.Dst() != hostB || u.SrcPort() != 40001 || u.DstPort() != 5556 {
		t.Fatalf("quoted %v:%d > %v:%d", inner.Src(), u.SrcPort(), inner.Dst(), u.DstPort())
	}
	out := make([]byte, len(frame))
	eth.Emit(out)
	ipWant.Emit(out[EthernetHeaderLen:])
	icmp.Emit(out[EthernetHeaderLen+IPv4HeaderLen:])
	if !bytes.Equal(out, frame) {
		t.Fatalf("re-emitted\n%x\nwant\n%x", out, frame)
	}
}

func TestFixtureTCP(t *testing.T) {
	ab := EthernetRepr{Dst: macB, Src: macA, EtherType: EtherTypeIPv4}
	ba := EthernetRepr{Dst: macA, Src: macB, EtherType: EtherTypeIPv4}
	ts := func(val, ecr uint32) TCPOptions { return TCPOptions{HasTimestamps: true, TSVal: val, TSEcr: ecr} }
	tests := []struct {
		name    string
		eth     EthernetRepr
		ipID    uint16
		tcp     TCPRepr
		payload string
	}{
		{"tcp_syn", ab, 10706, TCPRepr{SrcPort: 40002, DstPort: 8080, Seq: 705983674, Flags: TCPSyn, Window: 64240,
			Options: TCPOptions{MSS: 1460, HasMSS: true, SACKPermitted: true, HasTimestamps: true, TSVal: 3983438018,
				WindowScale: 10, HasWindowScale: true}}, ""},
		{"tcp_synack", ba, 0, TCPRepr{SrcPort: 8080, DstPort: 40002, Seq: 241117755, Ack: 705983675, Flags: TCPSyn | TCPAck, Window: 65160,
			Options: TCPOptions{MSS: 1460, HasMSS: true, SACKPermitted: true, HasTimestamps: true, TSVal: 2680052932, TSEcr: 3983438018,
				WindowScale: 10, HasWindowScale: true}}, ""},
		{"tcp_ack", ab, 10707, TCPRepr{SrcPort: 40002, DstPort: 8080, Seq: 705983675, Ack: 241117756, Flags: TCPAck, Window: 63,
			Options: ts(3983438018, 2680052932)}, ""},
		{"tcp_psh_data", ab, 10708, TCPRepr{SrcPort: 40002, DstPort: 8080, Seq: 705983675, Ack: 241117756, Flags: TCPPsh | TCPAck, Window: 63,
			Options: ts(3983438018, 2680052932), PayloadLen: 6}, "hello\n"},
		{"tcp_fin", ab, 10709, TCPRepr{SrcPort: 40002, DstPort: 8080, Seq: 705983681, Ack: 241117756, Flags: TCPFin | TCPAck, Window: 63,
			Options: ts(3983438018, 2680052932)}, ""},
		{"tcp_rst", ba, 0, TCPRepr{SrcPort: 8081, DstPort: 40003, Ack: 3852833210, Flags: TCPRst | TCPAck}, ""},
		{"tcp_sack1", ba, 40440, TCPRepr{SrcPort: 8082, DstPort: 40004, Seq: 3383038078, Ack: 1763700372, Flags: TCPAck, Window: 67,
			Options: TCPOptions{HasTimestamps: true, TSVal: 762651220, TSEcr: 1340760186,
				SACK: [4]SACKBlock{{1763701820, 1763703268}}, NumSACK: 1}}, ""},
		{"tcp_sack2", ba, 40441, TCPRepr{SrcPort: 8082, DstPort: 40004, Seq: 3383038078, Ack: 1763700372, Flags: TCPAck, Window: 70,
			Options: TCPOptions{HasTimestamps: true, TSVal: 762651220, TSEcr: 1340760186,
				SACK: [4]SACKBlock{{1763704716, 1763706164}, {1763701820, 1763703268}}, NumSACK: 2}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame := loadHex(t, tt.name)
			src, dst := hostA, hostB
			if tt.eth == ba {
				src, dst = hostB, hostA
			}
			ipWant := IPv4Repr{Src: src, Dst: dst, Protocol: IPProtocolTCP, TTL: 64, ID: tt.ipID, DontFrag: true,
				PayloadLen: tt.tcp.HeaderLen() + len(tt.payload)}
			_, ip := mustLayers(t, frame, tt.eth, ipWant)
			seg, err := NewTCPPacket(ip.Payload())
			if err != nil {
				t.Fatal(err)
			}
			if !seg.VerifyChecksum(src, dst) {
				t.Fatalf("TCP checksum %#04x does not verify", seg.Checksum())
			}
			var tcp TCPRepr
			if err := tcp.Parse(seg, src, dst, true); err != nil {
				t.Fatal(err)
			}
			if tcp != tt.tcp {
				t.Fatalf("tcp =\n%+v\nwant\n%+v", tcp, tt.tcp)
			}
			if string(seg.Payload()) != tt.payload {
				t.Fatalf("payload %q, want %q", seg.Payload(), tt.payload)
			}
			out := make([]byte, len(frame))
			tt.eth.Emit(out)
			ipWant.Emit(out[EthernetHeaderLen:])
			at := EthernetHeaderLen + IPv4HeaderLen
			copy(out[at+tt.tcp.HeaderLen():], tt.payload)
			tt.tcp.Emit(out[at:], src, dst)
			if !bytes.Equal(out, frame) {
				t.Fatalf("re-emitted\n%x\nwant\n%x", out, frame)
			}
		})
	}
}

// TestFixturePadding: Ethernet pads short frames to 60 bytes; the padding
// must not leak into the IPv4 or UDP payload or break a checksum.
func TestFixturePadding(t *testing.T) {
	frame := loadHex(t, "udp_datagram")
	padded := append(append([]byte{}, frame...), make([]byte, 60-len(frame))...)
	f, _ := NewEthernetFrame(padded)
	ip, err := NewIPv4Packet(f.Payload())
	if err != nil {
		t.Fatal(err)
	}
	if len(ip) != 40 || len(ip.Payload()) != 20 {
		t.Fatalf("padded packet len %d payload %d, want 40 and 20", len(ip), len(ip.Payload()))
	}
	u, err := NewUDPPacket(ip.Payload())
	if err != nil || !u.VerifyChecksum(hostA, hostB) || string(u.Payload()) != "hello, wire\n" {
		t.Fatalf("padded UDP: %v %q", err, u.Payload())
	}
	arp := loadHex(t, "arp_request")
	arp = append(arp, make([]byte, 18)...)
	p, err := NewARPPacket(arp[EthernetHeaderLen:])
	if err != nil || len(p) != ARPLen {
		t.Fatalf("padded ARP: len %d, %v", len(p), err)
	}
}

// icmpEqual compares two ICMPv4Reprs, Data by content.
func icmpEqual(a, b ICMPv4Repr) bool {
	return a.Type == b.Type && a.Code == b.Code && a.ID == b.ID && a.Seq == b.Seq && a.MTU == b.MTU &&
		bytes.Equal(a.Data, b.Data)
}
