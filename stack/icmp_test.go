package stack

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/wire"
)

// An echo request to a broadcast address, at the IP or the Ethernet layer,
// is not answered (no smurf amplifier), and is counted as DropNotForUs.
func TestEchoToBroadcastIgnored(t *testing.T) {
	cases := map[string][]byte{
		"limited broadcast":           withEth(echoFrame(addrB, netip.MustParseAddr("255.255.255.255"), 1, 1, nil), wire.BroadcastHW, macB, wire.EtherTypeIPv4),
		"subnet broadcast":            withEth(echoFrame(addrB, netip.MustParseAddr("10.0.0.255"), 1, 1, nil), wire.BroadcastHW, macB, wire.EtherTypeIPv4),
		"subnet broadcast to our mac": echoFrame(addrB, netip.MustParseAddr("10.0.0.255"), 1, 1, nil),
		"our ip in a broadcast frame": withEth(echoFrame(addrB, addrA, 1, 1, nil), wire.BroadcastHW, macB, wire.EtherTypeIPv4),
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			h := newRaw(t, Config{})
			h.teachARP(t)
			h.inject(t, f)
			if out := h.out(); out != nil {
				t.Fatalf("answered: % x", out)
			}
			if c := h.s.Counters(); c.EchoRequests != 0 || c.Drop(DropNotForUs) != 1 || c.Dropped != 1 {
				t.Fatalf("echo requests %d, drops %v", c.EchoRequests, dropsOf(c))
			}
		})
	}
	// The same request to our address alone is answered: the cases above
	// fail for the broadcast, not for a broken fixture.
	h := newRaw(t, Config{})
	h.teachARP(t)
	h.inject(t, echoFrame(addrB, addrA, 1, 1, nil))
	echoSeq(t, h.out(), macB, addrB)
}

// Port-unreachable errors are limited to ICMPErrorsPerSecond per second of
// virtual time; the excess is counted as DropICMPRateLimited, and only the
// errors sent count as UDPPortUnreachable.
func TestPortUnreachableRateLimited(t *testing.T) {
	const limit = 5
	h := newRaw(t, Config{ICMPErrorsPerSecond: limit})
	h.teachARP(t)
	closed := netip.AddrPortFrom(addrA, 9)
	burst := func(n int) int {
		for i := 0; i < n; i++ {
			h.inject(t, udpFrame(netip.AddrPortFrom(addrB, uint16(1000+i)), closed, []byte("x")))
		}
		sent := 0
		for _, f := range h.all() {
			if _, m := icmpOf(t, f); m.Type() == wire.ICMPv4DestUnreachable && m.Code() == wire.ICMPv4CodePortUnreachable {
				sent++
			}
		}
		return sent
	}
	if got := burst(limit + 3); got != limit {
		t.Fatalf("%d errors for %d datagrams in one instant, want %d", got, limit+3, limit)
	}
	c := h.s.Counters()
	if c.Drop(DropICMPRateLimited) != 3 || c.Drop(DropNoSocket) != limit+3 || c.UDPPortUnreachable != limit || c.ICMPErrorsSent != limit {
		t.Fatalf("drops %v, port unreachable %d, errors sent %d", dropsOf(c), c.UDPPortUnreachable, c.ICMPErrorsSent)
	}
	h.r.RunFor(999 * time.Millisecond)
	if got := burst(1); got != 0 {
		t.Fatal("the bucket refilled before a second passed")
	}
	h.r.RunFor(time.Millisecond)
	if got := burst(limit + 1); got != limit {
		t.Fatalf("%d errors after a second, want %d", got, limit)
	}

	// Negative: no errors at all, and none counted as suppressed.
	h = newRaw(t, Config{ICMPErrorsPerSecond: -1})
	h.teachARP(t)
	if got := burst(3); got != 0 {
		t.Fatalf("%d errors with ICMP errors off", got)
	}
	if c := h.s.Counters(); c.Drop(DropICMPRateLimited) != 0 || c.UDPPortUnreachable != 0 {
		t.Fatalf("drops %v, port unreachable %d", dropsOf(c), c.UDPPortUnreachable)
	}
}

// No ICMP error is sent about an ICMP error, about an ICMP message the stack
// does not handle, or about a datagram sent to a broadcast address.
func TestNoICMPErrorAboutICMPError(t *testing.T) {
	orig := udpFrame(netip.AddrPortFrom(addrA, 5000), netip.AddrPortFrom(addrB, 53), []byte("query"))
	quote := orig[ipOff : ipOff+28]
	unreach := wire.ICMPv4Repr{Type: wire.ICMPv4DestUnreachable, Code: wire.ICMPv4CodePortUnreachable, Data: quote}
	exceeded := wire.ICMPv4Repr{Type: wire.ICMPv4TimeExceeded, Data: quote}
	emit := func(r wire.ICMPv4Repr) []byte {
		b := make([]byte, r.Len())
		r.Emit(b)
		return ipFrame(addrB, addrA, wire.IPProtocolICMP, b)
	}
	redirect := ipFrame(addrB, addrA, wire.IPProtocolICMP, []byte{5, 1, 0xf0, 0xff, 10, 0, 0, 9})
	wire.ICMPv4Packet(redirect[udpOff:]).FillChecksum()
	bcastUDP := withEth(udpFrame(netip.AddrPortFrom(addrB, 5000), netip.AddrPortFrom(netip.MustParseAddr("10.0.0.255"), 9), []byte("x")),
		wire.BroadcastHW, macB, wire.EtherTypeIPv4)
	bcastProto := withEth(ipFrame(addrB, netip.MustParseAddr("255.255.255.255"), 253, []byte("x")), wire.BroadcastHW, macB, wire.EtherTypeIPv4)

	h := newRaw(t, Config{})
	h.teachARP(t)
	for _, f := range [][]byte{emit(unreach), emit(exceeded), redirect, bcastUDP, bcastProto} {
		h.inject(t, f)
	}
	if out := h.out(); out != nil {
		t.Fatalf("sent % x", out)
	}
	c := h.s.Counters()
	if c.ICMPErrorsReceived != 2 || c.ICMPErrorsSent != 0 || c.Drop(DropICMPUnhandled) != 1 ||
		c.Drop(DropNoSocket) != 1 || c.Drop(DropUnknownProtocol) != 1 || c.Dropped != 3 {
		t.Fatalf("errors received %d sent %d, drops %v", c.ICMPErrorsReceived, c.ICMPErrorsSent, dropsOf(c))
	}

	// The rule in sendICMPError itself, for protocols to come: an ICMP
	// error about an ICMP echo is allowed, about an ICMP error it is not.
	m := ipMeta{src: addrB, dst: addrA, proto: wire.IPProtocolICMP, header: orig[ipOff:udpOff], unicast: true}
	if h.s.sendICMPError(&m, emit(unreach)[udpOff:], wire.ICMPv4DestUnreachable, wire.ICMPv4CodeProtoUnreachable) {
		t.Fatal("sent an ICMP error about an ICMP error")
	}
	if !h.s.sendICMPError(&m, echoBytes(1, 1, nil), wire.ICMPv4DestUnreachable, wire.ICMPv4CodeProtoUnreachable) {
		t.Fatal("refused an ICMP error about an echo request")
	}
}

// An error about a large datagram quotes only as much of it as keeps the
// error within 576 bytes (RFC 1812 4.3.2.3).
func TestICMPErrorQuoteBounded(t *testing.T) {
	h := newRaw(t, Config{})
	h.teachARP(t)
	big := udpFrame(netip.AddrPortFrom(addrB, 5000), netip.AddrPortFrom(addrA, 9), bytes.Repeat([]byte{0x5a}, 1000))
	h.inject(t, big)
	ip, m := icmpOf(t, h.out())
	if ip.TotalLen() != 576 || !bytes.Equal(m.Data(), big[ipOff:ipOff+576-28]) {
		t.Fatalf("error of %d bytes quoting %d", ip.TotalLen(), len(m.Data()))
	}
}
