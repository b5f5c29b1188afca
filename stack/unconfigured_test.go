package stack

import (
	"net/netip"
	"testing"

	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// newUnconfigured is a raw harness whose stack has no address yet, as a
// DHCP client's stack starts.
func newUnconfigured(t *testing.T) *raw {
	h := newRaw(t, Config{Addr: netip.MustParsePrefix("10.0.0.1/24")})
	h.s.SetAddr(netip.Prefix{}, netip.Addr{})
	h.r.RunFor(0)
	h.drain()
	return h
}

// Without an address the stack broadcasts from 0.0.0.0 and hears UDP sent
// to the broadcast address or unicast to an address it has not taken yet
// (RFC 2131 4.1); everything else is dropped as unconfigured.
func TestUnconfiguredDHCPTraffic(t *testing.T) {
	h := newUnconfigured(t)
	sock := h.s.NewUDPSocket(udp.Config{})
	if err := sock.Bind(netip.AddrPortFrom(netip.IPv4Unspecified(), 68)); err != nil {
		t.Fatal(err)
	}
	if err := sock.SendTo([]byte("discover"), netip.AddrPortFrom(limitedBroadcast, 67)); err != nil {
		t.Fatal(err)
	}
	h.r.RunFor(0)
	f := h.out()
	if f == nil {
		t.Fatalf("nothing sent; counters %+v", h.s.Counters())
	}
	eth, _ := wire.NewEthernetFrame(f)
	ip, err := wire.NewIPv4Packet(eth.Payload())
	if err != nil || eth.Dst() != wire.BroadcastHW || ip.Src() != netip.IPv4Unspecified() || ip.Dst() != limitedBroadcast {
		t.Fatalf("sent %v -> %v via %v (%v)", ip.Src(), ip.Dst(), eth.Dst(), err)
	}
	if err := sock.SendTo([]byte("x"), netip.AddrPortFrom(addrB, 67)); err != nil {
		t.Fatal(err)
	}
	h.r.RunFor(0)
	if h.out() != nil || h.s.Counters().Drop(DropUnconfigured) != 1 {
		t.Fatalf("unicast without an address: %+v", h.s.Counters())
	}

	offered := netip.MustParseAddr("10.0.0.77")
	for _, dst := range []netip.Addr{limitedBroadcast, offered} {
		h.inject(t, udpFrame(netip.AddrPortFrom(addrB, 67), netip.AddrPortFrom(dst, 68), []byte("offer")))
	}
	if sock.Readable() != 2 {
		t.Fatalf("heard %d offers, want 2; counters %+v", sock.Readable(), h.s.Counters())
	}
	before := h.s.Counters().Drop(DropUnconfigured)
	h.inject(t, echoFrame(addrB, offered, 1, 1, nil))
	if h.out() != nil || h.s.Counters().Drop(DropUnconfigured) != before+1 {
		t.Fatal("ping answered or not counted while unconfigured")
	}
}

// An ARP probe goes out from 0.0.0.0; a host using the address, or another
// host probing for it, is a conflict (RFC 5227 2.1.1).
func TestARPProbe(t *testing.T) {
	for _, tc := range []struct {
		name     string
		frame    []byte
		conflict bool
	}{
		{"reply from owner", arpFrame(wire.ARPReply, macB, netip.MustParseAddr("10.0.0.77"), macA, netip.IPv4Unspecified(), macA), true},
		{"other prober", arpFrame(wire.ARPRequest, macB, netip.IPv4Unspecified(), wire.HardwareAddr{}, netip.MustParseAddr("10.0.0.77"), wire.BroadcastHW), true},
		{"unrelated", arpFrame(wire.ARPRequest, macB, netip.MustParseAddr("10.0.0.9"), wire.HardwareAddr{}, netip.MustParseAddr("10.0.0.8"), wire.BroadcastHW), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newUnconfigured(t)
			ip := netip.MustParseAddr("10.0.0.77")
			if !h.s.ProbeARP(ip) {
				t.Fatal("probe not sent")
			}
			f := h.out()
			p, err := wire.NewARPPacket(f[wire.EthernetHeaderLen:])
			if err != nil || p.Op() != wire.ARPRequest || p.SenderIP() != netip.IPv4Unspecified() || p.TargetIP() != ip {
				t.Fatalf("probe %x (%v)", f, err)
			}
			h.inject(t, tc.frame)
			if got := h.s.ProbeConflict(ip); got != tc.conflict {
				t.Fatalf("conflict %v, want %v", got, tc.conflict)
			}
			h.s.EndProbe()
			if h.s.ProbeConflict(ip) {
				t.Fatal("conflict outlived EndProbe")
			}
		})
	}
}
