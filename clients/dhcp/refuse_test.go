package dhcp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/dhcp/dhcptest"
	"github.com/seed947b3480/legation/wire"
)

// A NAK in REQUESTING sends the client back to INIT at once, with a new
// xid; the next exchange binds.
func TestNAKWhileRequesting(t *testing.T) {
	h := newHarness(t, Config{}, dhcptest.Config{})
	naks := 1
	h.script = func(m *wire.DHCPv4Repr) dhcptest.Action {
		if m.MessageType == wire.DHCPRequest && naks > 0 {
			naks--
			return dhcptest.Refuse
		}
		return dhcptest.Answer
	}
	l := h.mustBind()
	if len(h.events) != 2 || h.events[0].Event != EventNAK || h.events[0].Addr.Addr() != poolIP || l.Event != EventBound {
		t.Fatalf("events %+v", h.events)
	}
	if len(h.msgs) < 4 || h.msgs[2].typ != wire.DHCPDiscover || h.msgs[2].at != h.msgs[1].at || h.msgs[2].xid == h.msgs[1].xid {
		t.Fatalf("after the NAK: %+v", h.msgs)
	}
	// A NAK'd address is not asked for again.
	if h.msgs[2].requested.IsValid() {
		t.Fatalf("DISCOVER after NAK asks for %v", h.msgs[2].requested)
	}
	if h.c.Stats().Naks != 1 {
		t.Fatalf("stats %+v", h.c.Stats())
	}
}

// Servers that NAK every time are answered with growing pauses, not a
// flood.
func TestNAKBackoff(t *testing.T) {
	h := newHarness(t, Config{}, dhcptest.Config{})
	h.script = func(m *wire.DHCPv4Repr) dhcptest.Action {
		if m.MessageType == wire.DHCPRequest {
			return dhcptest.Refuse
		}
		return dhcptest.Answer
	}
	h.c.Start()
	h.r.RunFor(5 * time.Minute)
	ds := h.msgsOf(wire.DHCPDiscover)
	if len(ds) < 4 || len(ds) > 12 {
		t.Fatalf("%d DISCOVERs in 5 minutes of NAKs", len(ds))
	}
	g := gaps(ds)
	want := []time.Duration{0, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, 64 * time.Second, 64 * time.Second}
	for i := range min(len(g), len(want)) {
		if g[i] != want[i] {
			t.Fatalf("pauses after NAKs %v, want %v", g, want)
		}
	}
}

// A NAK while RENEWING takes the address away and starts over.
func TestNAKWhileRenewing(t *testing.T) {
	h := newHarness(t, Config{}, dhcptest.Config{})
	l := h.mustBind()
	h.script = func(m *wire.DHCPv4Repr) dhcptest.Action {
		if m.MessageType == wire.DHCPRequest && m.ClientAddr == poolIP {
			return dhcptest.Refuse
		}
		return dhcptest.Drop
	}
	h.r.RunUntil(time.Hour, func() bool { return len(h.events) == 2 })
	e := h.lastEvent()
	if e.Event != EventNAK || e.Addr != l.Addr || h.now() != l.Renew {
		t.Fatalf("event %+v at %v", e, h.now())
	}
	if h.cs.Addr().IsValid() || len(h.cs.DNS()) != 0 || h.c.State() != StateSelecting {
		t.Fatalf("after NAK: stack %v DNS %v state %v", h.cs.Addr(), h.cs.DNS(), h.c.State())
	}
}

// The server offers its own address: the ARP probe is answered, so the
// client declines it (DECLINE naming the address and the server), reports
// EventDeclined, waits 10 s (RFC 2131 3.1.5) and then takes the next
// address offered.
func TestDeclineOnConflict(t *testing.T) {
	h := newHarness(t, Config{}, dhcptest.Config{PoolStart: serverIP})
	l := h.mustBind()
	if len(h.events) != 2 || h.events[0].Event != EventDeclined || h.events[0].Addr.Addr() != serverIP {
		t.Fatalf("events %+v", h.events)
	}
	decl := h.msgsOf(wire.DHCPDecline)
	if len(decl) != 1 || decl[0].requested != serverIP || decl[0].serverID != serverIP || decl[0].dst != bcast ||
		decl[0].fromAddress != netip.IPv4Unspecified() || decl[0].ciaddr.IsValid() && !decl[0].ciaddr.IsUnspecified() {
		t.Fatalf("DECLINE %+v", decl)
	}
	req := h.msgsOf(wire.DHCPRequest)[0]
	if got := decl[0].at.Sub(req.at); got != time.Second {
		t.Fatalf("declined %v after the REQUEST; the reply to the first probe should do it at the next look, 1 s", got)
	}
	ds := h.msgsOf(wire.DHCPDiscover)
	if len(ds) != 2 || ds[1].at.Sub(decl[0].at) != 10*time.Second || ds[1].requested.IsValid() {
		t.Fatalf("restart after DECLINE: %+v", ds)
	}
	if l.Addr.Addr() != serverIP.Next() || h.cs.Addr() != l.Addr {
		t.Fatalf("bound to %v, stack %v", l.Addr, h.cs.Addr())
	}
	if h.c.Stats().Declines != 1 {
		t.Fatalf("stats %+v", h.c.Stats())
	}
}

// A remembered address is asked for with INIT-REBOOT: a broadcast REQUEST
// with the address in option 50, no server identifier and ciaddr 0 (RFC
// 2131 3.2); the ACK is probed and bound.
func TestInitReboot(t *testing.T) {
	want := poolIP.Next().Next()
	h := newHarness(t, Config{RequestedAddr: want}, dhcptest.Config{})
	l := h.mustBind()
	if len(h.msgs) != 1 {
		t.Fatalf("INIT-REBOOT took %+v", h.msgs)
	}
	r := h.msgs[0]
	if r.typ != wire.DHCPRequest || r.requested != want || r.serverID.IsValid() || !r.broadcast || r.dst != bcast ||
		r.fromAddress != netip.IPv4Unspecified() || r.ciaddr.IsValid() && !r.ciaddr.IsUnspecified() {
		t.Fatalf("INIT-REBOOT REQUEST %+v", r)
	}
	if l.Addr.Addr() != want || l.Event != EventBound || h.c.Stats().Probes != 2 {
		t.Fatalf("lease %+v stats %+v", l, h.c.Stats())
	}
}

// A remembered address from another network is NAK'd; the client
// discovers and binds to a local one.
func TestInitRebootNAK(t *testing.T) {
	h := newHarness(t, Config{RequestedAddr: netip.MustParseAddr("192.168.1.50")}, dhcptest.Config{})
	l := h.mustBind()
	if h.events[0].Event != EventNAK || h.events[0].Addr.Addr() != netip.MustParseAddr("192.168.1.50") {
		t.Fatalf("events %+v", h.events)
	}
	if h.msgs[1].typ != wire.DHCPDiscover || l.Addr.Addr() != poolIP {
		t.Fatalf("messages %+v lease %+v", h.msgs, l)
	}
}

// A remembered address nobody answers for is given up after four REQUESTs
// (RFC 2131 3.2 step 5 allows no more): the client discovers.
func TestInitRebootUnanswered(t *testing.T) {
	h := newHarness(t, Config{RequestedAddr: poolIP.Next(), Timeout: -1}, dhcptest.Config{})
	h.script = func(m *wire.DHCPv4Repr) dhcptest.Action {
		if m.MessageType == wire.DHCPRequest && !m.ServerID.IsValid() {
			return dhcptest.Drop
		}
		return dhcptest.Answer
	}
	l := h.mustBind()
	rs := h.msgsOf(wire.DHCPRequest)
	if len(rs) != 5 || rs[4].serverID != serverIP {
		t.Fatalf("REQUESTs %+v", rs)
	}
	checkBackoff(t, "INIT-REBOOT", gaps(rs[:4]))
	// The address offered is the one asked for in the DISCOVER.
	if d := h.msgsOf(wire.DHCPDiscover); len(d) != 1 || d[0].requested != poolIP.Next() || l.Addr.Addr() != poolIP.Next() {
		t.Fatalf("DISCOVER %+v lease %v", d, l.Addr)
	}
}
