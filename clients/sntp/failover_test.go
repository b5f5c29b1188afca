package sntp

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// Several servers at different addresses, played by the frame-level
// lanPeer, in virtual time.

var (
	srvX = netip.MustParseAddr("10.0.0.11")
	srvY = netip.MustParseAddr("10.0.0.12")
	srvZ = netip.MustParseAddr("10.0.0.13")
)

func lanClient(t *testing.T, l *lan, cfg Config) *Client {
	t.Helper()
	if cfg.Seed == 0 {
		cfg.Seed = 3
	}
	c, err := New(l.r, l.cli, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A silent first server costs its attempts, then the second answers; the
// next round starts with the one that answered.
func TestFailoverOnTimeout(t *testing.T) {
	x := &behaviour{kind: silent}
	y := &behaviour{offset: 2 * time.Second, at: []reactor.Instant{}}
	l := newLAN(t, map[netip.Addr]*behaviour{srvX: x, srvY: y})
	c := lanClient(t, l, Config{Servers: []netip.Addr{srvX, srvY}, Attempts: 2})
	start := l.r.Now()
	res, err := await(t, l.r, c.Sync(), time.Minute)
	if err != nil || res.Server != srvY || res.Offset != 2*time.Second {
		t.Fatalf("%+v, %v", res, err)
	}
	if x.requests != 2 || y.requests != 1 {
		t.Fatalf("x asked %d times, y %d", x.requests, y.requests)
	}
	// Two waits: 2 s ± 25%, then 4 s ± 25%.
	if d := y.at[0].Sub(start); d < 4500*ms || d > 7500*ms {
		t.Errorf("failed over after %v", d)
	}
	l.r.RunFor(MinPollInterval)
	if _, err := await(t, l.r, c.Sync(), time.Minute); err != nil {
		t.Fatal(err)
	}
	if x.requests != 2 || y.requests != 2 {
		t.Errorf("second round: x asked %d times, y %d; want y first", x.requests, y.requests)
	}
}

// DENY takes a server out for good, at once, and the round moves on.
func TestFailoverOnDeny(t *testing.T) {
	x := &behaviour{kind: kiss, kiss: wire.NTPKissDeny}
	y := &behaviour{kind: silent}
	z := &behaviour{offset: -time.Second}
	l := newLAN(t, map[netip.Addr]*behaviour{srvX: x, srvY: y, srvZ: z})
	c := lanClient(t, l, Config{Servers: []netip.Addr{srvX, srvY, srvZ}, Attempts: 1})
	res, err := await(t, l.r, c.Sync(), time.Minute)
	if err != nil || res.Server != srvZ || res.Offset != -time.Second {
		t.Fatalf("%+v, %v", res, err)
	}
	if res.Kiss != wire.NTPKissDeny {
		t.Errorf("Result.Kiss %q, want the DENY met on the way", res.Kiss)
	}
	// z falls silent: rounds go z, then y, never x.
	z.kind = silent
	c.Start()
	l.r.RunFor(time.Hour)
	if x.requests != 1 {
		t.Errorf("x asked %d times after DENY", x.requests)
	}
	if y.requests < 10 || z.requests < 10 {
		t.Errorf("y asked %d times, z %d", y.requests, z.requests)
	}
}

// RATE from one server moves the round on and slows polling down.
func TestFailoverOnRate(t *testing.T) {
	x := &behaviour{kind: kiss, kiss: wire.NTPKissRate}
	y := &behaviour{offset: time.Second}
	l := newLAN(t, map[netip.Addr]*behaviour{srvX: x, srvY: y})
	c := lanClient(t, l, Config{Servers: []netip.Addr{srvX, srvY}})
	res, err := await(t, l.r, c.Sync(), time.Minute)
	if err != nil || res.Server != srvY {
		t.Fatalf("%+v, %v", res, err)
	}
	if c.Interval() != 128*time.Second {
		t.Errorf("Interval %v after RATE, want 128s", c.Interval())
	}
}

// When every server fails, the round reports the last one's error; once
// all have refused for good, ErrNoServers.
func TestAllServersFail(t *testing.T) {
	x := &behaviour{kind: kiss, kiss: wire.NTPKissDeny}
	y := &behaviour{kind: kiss, kiss: wire.NTPKissRstr}
	l := newLAN(t, map[netip.Addr]*behaviour{srvX: x, srvY: y})
	c := lanClient(t, l, Config{Servers: []netip.Addr{srvX, srvY}})
	_, err := await(t, l.r, c.Sync(), time.Minute)
	if err != ErrKissRestricted || !errors.Is(err, ErrKissOfDeath) {
		t.Fatalf("%v, want ErrKissRestricted", err)
	}
	l.r.RunFor(MinPollInterval)
	if _, err := await(t, l.r, c.Sync(), time.Minute); err != ErrNoServers {
		t.Fatalf("%v, want ErrNoServers", err)
	}
	if x.requests != 1 || y.requests != 1 {
		t.Errorf("x asked %d times, y %d", x.requests, y.requests)
	}
}

// A reply from a server the client is not asking (a spoof with another
// source address) is stray, even when it echoes the nonce.
func TestReplyFromOtherServer(t *testing.T) {
	x := &behaviour{kind: silent}
	y := &behaviour{offset: time.Hour}
	l := newLAN(t, map[netip.Addr]*behaviour{srvX: x, srvY: y})
	c := lanClient(t, l, Config{Servers: []netip.Addr{srvX}, Attempts: 1})
	f := c.Sync()
	l.r.RunUntil(time.Second, func() bool { return x.requests == 1 })
	// Answer x's request as y.
	var out [wire.NTPHeaderLen]byte
	req := make([]byte, wire.NTPHeaderLen)
	x.last.Emit(req)
	n := y.reply(req, l.r.Now(), out[:])
	l.peer.sendUDP(wire.HardwareAddr(l.cli.HardwareAddr()), srvY, cliAddr, wire.NTPPort, c.LocalAddr().Port(),
		func(b []byte) int { return copy(b, out[:n]) })
	if _, err := await(t, l.r, f, time.Minute); err != ErrTimeout {
		t.Fatalf("%v, want ErrTimeout", err)
	}
	if s := c.Stats(); s.Stray != 1 || s.Replies != 0 {
		t.Errorf("stats %+v", s)
	}
}

// The server list follows the stack's as DHCP changes it, keeping what it
// learnt about servers that stay.
func TestServerListFollowsStack(t *testing.T) {
	x := &behaviour{kind: kiss, kiss: wire.NTPKissDeny}
	y := &behaviour{}
	l := newLAN(t, map[netip.Addr]*behaviour{srvX: x, srvY: y})
	c := lanClient(t, l, Config{})
	l.cli.SetNTP([]netip.Addr{srvX})
	if _, err := await(t, l.r, c.Sync(), time.Minute); err != ErrKissDeny {
		t.Fatalf("%v", err)
	}
	l.cli.SetNTP([]netip.Addr{srvY, srvX})
	l.r.RunFor(MinPollInterval)
	res, err := await(t, l.r, c.Sync(), time.Minute)
	if err != nil || res.Server != srvY {
		t.Fatalf("%+v, %v", res, err)
	}
	l.cli.SetNTP([]netip.Addr{srvX})
	l.r.RunFor(MinPollInterval)
	if _, err := await(t, l.r, c.Sync(), time.Minute); err != ErrNoServers {
		t.Fatalf("x, denied before, asked again: %v", err)
	}
	if x.requests != 1 {
		t.Errorf("x asked %d times", x.requests)
	}
}

func TestServerListBounded(t *testing.T) {
	l := newServerList(2)
	a, b, c := netip.MustParseAddr("10.1.0.1"), netip.MustParseAddr("10.1.0.2"), netip.MustParseAddr("10.1.0.3")
	l.refresh([]netip.Addr{a, a, netip.MustParseAddr("::1"), b, c})
	if len(l.list) != 2 || l.list[0].addr != a || l.list[1].addr != b {
		t.Fatalf("list %+v, want a, b", l.list)
	}
	l.list[1].dead = true
	if !l.same([]netip.Addr{a, b, c}) || l.same([]netip.Addr{b, a}) || l.same([]netip.Addr{a}) {
		t.Error("same() wrong")
	}
	l.refresh([]netip.Addr{b, c})
	if len(l.list) != 2 || !l.list[0].dead || l.list[1].dead || l.live() != 1 {
		t.Fatalf("list %+v, want b (dead), c", l.list)
	}
	n := testing.AllocsPerRun(100, func() {
		l.refresh([]netip.Addr{a, b})
		l.refresh([]netip.Addr{c, b, a})
	})
	if n != 0 {
		t.Errorf("refresh: %v allocs", n)
	}
}
