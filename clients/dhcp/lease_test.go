package dhcp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/dhcp/dhcptest"
	"github.com/seed947b3480/legation/wire"
)

// At T1 the client unicasts a REQUEST to its server, from its address,
// with ciaddr set, no server identifier or requested address and no
// broadcast flag (RFC 2131 4.3.2, 4.4.5); the ACK renews the lease from
// the REQUEST's instant without touching the stack's address (no new
// gratuitous ARP, neighbours kept).
func TestRenewAtT1(t *testing.T) {
	h := newHarness(t, Config{}, dhcptest.Config{})
	l := h.mustBind()
	h.r.RunFor(10 * time.Second) // the gratuitous ARPs of the new address go out
	arps := h.cs.Counters().ARPGratuitous
	n := len(h.msgs)

	h.r.RunUntil(time.Hour, func() bool { return len(h.events) == 2 })
	if len(h.msgs) != n+1 {
		t.Fatalf("renewal took %d messages: %+v", len(h.msgs)-n, h.msgs[n:])
	}
	r := h.msgs[n]
	if r.typ != wire.DHCPRequest || r.at != l.Renew || r.at.Sub(l.Start) != 30*time.Minute {
		t.Fatalf("renewal %v at %v, want REQUEST at T1 = %v", r.typ, r.at, l.Renew)
	}
	if r.dst != serverIP || r.fromAddress != poolIP || r.ciaddr != poolIP || r.broadcast ||
		r.serverID.IsValid() || r.requested.IsValid() {
		t.Fatalf("renewal REQUEST %+v", r)
	}
	e := h.lastEvent()
	if e.Event != EventRenewed || e.Addr != l.Addr || e.Start != r.at || e.Expires != r.at.Add(time.Hour) {
		t.Fatalf("renewed lease %+v", e)
	}
	if h.c.State() != StateBound || h.cs.Addr() != l.Addr || h.cs.Counters().ARPGratuitous != arps {
		t.Fatalf("state %v, stack %v, gratuitous ARPs %d -> %d", h.c.State(), h.cs.Addr(), arps, h.cs.Counters().ARPGratuitous)
	}
	// And again at the next T1.
	h.r.RunUntil(time.Hour, func() bool { return len(h.events) == 3 })
	if e2 := h.lastEvent(); e2.Event != EventRenewed || e2.Start != e.Renew {
		t.Fatalf("second renewal %+v, want at %v", e2, e.Renew)
	}
}

// T1 and T2 from the server (options 58 and 59) replace the defaults.
func TestServerT1T2(t *testing.T) {
	h := newHarness(t, Config{}, dhcptest.Config{Lease: 10 * time.Minute, T1: 2 * time.Minute, T2: 3 * time.Minute})
	l := h.mustBind()
	if l.T1 != 2*time.Minute || l.T2 != 3*time.Minute || l.Duration != 10*time.Minute {
		t.Fatalf("lease %+v", l)
	}
	n := len(h.msgs)
	h.r.RunUntil(time.Hour, func() bool { return len(h.events) == 2 })
	if r := h.msgs[n]; r.at.Sub(l.Start) != 2*time.Minute || r.dst != serverIP {
		t.Fatalf("renewal at %v to %v", r.at.Sub(l.Start), r.dst)
	}
}

// With the server silent to unicast, RENEWING retries at half the time
// left to T2 (never sooner than 60 s apart); at T2 the client broadcasts
// (REBINDING) and the server's answer rebinds the lease.
func TestRebindAtT2(t *testing.T) {
	h := newHarness(t, Config{}, dhcptest.Config{})
	l := h.mustBind()
	var renewals []seen
	h.script = func(m *wire.DHCPv4Repr) dhcptest.Action {
		if m.MessageType == wire.DHCPRequest && h.msgs[len(h.msgs)-1].dst != bcast {
			return dhcptest.Drop
		}
		return dhcptest.Answer
	}
	n := len(h.msgs)
	h.r.RunUntil(time.Hour, func() bool { return len(h.events) == 2 })
	for _, m := range h.msgs[n:] {
		if m.dst == serverIP {
			renewals = append(renewals, m)
		}
	}
	// T1 = 30 min, T2 = 52.5 min: retries at +11.25, +5.625, +2.8125
	// and +1.40625 min, then every 60 s until T2.
	t1, t2 := l.Start.Add(30*time.Minute), l.Start.Add(52*time.Minute+30*time.Second)
	want := []time.Duration{0}
	at := time.Duration(0)
	for {
		left := t2.Sub(t1) - at
		w := max(left/2, 60*time.Second)
		if w >= left {
			break
		}
		at += w
		want = append(want, at)
	}
	if len(renewals) != len(want) {
		t.Fatalf("%d unicast renewals, want %d at %v", len(renewals), len(want), want)
	}
	for i, r := range renewals {
		if r.at != t1.Add(want[i]) || r.ciaddr != poolIP {
			t.Fatalf("renewal %d at T1+%v, want T1+%v: %+v", i, r.at.Sub(t1), want[i], r)
		}
	}
	rb := h.msgs[len(h.msgs)-1]
	if rb.at != t2 || rb.dst != bcast || rb.fromAddress != poolIP || rb.ciaddr != poolIP || rb.serverID.IsValid() || rb.broadcast {
		t.Fatalf("rebinding REQUEST %+v, want a broadcast at T2 = %v", rb, t2)
	}
	if e := h.lastEvent(); e.Event != EventRebound || e.Start != t2 || h.c.State() != StateBound {
		t.Fatalf("event %+v, state %v", e, h.c.State())
	}
}

// With no server at all after binding, the lease runs out exactly at its
// end: the address, gateway, DNS and NTP servers leave the stack, the
// client reports EventExpired and starts over from 0.0.0.0, asking for its
// old address back.
func TestExpiry(t *testing.T) {
	h := newHarness(t, Config{}, dhcptest.Config{Lease: 10 * time.Minute})
	l := h.mustBind()
	h.script = func(*wire.DHCPv4Repr) dhcptest.Action { return dhcptest.Drop }
	h.r.RunUntil(time.Hour, func() bool { return h.lastEvent().Event == EventExpired })
	e := h.lastEvent()
	if e.Event != EventExpired || h.now() != l.Expires || e.Addr != l.Addr {
		t.Fatalf("event %+v at %v, want expiry of %v at %v", e, h.now(), l.Addr, l.Expires)
	}
	if h.cs.Addr().IsValid() || h.cs.Gateway().IsValid() || len(h.cs.DNS()) != 0 || len(h.cs.NTP()) != 0 {
		t.Fatalf("stack still configured: %v via %v, DNS %v, NTP %v", h.cs.Addr(), h.cs.Gateway(), h.cs.DNS(), h.cs.NTP())
	}
	if _, ok := h.c.Lease(); ok {
		t.Fatal("Lease() still reports a lease")
	}
	n := len(h.msgs)
	h.runUntilMsgs(time.Second, n+1)
	d := h.msgs[len(h.msgs)-1]
	if d.typ != wire.DHCPDiscover || d.at != l.Expires || d.fromAddress != netip.IPv4Unspecified() || !d.broadcast || d.requested != poolIP {
		t.Fatalf("after expiry: %+v", d)
	}
	// Rebinding was tried before: broadcast REQUESTs between T2 and expiry.
	rebinds := 0
	for _, m := range h.msgs {
		if m.typ == wire.DHCPRequest && m.dst == bcast && m.ciaddr == poolIP {
			rebinds++
		}
	}
	if rebinds == 0 {
		t.Fatal("no REBINDING broadcast before the lease expired")
	}
	// The server comes back: the client gets a lease again.
	h.script = nil
	h.r.RunUntil(time.Minute, func() bool { return h.lastEvent().Event == EventBound })
	if h.cs.Addr() != l.Addr {
		t.Fatalf("rebound to %v", h.cs.Addr())
	}
}

// An infinite lease has no timers: nothing is sent for a long time.
func TestInfiniteLease(t *testing.T) {
	h := newHarness(t, Config{LinkCheckInterval: -1}, dhcptest.Config{Lease: time.Duration(wire.DHCPv4Infinite) * time.Second})
	l := h.mustBind()
	if l.Duration != Infinite || l.Expires != 1<<63-1 || l.Renew != l.Expires {
		t.Fatalf("lease %+v", l)
	}
	n := len(h.msgs)
	h.r.RunFor(1000 * time.Hour)
	if len(h.msgs) != n || h.c.State() != StateBound {
		t.Fatalf("sent %d messages, state %v", len(h.msgs)-n, h.c.State())
	}
}
