package wire

import "testing"

// Every per-frame path must run without allocating: a stack parses and
// emits each of these for every packet.
func TestNoAllocs(t *testing.T) {
	arpFrame := loadHex(t, "arp_request")
	echoFrame := loadHex(t, "icmp_echo_request")
	udpFrame := loadHex(t, "udp_datagram")
	synFrame := loadHex(t, "tcp_syn")
	sackFrame := loadHex(t, "tcp_sack2")
	out := make([]byte, 1514)
	const ipAt = EthernetHeaderLen
	const l4At = EthernetHeaderLen + IPv4HeaderLen

	tests := []struct {
		name string
		f    func()
	}{
		{"Checksum", func() { Checksum(udpFrame, 0x1234) }},
		{"UpdateChecksum", func() { UpdateChecksum32(UpdateChecksum(0x1234, 1, 2), 3, 4) }},
		{"PseudoHeaderSumIPv4", func() { PseudoHeaderSumIPv4(hostA, hostB, IPProtocolTCP, 20) }},
		{"Ethernet parse+emit", func() {
			f, err := NewEthernetFrame(udpFrame)
			if err != nil {
				panic(err)
			}
			var r EthernetRepr
			r.Parse(f)
			r.Emit(out)
		}},
		{"ARP parse+emit", func() {
			p, err := NewARPPacket(arpFrame[EthernetHeaderLen:])
			if err != nil {
				panic(err)
			}
			var r ARPRepr
			r.Parse(p)
			r.Emit(out[ipAt:])
		}},
		{"IPv4 parse+emit", func() {
			p, err := NewIPv4Packet(udpFrame[ipAt:])
			if err != nil {
				panic(err)
			}
			var r IPv4Repr
			if err := r.Parse(p, true); err != nil {
				panic(err)
			}
			_ = p.Options()
			_ = p.Payload()
			r.Emit(out[ipAt:])
			IPv4Packet(out[ipAt:]).DecrementTTL()
		}},
		{"ICMPv4 parse+emit", func() {
			m, err := NewICMPv4Packet(echoFrame[l4At:])
			if err != nil {
				panic(err)
			}
			var r ICMPv4Repr
			if err := r.Parse(m, true); err != nil {
				panic(err)
			}
			r.Type = ICMPv4EchoReply
			r.Emit(out[l4At:])
		}},
		{"UDP parse+emit", func() {
			u, err := NewUDPPacket(udpFrame[l4At:])
			if err != nil {
				panic(err)
			}
			var r UDPRepr
			if err := r.Parse(u, hostA, hostB, true); err != nil {
				panic(err)
			}
			r.Emit(out[l4At:], len(u.Payload()), hostA, hostB)
		}},
		{"TCP parse+emit", func() {
			for _, frame := range [][]byte{synFrame, sackFrame} {
				p, err := NewTCPPacket(frame[l4At:])
				if err != nil {
					panic(err)
				}
				var r TCPRepr
				if err := r.Parse(p, hostA, hostB, false); err != nil {
					panic(err)
				}
				r.Emit(out[l4At:], hostA, hostB)
			}
		}},
		{"TCPOptions parse+emit", func() {
			var o TCPOptions
			if err := o.Parse(synFrame[l4At+TCPHeaderLen:]); err != nil {
				panic(err)
			}
			o.Emit(out)
		}},
		{"TCPFlags AppendTo", func() { (TCPSyn | TCPAck).AppendTo(out[:0]) }},
		{"HardwareAddr AppendTo", func() { macA.AppendTo(out[:0]) }},
		{"error paths", func() {
			if _, err := NewIPv4Packet(udpFrame[ipAt : ipAt+10]); err != ErrTruncated {
				panic(err)
			}
			if _, err := NewTCPPacket(synFrame[:3]); err != ErrTruncated {
				panic(err)
			}
			var o TCPOptions
			if err := o.Parse([]byte{2, 9}); err != ErrMalformed {
				panic(err)
			}
			var r IPv4Repr
			bad := append(out[:0], udpFrame[ipAt:]...)
			bad[8]++
			if err := r.Parse(IPv4Packet(bad), true); err != ErrBadChecksum {
				panic(err)
			}
		}},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.f); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tt.name, n)
		}
	}
}
