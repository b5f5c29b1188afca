package stack

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"

	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// badCase is one frame the stack must reject: the single drop reason it
// must count, and the ICMP destination-unreachable code it must answer with
// (noICMP for silence).
type badCase struct {
	name  string
	frame []byte
	want  DropReason
	icmp  int
}

const noICMP = -1

// with returns a copy of f with byte i set to v.
func with(f []byte, i int, v byte) []byte {
	c := append([]byte(nil), f...)
	c[i] = v
	return c
}

// withEth returns a copy of f with other Ethernet addresses or type.
func withEth(f []byte, dst, src wire.HardwareAddr, typ wire.EtherType) []byte {
	c := append([]byte(nil), f...)
	e := wire.EthernetFrame(c)
	e.SetDst(dst)
	e.SetSrc(src)
	e.SetEtherType(typ)
	return c
}

const (
	ipOff  = wire.EthernetHeaderLen
	udpOff = ipOff + wire.IPv4HeaderLen
)

func badInputCases() []badCase {
	toUs := netip.AddrPortFrom(addrA, 7)
	fromB := netip.AddrPortFrom(addrB, 5000)
	valid := udpFrame(fromB, toUs, bytes.Repeat([]byte("data"), 25))
	echo := echoFrame(addrB, addrA, 1, 1, []byte("0123456789abcdef"))
	arp := arpFrame(wire.ARPRequest, macB, addrB, wire.HardwareAddr{}, addrA, wire.BroadcastHW)
	ff := bytes.Repeat([]byte{0xff}, 50)
	other := wire.HardwareAddr{0x02, 0, 0, 0, 0, 0x99}
	mcast := wire.HardwareAddr{0x01, 0x00, 0x5e, 0, 0, 1}

	var cs []badCase
	add := func(name string, f []byte, want DropReason, icmp int) {
		cs = append(cs, badCase{name, f, want, icmp})
	}
	for n := 0; n < len(valid); n++ {
		add(fmt.Sprintf("udp truncated to %d", n), valid[:n], DropTruncated, noICMP)
	}
	add("oversize", append(append([]byte(nil), valid...), make([]byte, 1515-len(valid))...), DropOversize, noICMP)
	add("ip version 6", with(valid, ipOff, 0x65), DropBadVersion, noICMP)
	add("ip version 0", with(valid, ipOff, 0x05), DropBadVersion, noICMP)
	add("ihl 4", with(valid, ipOff, 0x44), DropBadHeaderLen, noICMP)
	add("ihl 0", with(valid, ipOff, 0x40), DropBadHeaderLen, noICMP)
	add("ihl past the frame", with(valid[:ipOff+40], ipOff, 0x4f), DropTruncated, noICMP)
	add("total length past the frame", setIPField(valid, 2, uint16(len(valid)-ipOff+1)), DropTruncated, noICMP)
	add("total length below the header", setIPField(valid, 2, 19), DropBadLength, noICMP)
	add("ip header checksum", with(valid, ipOff+10, valid[ipOff+10]^0x01), DropBadChecksum, noICMP)
	add("udp checksum", with(valid, len(valid)-1, valid[len(valid)-1]^0x80), DropBadChecksum, noICMP)
	add("udp length 7", with(with(valid, udpOff+4, 0), udpOff+5, 7), DropBadLength, noICMP)
	add("udp length past the ip payload", with(valid, udpOff+5, valid[udpOff+5]+1), DropTruncated, noICMP)
	add("icmp checksum", with(echo, len(echo)-1, echo[len(echo)-1]^0x01), DropBadChecksum, noICMP)
	add("icmp truncated", ipFrame(addrB, addrA, wire.IPProtocolICMP, []byte{8, 0, 0, 0}), DropTruncated, noICMP)
	add("icmp type 13", ipFrame(addrB, addrA, wire.IPProtocolICMP, []byte{13, 0, 0xf2, 0xff, 0, 0, 0, 0}), DropICMPUnhandled, noICMP)
	for _, src := range []string{"0.0.0.0", "0.1.2.3", "127.0.0.1", "127.9.9.9", "224.0.0.1", "239.1.2.3",
		"240.0.0.1", "255.255.255.255", "10.0.0.1", "10.0.0.255"} {
		a := netip.MustParseAddr(src)
		add("martian source "+src, udpFrame(netip.AddrPortFrom(a, 5000), toUs, []byte("x")), DropMartianSource, noICMP)
	}
	add("broadcast ethernet source", withEth(valid, macA, wire.BroadcastHW, wire.EtherTypeIPv4), DropBroadcastSource, noICMP)
	add("multicast ethernet source", withEth(valid, macA, mcast, wire.EtherTypeIPv4), DropBroadcastSource, noICMP)
	add("another mac", withEth(valid, other, macB, wire.EtherTypeIPv4), DropNotForUs, noICMP)
	add("multicast mac", withEth(valid, mcast, macB, wire.EtherTypeIPv4), DropNotForUs, noICMP)
	add("another ip", udpFrame(fromB, netip.AddrPortFrom(netip.MustParseAddr("10.0.0.7"), 7), []byte("x")), DropNotForUs, noICMP)
	add("ethertype ipv6", withEth(valid, macA, macB, wire.EtherTypeIPv6), DropUnknownEtherType, noICMP)
	add("ethertype vlan", withEth(valid, macA, macB, 0x8100), DropUnknownEtherType, noICMP)
	add("unknown ip protocol", ipFrame(addrB, addrA, 253, []byte("experimental payload")), DropUnknownProtocol, wire.ICMPv4CodeProtoUnreachable)
	add("closed udp port", udpFrame(fromB, netip.AddrPortFrom(addrA, 9), []byte("x")), DropNoSocket, wire.ICMPv4CodePortUnreachable)
	add("fragment of 12 bytes with more to come", fragment(addrB, addrA, wire.IPProtocolUDP, 9, 0, make([]byte, 12), true), DropBadLength, noICMP)
	add("arp truncated", arp[:wire.EthernetHeaderLen+27], DropTruncated, noICMP)
	add("arp for token ring", with(arp, ipOff+1, 6), DropARPUnsupported, noICMP)
	add("arp for ipv6", with(arp, ipOff+2, 0x86), DropARPUnsupported, noICMP)
	add("arp from a broadcast mac", arpFrame(wire.ARPRequest, wire.BroadcastHW, addrB, wire.HardwareAddr{}, addrA, wire.BroadcastHW)[:60], DropBroadcastSource, noICMP)
	bcastSender := withEth(arpFrame(wire.ARPRequest, wire.BroadcastHW, addrB, wire.HardwareAddr{}, addrA, wire.BroadcastHW), wire.BroadcastHW, macB, wire.EtherTypeARP)
	add("arp sender hw broadcast", bcastSender, DropARPMalformed, noICMP)
	zeroSender := withEth(arpFrame(wire.ARPRequest, wire.HardwareAddr{}, addrB, wire.HardwareAddr{}, addrA, wire.BroadcastHW), wire.BroadcastHW, macB, wire.EtherTypeARP)
	add("arp sender hw zero", zeroSender, DropARPMalformed, noICMP)
	add("garbage ipv4", append(withEth(make([]byte, 14), macA, macB, wire.EtherTypeIPv4), ff...), DropBadVersion, noICMP)
	add("garbage arp", append(withEth(make([]byte, 14), macA, macB, wire.EtherTypeARP), ff...), DropARPUnsupported, noICMP)
	add("garbage ethertype", append(withEth(make([]byte, 14), macA, macB, 0xffff), ff...), DropUnknownEtherType, noICMP)
	add("all zeros", make([]byte, 60), DropNotForUs, noICMP)
	add("all ones", bytes.Repeat([]byte{0xff}, 60), DropBroadcastSource, noICMP)
	return cs
}

// Each malformed or unwanted frame is counted under exactly its drop reason,
// reaches no socket, and is answered only where the RFCs say so.
func TestBadInput(t *testing.T) {
	// The unmodified frames are accepted: the cases below fail for the
	// reason they name, not for a broken fixture.
	h := newScripted(t, Config{})
	sock := h.s.NewUDPSocket(udp.Config{})
	if err := sock.Bind(netip.AddrPortFrom(netip.Addr{}, 7)); err != nil {
		t.Fatal(err)
	}
	h.feed(udpFrame(netip.AddrPortFrom(addrB, 5000), netip.AddrPortFrom(addrA, 7), bytes.Repeat([]byte("data"), 25)))
	h.feed(echoFrame(addrB, addrA, 1, 1, []byte("0123456789abcdef")))
	if d := h.delta(); sock.Readable() != 1 || d.Dropped != 0 || d.EchoRequests != 1 {
		t.Fatalf("valid fixtures: readable %d, delta %+v", sock.Readable(), d)
	}

	for _, c := range badInputCases() {
		t.Run(c.name, func(t *testing.T) {
			h := newScripted(t, Config{})
			sock := h.s.NewUDPSocket(udp.Config{})
			if err := sock.Bind(netip.AddrPortFrom(netip.Addr{}, 7)); err != nil {
				t.Fatal(err)
			}
			h.feed(c.frame)
			d := h.delta()
			if d.RxFrames != 1 || d.Dropped != 1 || d.Drop(c.want) != 1 {
				t.Fatalf("want one %v drop; rx %d, drops %v", c.want, d.RxFrames, dropsOf(d))
			}
			if sock.Readable() != 0 {
				t.Fatal("a bad frame reached the socket")
			}
			sent := h.dev.take()
			if c.icmp == noICMP {
				if len(sent) != 0 {
					t.Fatalf("answered with %d frames: % x", len(sent), sent[0])
				}
				return
			}
			if len(sent) != 1 {
				t.Fatalf("%d frames sent, want one ICMP error", len(sent))
			}
			ip, m := icmpOf(t, sent[0])
			if ip.Dst() != addrB || m.Type() != wire.ICMPv4DestUnreachable || int(m.Code()) != c.icmp {
				t.Fatalf("sent type %d code %d to %v, want unreachable code %d to %v", m.Type(), m.Code(), ip.Dst(), c.icmp, addrB)
			}
			// The quote is the offending datagram, from its IP header on.
			if !bytes.Equal(m.Data(), c.frame[ipOff:]) {
				t.Fatalf("quote % x\nwant  % x", m.Data(), c.frame[ipOff:])
			}
		})
	}
}
