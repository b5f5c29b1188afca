package interop

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/dhcp"
	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/qemu"
	"github.com/seed947b3480/legation/hal/tap"
	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/udp"
)

var dhcpDnsmasqAddr = netip.MustParseAddr("10.77.0.1")

// The DHCP client against dnsmasq over TAP, in a namespace the test makes:
// it leases an address, gateway, DNS and NTP server (and the kernel reaches
// the stack at that address); it renews at the T1 dnsmasq sends; and when
// dnsmasq is gone it rebinds in vain and gives the address up when the
// lease ends.
//
// dnsmasq grants two minutes at least. The T1 and T2 it sends are set to
// 3 and 5 s (options 58 and 59), so renewal and rebinding happen at once;
// the expiry takes the whole two minutes, in real time. The test runs in
// parallel with the other interop tests to hide that wait.
func TestDHCPDnsmasq(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("dnsmasq"); err != nil {
		t.Skip("interop: skipped: dnsmasq not found (Debian package dnsmasq-base)")
	}
	ns := netnstest.New(t)
	dev, err := tap.Open(tap.Config{Name: "tap0", Netns: ns.Name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	dc := startDHCPClient(t, dev, dhcp.Config{Hostname: "legation-dut"})
	ns.ConfigureTap(t, "tap0", "10.77.0.1/24", 1500)
	if p := os.Getenv("LEGATION_DHCP_TCPDUMP"); p != "" {
		// tcpdump's capture of the exchange, for the wire fixtures.
		dhcpTcpdump(t, ns, p)
	}
	dm := startDHCPDnsmasq(t, ns,
		"dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,2m",
		"dhcp-option=option:ntp-server,10.77.0.1",
		"dhcp-option=option:T1,3",
		"dhcp-option=option:T2,5",
	)

	start := time.Now()
	f := dc.start()
	l := dc.waitEvent(t, dhcp.EventBound, 15*time.Second)
	t.Logf("bound %v in %v: %+v", l.Addr, time.Since(start).Round(time.Millisecond), l)
	lo, hi := netip.MustParseAddr("10.77.0.100"), netip.MustParseAddr("10.77.0.150")
	if a := l.Addr.Addr(); l.Addr.Bits() != 24 || a.Less(lo) || hi.Less(a) {
		t.Fatalf("leased %v, outside dnsmasq's range", l.Addr)
	}
	if l.Gateway != dhcpDnsmasqAddr || l.Server != dhcpDnsmasqAddr ||
		l.DNS.N != 1 || l.DNS.Addrs[0] != dhcpDnsmasqAddr || l.NTP.N != 1 || l.NTP.Addrs[0] != dhcpDnsmasqAddr {
		t.Fatalf("lease %+v: want gateway, server, DNS and NTP all 10.77.0.1", l)
	}
	if l.Duration != 2*time.Minute || l.T1 != 3*time.Second || l.T2 != 5*time.Second {
		t.Fatalf("lease times %v, T1 %v, T2 %v", l.Duration, l.T1, l.T2)
	}
	var addr netip.Prefix
	var gw netip.Addr
	var dns, ntp []netip.Addr
	dc.do(func() {
		addr, gw = dc.s.Addr(), dc.s.Gateway()
		dns, ntp = append(dns, dc.s.DNS()...), append(ntp, dc.s.NTP()...)
	})
	if addr != l.Addr || gw != dhcpDnsmasqAddr || len(dns) != 1 || dns[0] != dhcpDnsmasqAddr || len(ntp) != 1 || ntp[0] != dhcpDnsmasqAddr {
		t.Fatalf("stack configured with %v via %v, DNS %v, NTP %v", addr, gw, dns, ntp)
	}
	if res, err := f.Result(); !f.Done() || err != nil || res != l {
		t.Fatalf("Start future: %+v, %v", res, err)
	}
	// dnsmasq's own records: the lease file names our MAC, address and
	// hostname; the kernel reaches the stack at the leased address.
	hw := dc.s.HardwareAddr()
	mac := net.HardwareAddr(hw[:]).String()
	leases, _ := os.ReadFile(dm.leases)
	if !bytes.Contains(leases, []byte(mac+" "+l.Addr.Addr().String()+" legation-dut")) {
		t.Fatalf("dnsmasq lease file:\n%s", leases)
	}
	if out := ns.Run(t, "ping", "-c", "1", "-W", "2", l.Addr.Addr().String()); !strings.Contains(string(out), "1 received") {
		t.Fatalf("ping %v:\n%s", l.Addr.Addr(), out)
	}

	// Renewal at T1: a unicast REQUEST dnsmasq acknowledges again.
	r := dc.waitEvent(t, dhcp.EventRenewed, 10*time.Second)
	if r.Addr != l.Addr || r.Start.Sub(l.Start) < 3*time.Second || r.Start.Sub(l.Start) > 4*time.Second {
		t.Fatalf("renewed %v at +%v, want the same address at T1 (+3 s)", r.Addr, r.Start.Sub(l.Start))
	}
	if n := dm.log.count("DHCPACK(tap0) "+l.Addr.Addr().String(), mac); n < 2 {
		t.Fatalf("dnsmasq logged %d ACKs for %v, want the first and the renewal:\n%s", n, l.Addr, dm.log)
	}

	// dnsmasq goes away. The client renews and rebinds in vain (the next
	// T1 and T2), then the lease runs out.
	dm.stop()
	var st dhcp.State
	deadline := time.Now().Add(10 * time.Second)
	for st != dhcp.StateRebinding {
		if time.Now().After(deadline) {
			t.Fatalf("not REBINDING 10 s after dnsmasq stopped; state %v", st)
		}
		dc.waitFor(time.Second, func() bool { st = dc.c.State(); return st == dhcp.StateRebinding })
	}
	var lease dhcp.Lease
	var held bool
	dc.do(func() { lease, held = dc.c.Lease() })
	if !held {
		t.Fatal("REBINDING without a lease")
	}
	// No shortcut: the lease runs out in real time (dnsmasq's 2-minute
	// minimum), with the client's REQUESTs going unanswered all along.
	t.Logf("REBINDING; waiting for the lease to end at %v", lease.Expires)
	e := dc.waitEvent(t, dhcp.EventExpired, 2*time.Minute+15*time.Second)
	if e.Addr != l.Addr {
		t.Fatalf("expired %v", e.Addr)
	}
	dc.do(func() { addr, gw, dns, ntp = dc.s.Addr(), dc.s.Gateway(), dc.s.DNS(), dc.s.NTP() })
	if addr.IsValid() || gw.IsValid() || len(dns) != 0 || len(ntp) != 0 {
		t.Fatalf("after expiry the stack still has %v via %v, DNS %v, NTP %v", addr, gw, dns, ntp)
	}
	var stats dhcp.Stats
	dc.do(func() { st, stats = dc.c.State(), dc.c.Stats() })
	if st != dhcp.StateSelecting || stats.Requests < 4 {
		t.Fatalf("after expiry: state %v, stats %+v (want renewals and rebinds sent, then DISCOVERs)", st, stats)
	}
	t.Logf("whole exchange took %v of real time", time.Since(start).Round(time.Millisecond))
}

// The DHCP client through QEMU's user-mode network (QEMU as the switch):
// slirp's DHCP server leases 10.0.2.15/24 with gateway 10.0.2.2 and DNS
// 10.0.2.3.
func TestDHCPQEMU(t *testing.T) {
	requireTools(t, [2]string{"qemu-system-arm", "qemu-system-arm"})
	dev, err := qemu.Listen("tcp", "127.0.0.1:0", qemu.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	args := []string{"-M", "none", "-nographic", "-monitor", "none", "-serial", "none",
		"-netdev", "user,id=u0",
		"-netdev", "socket,id=s0,connect=" + dev.Addr().String(),
		"-netdev", "hubport,id=p0,hubid=0,netdev=u0", "-netdev", "hubport,id=p1,hubid=0,netdev=s0"}
	if p := os.Getenv("LEGATION_DHCP_QEMU_DUMP"); p != "" {
		// QEMU's own capture of the hub port, for the wire fixtures.
		args = append(args, "-object", fmt.Sprintf("filter-dump,id=f0,netdev=p1,file=%s", p))
	}
	cmd := exec.Command("qemu-system-arm", args...)
	var qemuOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &qemuOut, &qemuOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	dc := startDHCPClient(t, dev, dhcp.Config{})
	if !dc.waitFor(10*time.Second, func() bool { return dev.LinkState() == hal.LinkUp }) {
		t.Fatalf("QEMU never connected to %s\nqemu: %s", dev.Addr(), qemuOut.String())
	}
	dc.start()
	l := dc.waitEvent(t, dhcp.EventBound, 15*time.Second)
	if l.Addr != slirpGuest || l.Gateway != slirpGateway || l.DNS.N != 1 || l.DNS.Addrs[0] != netip.MustParseAddr("10.0.2.3") {
		t.Fatalf("slirp lease %+v, want 10.0.2.15/24 via 10.0.2.2, DNS 10.0.2.3", l)
	}
	var addr netip.Prefix
	dc.do(func() { addr = dc.s.Addr() })
	if addr != slirpGuest {
		t.Fatalf("stack address %v", addr)
	}
	// The address works: the stack resolves the gateway from it.
	dc.do(func() {
		if err := dc.s.NewUDPSocket(udp.Config{}).SendTo([]byte("x"), netip.AddrPortFrom(slirpGateway, 9)); err != nil {
			t.Error(err)
		}
	})
	if !dc.waitFor(5*time.Second, func() bool { _, ok := dc.s.Neighbor(slirpGateway); return ok }) {
		t.Fatalf("10.0.2.2 not resolved from the leased address; counters %+v", dc.counters())
	}
}
