package dhcp

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/dhcp/dhcptest"
	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// DISCOVER, OFFER, REQUEST, ACK, two ARP probes, then the stack holds the
// lease: address and prefix, gateway, DNS and NTP servers (RFC 2131 3.1).
func TestAcquire(t *testing.T) {
	h := newHarness(t, Config{Hostname: "sensor-7"}, dhcptest.Config{})
	l := h.mustBind()

	want := netip.PrefixFrom(poolIP, 24)
	if l.Event != EventBound || l.Addr != want || l.Gateway != serverIP || l.Server != serverIP {
		t.Fatalf("lease %+v", l)
	}
	if got := h.cs.Addr(); got != want {
		t.Fatalf("stack address %v, want %v", got, want)
	}
	if h.cs.Gateway() != serverIP {
		t.Fatalf("stack gateway %v", h.cs.Gateway())
	}
	if dns := h.cs.DNS(); len(dns) != 1 || dns[0] != serverIP {
		t.Fatalf("stack DNS %v", dns)
	}
	if ntp := h.cs.NTP(); len(ntp) != 1 || ntp[0] != ntpIP {
		t.Fatalf("stack NTP %v", ntp)
	}
	if got, ok := h.c.Lease(); !ok || got != l {
		t.Fatalf("Lease() = %+v, %v", got, ok)
	}
	if len(h.events) != 1 || h.events[0] != l {
		t.Fatalf("events %+v", h.events)
	}
	if l.Duration != time.Hour || l.T1 != 30*time.Minute || l.T2 != 52*time.Minute+30*time.Second {
		t.Fatalf("times: lease %v T1 %v T2 %v", l.Duration, l.T1, l.T2)
	}
	if l.Renew != l.Start.Add(l.T1) || l.Rebind != l.Start.Add(l.T2) || l.Expires != l.Start.Add(l.Duration) {
		t.Fatalf("instants %+v", l)
	}

	if len(h.msgs) != 2 {
		t.Fatalf("server saw %d messages, want DISCOVER and REQUEST: %+v", len(h.msgs), h.msgs)
	}
	d, r := h.msgs[0], h.msgs[1]
	mac := h.cs.HardwareAddr()
	cid := string(append([]byte{1}, mac[:]...))
	for _, m := range h.msgs {
		if !m.broadcast || m.dst != bcast || m.fromAddress != netip.IPv4Unspecified() || m.ciaddr.IsValid() && !m.ciaddr.IsUnspecified() {
			t.Fatalf("%v not broadcast from 0.0.0.0 with the broadcast flag: %+v", m.typ, m)
		}
		if m.hostname != "sensor-7" || m.clientID != cid || m.paramReq != string(defaultParamRequest) || m.maxMsg != 1500 {
			t.Fatalf("%v options: %+v", m.typ, m)
		}
	}
	if d.typ != wire.DHCPDiscover || r.typ != wire.DHCPRequest || d.xid != r.xid {
		t.Fatalf("exchange %+v", h.msgs)
	}
	if r.serverID != serverIP || r.requested != poolIP {
		t.Fatalf("REQUEST in SELECTING must name the server and the address: %+v", r)
	}
	// The lease counts from the REQUEST, and the address is taken only
	// after two probes one second apart and a second's wait.
	if l.Start != r.at {
		t.Fatalf("lease starts at %v, REQUEST sent at %v", l.Start, r.at)
	}
	if c := h.c.Stats(); c.Probes != 2 || c.Discovers != 1 || c.Requests != 1 || c.Offers != 1 || c.Acks != 1 {
		t.Fatalf("stats %+v", c)
	}
	if got := h.now().Sub(r.at); got != 2*time.Second {
		t.Fatalf("bound %v after the REQUEST, want 2 s of probing", got)
	}
}

// Without probing the address is taken at the ACK; without a server the
// future fails with ErrTimeout while the client keeps discovering.
func TestNoProbeAndTimeout(t *testing.T) {
	h := newHarness(t, Config{ProbeCount: -1}, dhcptest.Config{})
	h.mustBind()
	if h.c.Stats().Probes != 0 || h.now() != h.msgs[1].at {
		t.Fatalf("probed anyway: %+v at %v", h.c.Stats(), h.now())
	}

	h = newHarness(t, Config{Timeout: 20 * time.Second}, dhcptest.Config{})
	h.script = func(*wire.DHCPv4Repr) dhcptest.Action { return dhcptest.Drop }
	h.start(time.Minute)
	if _, err := h.future.Result(); !errors.Is(err, ErrTimeout) {
		t.Fatalf("future: %v", err)
	}
	if h.now() != 20*1e9 {
		t.Fatalf("timed out at %v, want 20s", h.now())
	}
	n := len(h.msgs)
	h.r.RunFor(2 * time.Minute)
	if len(h.msgs) <= n || h.c.State() != StateSelecting {
		t.Fatalf("client stopped trying after the timeout: %d messages, state %v", len(h.msgs), h.c.State())
	}
}

// Stop ends a client before a lease: the future fails with ErrStopped and
// nothing more is sent.
func TestStop(t *testing.T) {
	h := newHarness(t, Config{}, dhcptest.Config{})
	h.script = func(*wire.DHCPv4Repr) dhcptest.Action { return dhcptest.Drop }
	f := h.c.Start()
	h.r.RunFor(10 * time.Second)
	h.c.Stop()
	if _, err := f.Result(); !errors.Is(err, ErrStopped) {
		t.Fatalf("future after Stop: %v", err)
	}
	n := len(h.msgs)
	h.r.RunFor(time.Minute)
	if len(h.msgs) != n || h.c.State() != StateStopped {
		t.Fatalf("stopped client sent %d more", len(h.msgs)-n)
	}
	// It starts again, with a fresh future; stopped when bound, it takes
	// its address out of the stack, since nobody would renew it.
	h.script = nil
	h.mustBind()
	events := len(h.events)
	h.c.Stop()
	if h.cs.Addr().IsValid() || len(h.cs.DNS()) != 0 || len(h.events) != events {
		t.Fatalf("after Stop: stack %v, DNS %v, %d new events", h.cs.Addr(), h.cs.DNS(), len(h.events)-events)
	}
}

// A second client on the same stack cannot have port 68: its future
// fails at once with the socket's error.
func TestStartPortTaken(t *testing.T) {
	h := newHarness(t, Config{}, dhcptest.Config{})
	h.c.Start()
	other, err := New(h.cs, Config{})
	if err != nil {
		t.Fatal(err)
	}
	f := other.Start()
	if _, err := f.Result(); !f.Done() || !errors.Is(err, udp.ErrAddressInUse) || other.State() != StateStopped {
		t.Fatalf("second client: done %v, %v, state %v", f.Done(), err, other.State())
	}
}

// Inconsistent configurations are refused with ErrBadConfig.
func TestBadConfig(t *testing.T) {
	h := newHarness(t, Config{}, dhcptest.Config{})
	for _, cfg := range []Config{
		{ClientID: []byte{1}},
		{Hostname: string(make([]byte, 256))},
		{RequestedAddr: netip.MustParseAddr("::1")},
		{RetransmitBase: 10 * time.Second, RetransmitMax: 5 * time.Second},
		{RetransmitJitter: 4 * time.Second},
		{RequestAttempts: -1},
	} {
		if _, err := New(h.cs, cfg); !errors.Is(err, ErrBadConfig) {
			t.Errorf("%+v: %v", cfg, err)
		}
	}
}
