package app

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/dhcp"
	"github.com/seed947b3480/legation/clients/dhcp/dhcptest"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

// With DHCP and no NTP server named, the device syncs with the lease's
// NTP server (NTPFromStack), and the dashboard shows the DHCP state. The
// device starts before the lease, as firmware would.
func TestDeviceDHCPVirtual(t *testing.T) {
	a, b := loopback.NewPair(loopback.Config{})
	r := reactor.New(reactor.NewVirtualClock(epoch))
	srv := dhcptest.New(b, dhcptest.Config{Addr: peerAddr, PoolStart: devAddr.Addr(), PoolSize: 4, NTP: []netip.Addr{peerAddr.Addr()}})
	st, err := stack.New(a, stack.Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	peer, err := stack.New(srv, stack.Config{Addr: peerAddr, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	st.Spawn(r)
	peer.Spawn(r)
	if _, err := ServeDemoPeer(r, peer, 250*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	c, err := dhcp.New(st, dhcp.Config{Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	c.Spawn(r)
	c.Start()
	d, err := New(r, st, Config{Name: "dhcp-dev", Link: "loopback", DHCP: c, NTPFromStack: true,
		MQTT: peerAddr.Addr().String(), Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if !r.RunUntil(time.Minute, func() bool { s := d.State(); return s.MQTTUp && s.NTPSynced }) {
		t.Fatalf("state %+v, address %v", d.State(), st.Addr())
	}
	if s := d.State(); s.NTPServer != peerAddr.Addr() || s.NTPOffset < 240*time.Millisecond || s.NTPOffset > 260*time.Millisecond {
		t.Fatalf("state %+v", s)
	}
	rg := &rig{t: t, r: r, st: st, peer: peer}
	if i := rg.info(); i.App["dhcp_state"] != "BOUND" || i.App["ntp_server"] != "192.168.7.1" {
		t.Fatalf("/api/info %+v", i)
	}
}
