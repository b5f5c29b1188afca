package stack

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// Two stacks over the in-memory link: ARP resolves, datagrams of every size
// from 0 to the maximum are echoed byte-exact.
func TestUDPEchoBetweenStacks(t *testing.T) {
	p := newPair(t, Config{})
	echoServer(t, p.b, 7)
	cli := p.a.NewUDPSocket(udp.Config{RxBuffer: make([]byte, 8192)})
	if err := cli.Connect(netip.AddrPortFrom(addrB, 7)); err != nil {
		t.Fatal(err)
	}
	if port := cli.LocalAddr().Port(); port < 49152 {
		t.Fatalf("ephemeral port %d outside 49152-65535", port)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 2048)
	for i := 0; i < 300; i++ {
		n := rng.IntN(1473)
		if i == 0 {
			n = 0
		}
		msg := make([]byte, n)
		for j := range msg {
			msg[j] = byte(rng.Uint32())
		}
		if err := cli.Send(msg); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if !p.r.RunUntil(5*second, func() bool { return cli.Readable() > 0 }) {
			t.Fatalf("datagram %d (%d bytes) not echoed; a=%+v b=%+v", i, n, p.a.Counters(), p.b.Counters())
		}
		got, from, trunc, err := cli.RecvFrom(buf)
		if err != nil || trunc || from != netip.AddrPortFrom(addrB, 7) || !bytes.Equal(buf[:got], msg) {
			t.Fatalf("datagram %d: n=%d from=%v trunc=%v err=%v", i, got, from, trunc, err)
		}
	}
	ca := p.a.Counters()
	if ca.ARPRequests != 1 || ca.ARPResolved != 1 || ca.Dropped != 0 {
		t.Fatalf("counters A: %+v", ca)
	}
	if cb := p.b.Counters(); cb.Dropped != 0 {
		t.Fatalf("counters B: %+v", cb)
	}
}

// The stack answers an ICMP echo request with the same identifier, sequence
// and data, and a correct checksum.
func TestEchoReply(t *testing.T) {
	h := newRaw(t, Config{})
	h.teachARP(t)
	data := []byte("abcdefghijklmnopqrstuvwxyz")
	h.inject(t, echoFrame(addrB, addrA, 0x1234, 9, data))
	f := h.out()
	if f == nil {
		t.Fatalf("no reply; counters %+v", h.s.Counters())
	}
	eth, _ := wire.NewEthernetFrame(f)
	ip, err := wire.NewIPv4Packet(eth.Payload())
	if err != nil || !ip.VerifyChecksum() || ip.Src() != addrA || ip.Dst() != addrB {
		t.Fatalf("bad IP: %v", err)
	}
	icmp, err := wire.NewICMPv4Packet(ip.Payload())
	if err != nil || !icmp.VerifyChecksum() || icmp.Type() != wire.ICMPv4EchoReply ||
		icmp.EchoID() != 0x1234 || icmp.EchoSeq() != 9 || !bytes.Equal(icmp.Data(), data) {
		t.Fatalf("bad reply %x", f)
	}
	if eth.Dst() != macB {
		t.Fatalf("reply to %v", eth.Dst())
	}
}

// A datagram to a closed port gets ICMP port unreachable quoting it.
func TestPortUnreachable(t *testing.T) {
	h := newRaw(t, Config{})
	h.teachARP(t)
	orig := udpFrame(netip.AddrPortFrom(addrB, 5000), netip.AddrPortFrom(addrA, 9999), []byte("hi"))
	h.inject(t, orig)
	f := h.out()
	if f == nil {
		t.Fatal("no ICMP error")
	}
	ip, _ := wire.NewIPv4Packet(f[wire.EthernetHeaderLen:])
	icmp, err := wire.NewICMPv4Packet(ip.Payload())
	if err != nil || !icmp.VerifyChecksum() || icmp.Type() != wire.ICMPv4DestUnreachable || icmp.Code() != wire.ICMPv4CodePortUnreachable {
		t.Fatalf("bad error %x", f)
	}
	// A short datagram is quoted whole (RFC 1812 allows up to 576 bytes).
	if !bytes.Equal(icmp.Data(), orig[wire.EthernetHeaderLen:]) {
		t.Fatalf("quote %x", icmp.Data())
	}
	if c := h.s.Counters(); c.UDPPortUnreachable != 1 || c.Drop(DropNoSocket) != 1 {
		t.Fatalf("counters %+v", c)
	}
}

// Now reads the reactor's clock once the stack is spawned, so a protocol
// client arming a deadline between polls (or before the first) measures
// from the present, not from a stale poll.
func TestNowFollowsReactorClock(t *testing.T) {
	devA, _ := loopback.NewPair(loopback.Config{})
	s, err := New(devA, Config{Addr: netip.MustParsePrefix("10.1.0.1/24")})
	if err != nil {
		t.Fatal(err)
	}
	clk := reactor.NewVirtualClock(reactor.Instant(5 * time.Second))
	r := reactor.New(clk)
	s.Spawn(r)
	if got := s.Now(); got != clk.Now() {
		t.Fatalf("before the first poll Now = %v, want the clock's %v", got, clk.Now())
	}
	r.Step()
	clk.Advance(3 * time.Second)
	if got := s.Now(); got != clk.Now() {
		t.Fatalf("between polls Now = %v, want the clock's %v", got, clk.Now())
	}
}
