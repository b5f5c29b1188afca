package stack

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/seed947b3480/legation/hal/loopback"
)

// The stack keeps at most MaxServers name and time servers, the first of
// longer lists, in its own storage: replacing them (a DHCP renewal)
// allocates nothing, and the caller's slice is not kept.
func TestServerLists(t *testing.T) {
	var five []netip.Addr
	for i := range 5 {
		five = append(five, netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)}))
	}
	dev, _ := loopback.NewPair(loopback.Config{})
	s, err := New(dev, Config{DNS: five, NTP: five[:2]})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.DNS(), five[:MaxServers]) || !slices.Equal(s.NTP(), five[:2]) {
		t.Fatalf("from Config: DNS %v, NTP %v", s.DNS(), s.NTP())
	}
	mine := slices.Clone(five)
	s.SetNTP(mine)
	mine[0] = netip.Addr{}
	if !slices.Equal(s.NTP(), five[:MaxServers]) {
		t.Fatalf("SetNTP kept the caller's slice or more than MaxServers: %v", s.NTP())
	}
	s.SetDNS(nil)
	if len(s.DNS()) != 0 {
		t.Fatalf("SetDNS(nil): %v", s.DNS())
	}
	lease := five[1:3]
	if n := testing.AllocsPerRun(100, func() { s.SetDNS(lease); s.SetNTP(five) }); n != 0 {
		t.Fatalf("%v allocations replacing the server lists", n)
	}
	if !slices.Equal(s.DNS(), lease) {
		t.Fatalf("DNS %v, want %v", s.DNS(), lease)
	}
}
