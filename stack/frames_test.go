package stack

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/seed947b3480/legation/wire"
)

// Builders and parsers of frames for the tests, beyond harness_test.go's.

// udpBytes returns a whole UDP datagram (header and data) with its checksum.
func udpBytes(src, dst netip.AddrPort, data []byte) []byte {
	u := make([]byte, wire.UDPHeaderLen+len(data))
	copy(u[wire.UDPHeaderLen:], data)
	r := wire.UDPRepr{SrcPort: src.Port(), DstPort: dst.Port()}
	r.Emit(u, len(data), src.Addr(), dst.Addr())
	return u
}

// echoBytes returns an ICMP echo request with its checksum.
func echoBytes(id, seq uint16, data []byte) []byte {
	r := wire.ICMPv4Repr{Type: wire.ICMPv4EchoRequest, ID: id, Seq: seq, Data: data}
	m := make([]byte, r.Len())
	r.Emit(m)
	return m
}

// fragments splits an IPv4 payload into frames from macB to macA whose
// payloads are at most size bytes (a multiple of 8), all with IP ID id.
func fragments(src, dst netip.Addr, proto wire.IPProtocol, id uint16, payload []byte, size int) [][]byte {
	var out [][]byte
	for off := 0; off < len(payload); off += size {
		end := min(off+size, len(payload))
		out = append(out, fragment(src, dst, proto, id, off, payload[off:end], end < len(payload)))
	}
	return out
}

// fragment builds one fragment frame carrying data at byte offset off.
func fragment(src, dst netip.Addr, proto wire.IPProtocol, id uint16, off int, data []byte, more bool) []byte {
	f := ipFrame(src, dst, proto, data)
	ip := wire.IPv4Packet(f[wire.EthernetHeaderLen:])
	ip.SetID(id)
	ip.SetFragOffset(off)
	ip.SetMoreFrags(more)
	ip.FillChecksum()
	return f
}

// ipOf parses a frame the stack sent as Ethernet + IPv4, failing the test
// unless both are well formed with a correct header checksum.
func ipOf(t testing.TB, f []byte) (wire.EthernetFrame, wire.IPv4Packet) {
	t.Helper()
	eth, err := wire.NewEthernetFrame(f)
	if err != nil || eth.EtherType() != wire.EtherTypeIPv4 {
		t.Fatalf("not an IPv4 frame: % x", f)
	}
	ip, err := wire.NewIPv4Packet(eth.Payload())
	if err != nil || !ip.VerifyChecksum() {
		t.Fatalf("bad IPv4 header (%v): % x", err, f)
	}
	return eth, ip
}

// icmpOf parses a frame the stack sent as an ICMP message with a correct
// checksum.
func icmpOf(t testing.TB, f []byte) (wire.IPv4Packet, wire.ICMPv4Packet) {
	t.Helper()
	_, ip := ipOf(t, f)
	if ip.Protocol() != wire.IPProtocolICMP {
		t.Fatalf("protocol %d, want ICMP: % x", ip.Protocol(), f)
	}
	m, err := wire.NewICMPv4Packet(ip.Payload())
	if err != nil || !m.VerifyChecksum() {
		t.Fatalf("bad ICMP (%v): % x", err, f)
	}
	return ip, m
}

// arpOf parses a frame the stack sent as ARP.
func arpOf(t testing.TB, f []byte) (wire.EthernetFrame, wire.ARPRepr) {
	t.Helper()
	eth, err := wire.NewEthernetFrame(f)
	if err != nil || eth.EtherType() != wire.EtherTypeARP {
		t.Fatalf("not an ARP frame: % x", f)
	}
	p, err := wire.NewARPPacket(eth.Payload())
	if err != nil {
		t.Fatalf("bad ARP (%v): % x", err, f)
	}
	var r wire.ARPRepr
	r.Parse(p)
	return eth, r
}

// isARP reports whether f is an ARP frame.
func isARP(f []byte) bool {
	return len(f) >= wire.EthernetHeaderLen && wire.EthernetFrame(f).EtherType() == wire.EtherTypeARP
}

// reassemble joins the payloads of IPv4 fragments (in any order) the way a
// receiver would, and checks that they are one datagram without gaps.
func reassemble(t testing.TB, frames [][]byte) (first wire.IPv4Packet, payload []byte) {
	t.Helper()
	total := -1
	have := map[int][]byte{}
	for i, f := range frames {
		_, ip := ipOf(t, f)
		if i > 0 {
			if _, id := ipOf(t, frames[0]); id.ID() != ip.ID() {
				t.Fatalf("fragments of two datagrams (IDs %d and %d)", id.ID(), ip.ID())
			}
		}
		if ip.FragOffset() == 0 {
			first = ip
		}
		if !ip.MoreFrags() {
			total = ip.FragOffset() + len(ip.Payload())
		}
		have[ip.FragOffset()] = ip.Payload()
	}
	if total < 0 {
		t.Fatal("no last fragment")
	}
	payload = make([]byte, 0, total)
	for len(payload) < total {
		p, ok := have[len(payload)]
		if !ok || len(p) == 0 {
			t.Fatalf("gap at offset %d of %d", len(payload), total)
		}
		payload = append(payload, p...)
	}
	if len(payload) != total {
		t.Fatalf("fragments overrun: %d bytes, last says %d", len(payload), total)
	}
	return first, payload
}

// setIPField rewrites a 16-bit IPv4 header field (at byte off of the header)
// and refreshes the header checksum, so only the field is wrong.
func setIPField(f []byte, off int, v uint16) []byte {
	f = append([]byte(nil), f...)
	ip := f[wire.EthernetHeaderLen:]
	binary.BigEndian.PutUint16(ip[off:], v)
	wire.IPv4Packet(ip).FillChecksum()
	return f
}
