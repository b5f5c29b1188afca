package dhcp

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/dhcp/dhcptest"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// gaps returns the time between consecutive messages.
func gaps(ms []seen) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(ms); i++ {
		out = append(out, ms[i].at.Sub(ms[i-1].at))
	}
	return out
}

// checkBackoff requires each gap to be 4 s, 8 s, 16 s... capped at 64 s,
// within ±1 s, and the jitter to differ between gaps.
func checkBackoff(t *testing.T, what string, g []time.Duration) {
	t.Helper()
	base := 4 * time.Second
	distinct := map[time.Duration]bool{}
	for i, d := range g {
		if want := min(base<<i, 64*time.Second); d < want-time.Second || d > want+time.Second {
			t.Fatalf("%s gap %d = %v, want %v ± 1s (all: %v)", what, i, d, want, g)
		}
		distinct[d-min(base<<i, 64*time.Second)] = true
	}
	if len(g) > 2 && len(distinct) < 2 {
		t.Fatalf("%s gaps carry no jitter: %v", what, g)
	}
}

// A server that stays silent gets DISCOVERs 4, 8, 16, 32, 64, 64 s apart,
// each ±1 s (RFC 2131 4.1), all with one xid and secs counting up; when it
// answers, the client binds.
func TestDiscoverRetransmission(t *testing.T) {
	h := newHarness(t, Config{Timeout: -1}, dhcptest.Config{})
	silent := true
	h.script = func(*wire.DHCPv4Repr) dhcptest.Action {
		if silent {
			return dhcptest.Drop
		}
		return dhcptest.Answer
	}
	h.c.Start()
	if !h.runUntilMsgs(10*time.Minute, 8) {
		t.Fatalf("only %d DISCOVERs in 10 minutes", len(h.msgs))
	}
	ds := h.msgsOf(wire.DHCPDiscover)
	if len(ds) != 8 {
		t.Fatalf("%d of %d messages are DISCOVERs", len(ds), len(h.msgs))
	}
	checkBackoff(t, "DISCOVER", gaps(ds))
	for _, d := range ds {
		if d.xid != ds[0].xid {
			t.Fatalf("xid changed during one exchange: %x then %x", ds[0].xid, d.xid)
		}
		if want := uint16(d.at.Sub(ds[0].at) / time.Second); d.secs != want {
			t.Fatalf("secs %d at %v, want %d", d.secs, d.at.Sub(ds[0].at), want)
		}
	}
	silent = false
	h.r.RunUntil(2*time.Minute, func() bool { _, ok := h.c.Lease(); return ok })
	if _, ok := h.c.Lease(); !ok {
		t.Fatalf("no lease once the server answered; state %v", h.c.State())
	}
}

// Two clients with different seeds pick different xids and jitter.
func TestRandomness(t *testing.T) {
	run := func(seed uint64) []seen {
		h := newHarness(t, Config{Seed: seed}, dhcptest.Config{})
		h.script = func(*wire.DHCPv4Repr) dhcptest.Action { return dhcptest.Drop }
		h.c.Start()
		h.runUntilMsgs(time.Minute, 3)
		return h.msgs
	}
	a, b := run(1), run(2)
	if a[0].xid == b[0].xid {
		t.Fatalf("same xid %x from different seeds", a[0].xid)
	}
	if ga, gb := gaps(a), gaps(b); ga[0] == gb[0] && ga[1] == gb[1] {
		t.Fatalf("same retransmission times from different seeds: %v", ga)
	}
}

// Unanswered REQUESTs in REQUESTING are resent 4, 8, 16 s apart; after
// the fourth the client gives up on the offer and starts over with a new
// DISCOVER and a new xid.
func TestRequestRetransmission(t *testing.T) {
	h := newHarness(t, Config{}, dhcptest.Config{})
	h.script = func(m *wire.DHCPv4Repr) dhcptest.Action {
		if m.MessageType == wire.DHCPRequest {
			return dhcptest.Drop
		}
		return dhcptest.Answer
	}
	h.c.Start()
	if !h.runUntilMsgs(2*time.Minute, 6) {
		t.Fatalf("messages %+v", h.msgs)
	}
	rs := h.msgsOf(wire.DHCPRequest)
	if len(rs) != 4 || h.msgs[5].typ != wire.DHCPDiscover {
		t.Fatalf("want DISCOVER, 4 REQUESTs, DISCOVER; got %+v", h.msgs)
	}
	checkBackoff(t, "REQUEST", gaps(rs))
	// The give-up comes one more backoff after the fourth REQUEST.
	if g := h.msgs[5].at.Sub(rs[3].at); g < 31*time.Second || g > 33*time.Second {
		t.Fatalf("restarted %v after the last REQUEST, want 32 s ± 1 s", g)
	}
	if h.msgs[5].xid == rs[0].xid {
		t.Fatal("the new DISCOVER reused the abandoned xid")
	}
}

// Config.StartDelay spreads the first DISCOVER uniformly over the window
// (RFC 2131 4.4.1's desynchronisation), differently per seed.
func TestStartDelay(t *testing.T) {
	seen := map[reactor.Instant]bool{}
	for seed := uint64(1); seed <= 5; seed++ {
		h := newHarness(t, Config{Seed: seed, StartDelay: 10 * time.Second}, dhcptest.Config{})
		h.c.Start()
		h.runUntilMsgs(time.Minute, 1)
		at := h.msgs[0].at
		if at < 0 || at > reactor.Instant(10*time.Second) {
			t.Fatalf("seed %d: first DISCOVER at %v, outside [0, 10s]", seed, at)
		}
		seen[at] = true
	}
	if len(seen) < 4 {
		t.Fatalf("start delays barely vary: %v", seen)
	}
}
