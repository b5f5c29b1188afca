package netup

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/dhcp"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

// -dhcp on the loopback link leases the address a static demo would use
// from the peer's scripted server, with the peer as gateway, DNS and NTP
// server; -dns overrides the lease's DNS servers.
func TestDHCPFlagLoopback(t *testing.T) {
	f := &Flags{Link: "loopback", DHCP: true, DNS: "192.0.2.53"}
	env, err := f.Up()
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	if env.DHCP == nil {
		t.Fatal("Env.DHCP is nil")
	}
	l, ok := env.DHCP.Lease()
	want := netip.MustParsePrefix("192.168.7.2/24")
	if !ok || l.Addr != want || env.Stack.Addr() != want || l.Gateway != env.PeerAddr || env.Stack.Gateway() != env.PeerAddr {
		t.Fatalf("lease %+v (%v), stack %v via %v", l, ok, env.Stack.Addr(), env.Stack.Gateway())
	}
	if ntp := env.Stack.NTP(); len(ntp) != 1 || ntp[0] != env.PeerAddr {
		t.Fatalf("NTP %v", ntp)
	}
	if dns := env.Stack.DNS(); len(dns) != 1 || dns[0] != netip.MustParseAddr("192.0.2.53") || l.DNS.N != 1 || l.DNS.Addrs[0] != env.PeerAddr {
		t.Fatalf("stack DNS %v, lease DNS %v: -dns should win", dns, l.DNS.Slice())
	}
}

// With no server on the link the wait ends with dhcp.ErrTimeout.
func TestDHCPTimeout(t *testing.T) {
	a, _ := loopback.NewPair(loopback.Config{})
	env := &Env{Reactor: reactor.New(reactor.NewRealClock())}
	var err error
	if env.Stack, err = stack.New(a, stack.Config{}); err != nil {
		t.Fatal(err)
	}
	env.Stack.Spawn(env.Reactor)
	if err := startDHCP(env, nil, 200*time.Millisecond); !errors.Is(err, dhcp.ErrTimeout) {
		t.Fatalf("startDHCP: %v", err)
	}
}

func TestDHCPWithStaticIsError(t *testing.T) {
	for _, f := range []*Flags{{DHCP: true, Addr: "10.0.0.2/24"}, {DHCP: true, GW: "10.0.0.1"}} {
		if _, err := f.Up(); !errors.Is(err, ErrDHCPWithStatic) {
			t.Fatalf("%+v: %v", f, err)
		}
	}
}
