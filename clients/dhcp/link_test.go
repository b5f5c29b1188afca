package dhcp

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/dhcp/dhcptest"
	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/wire"
)

// A bound client whose link goes down and comes back confirms its lease
// with INIT-REBOOT within a link check (1 s), keeping the address in the
// meantime: the lease still holds.
func TestLinkFlapBound(t *testing.T) {
	h := newHarness(t, Config{}, dhcptest.Config{})
	l := h.mustBind()
	h.r.RunFor(time.Minute)
	n := len(h.msgs)

	h.devC.SetLinkState(hal.LinkDown)
	h.r.RunFor(30 * time.Second)
	if len(h.msgs) != n || h.cs.Addr() != l.Addr {
		t.Fatalf("link down: %d messages, stack %v", len(h.msgs)-n, h.cs.Addr())
	}
	up := h.now()
	h.devC.SetLinkState(hal.LinkUp)
	h.r.RunUntil(time.Minute, func() bool { return len(h.events) == 2 })

	if len(h.msgs) != n+1 {
		t.Fatalf("after link up: %+v", h.msgs[n:])
	}
	r := h.msgs[n]
	if r.typ != wire.DHCPRequest || r.requested != poolIP || r.serverID.IsValid() || r.ciaddr.IsValid() && !r.ciaddr.IsUnspecified() {
		t.Fatalf("not an INIT-REBOOT REQUEST: %+v", r)
	}
	if d := r.at.Sub(up); d < 0 || d > time.Second {
		t.Fatalf("REQUEST %v after link up, want within the 1 s link check", d)
	}
	e := h.lastEvent()
	if e.Event != EventBound || e.Addr != l.Addr || e.Start != r.at || h.c.Stats().Probes != 2 {
		t.Fatalf("after reboot: %+v, stats %+v", e, h.c.Stats())
	}
	if h.cs.Addr() != l.Addr {
		t.Fatalf("stack %v", h.cs.Addr())
	}
}

// After a link flap with no server answering, the client keeps the lease
// it holds (RFC 2131 3.2 step 5) and renews it at T1 as usual.
func TestLinkFlapNoServer(t *testing.T) {
	h := newHarness(t, Config{}, dhcptest.Config{})
	l := h.mustBind()
	h.script = func(m *wire.DHCPv4Repr) dhcptest.Action {
		if m.MessageType == wire.DHCPRequest && m.ClientAddr.IsUnspecified() {
			return dhcptest.Drop // INIT-REBOOT requests only
		}
		return dhcptest.Answer
	}
	h.devC.SetLinkState(hal.LinkDown)
	h.r.RunFor(5 * time.Second)
	h.devC.SetLinkState(hal.LinkUp)
	if !h.runUntilState(2*time.Second, StateRebooting) || !h.runUntilState(2*time.Minute, StateBound) {
		t.Fatalf("state %v", h.c.State())
	}
	if rs := h.msgsOf(wire.DHCPRequest); len(rs) != 5 { // 1 SELECTING + 4 INIT-REBOOT
		t.Fatalf("REQUESTs %+v", rs)
	}
	if len(h.events) != 1 || h.cs.Addr() != l.Addr {
		t.Fatalf("events %+v, stack %v", h.events, h.cs.Addr())
	}
	h.r.RunUntil(time.Hour, func() bool { return len(h.events) == 2 })
	if e := h.lastEvent(); e.Event != EventRenewed || h.now() != l.Renew {
		t.Fatalf("%+v at %v, want renewal at %v", e, h.now(), l.Renew)
	}
}

// While the link is down nothing is sent; when it comes back an exchange
// in progress starts over at once instead of waiting out a long backoff.
func TestLinkFlapSelecting(t *testing.T) {
	h := newHarness(t, Config{Timeout: -1}, dhcptest.Config{})
	h.script = func(*wire.DHCPv4Repr) dhcptest.Action { return dhcptest.Drop }
	h.c.Start()
	h.runUntilMsgs(time.Minute, 4) // DISCOVERs at about 0, 4, 12, 28 s
	h.devC.SetLinkState(hal.LinkDown)
	n := len(h.msgs)
	h.r.RunFor(5 * time.Minute)
	if len(h.msgs) != n {
		t.Fatalf("sent %d messages with the link down", len(h.msgs)-n)
	}
	h.script = nil
	up := h.now()
	h.devC.SetLinkState(hal.LinkUp)
	h.r.RunUntil(time.Minute, func() bool { _, ok := h.c.Lease(); return ok })
	d := h.msgs[n]
	if d.typ != wire.DHCPDiscover || d.at.Sub(up) > time.Second || d.xid == h.msgs[n-1].xid {
		t.Fatalf("first message after link up: %+v (%v after)", d, d.at.Sub(up))
	}
	if _, ok := h.c.Lease(); !ok {
		t.Fatalf("no lease after link up; state %v", h.c.State())
	}
}

// Release sends DHCPRELEASE to the server, which frees the binding, then
// removes the address and stops.
func TestRelease(t *testing.T) {
	h := newHarness(t, Config{}, dhcptest.Config{})
	l := h.mustBind()
	if _, ok := h.srv.Bound(h.cs.HardwareAddr()); !ok {
		t.Fatal("server holds no binding")
	}
	h.c.Release()
	h.runUntilState(5*time.Second, StateStopped)
	rel := h.msgsOf(wire.DHCPRelease)
	if len(rel) != 1 || rel[0].dst != serverIP || rel[0].ciaddr != poolIP || rel[0].serverID != serverIP || rel[0].broadcast {
		t.Fatalf("RELEASE %+v", rel)
	}
	if e := h.lastEvent(); e.Event != EventReleased || e.Addr != l.Addr {
		t.Fatalf("event %+v", e)
	}
	if _, ok := h.srv.Bound(h.cs.HardwareAddr()); ok || h.cs.Addr().IsValid() || h.c.State() != StateStopped {
		t.Fatalf("after release: server binding kept or stack %v, state %v", h.cs.Addr(), h.c.State())
	}
	n := len(h.msgs)
	h.r.RunFor(time.Hour)
	if len(h.msgs) != n {
		t.Fatal("a released client kept talking")
	}
}
