package sntp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/wire"
)

// The client against a scripted server on a second stack, in virtual time.
// With the server's clock a known amount ahead and a known delay on the
// link, the offset and delay the client reports are exact.

func TestSyncMeasuresOffsetAndDelay(t *testing.T) {
	for _, tc := range []struct {
		name          string
		offset, delay time.Duration
		epoch         time.Time
	}{
		{"ahead", 1500 * ms, 10 * ms, epoch2026},
		{"behind", -42*time.Second - 123456789, 3 * ms, epoch2026},
		{"same", 0, 0, epoch2026},
		// Era 1: both clocks past 2036-02-07.
		{"era 1", 250 * ms, 1 * ms, time.Date(2040, 3, 1, 0, 0, 0, 0, time.UTC)},
		// Across the era boundary: the client in era 0, the server in era 1.
		{"across the boundary", 3 * time.Second, 0, time.Date(2036, 2, 7, 6, 28, 14, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPair(t, behaviour{offset: tc.offset, stratum: 3}, pairOpts{epoch: tc.epoch, linkDelay: tc.delay})
			c := p.client(t, Config{})
			if c.Clock().Synced() {
				t.Fatal("synced before any round")
			}
			res, err := await(t, p.r, c.Sync(), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if res.Offset != tc.offset || res.Delay != 2*tc.delay {
				t.Errorf("offset %v delay %v, want %v and %v", res.Offset, res.Delay, tc.offset, 2*tc.delay)
			}
			if res.Server != srvAddr || res.Stratum != 3 || res.At != p.r.Now() {
				t.Errorf("result %+v, want server %v stratum 3 at %v", res, srvAddr, p.r.Now())
			}
			k := c.Clock()
			if !k.Synced() || k.Offset() != tc.offset || k.OffsetMicros() != int64(tc.offset/time.Microsecond) || k.LastSync() != res.At {
				t.Errorf("clock synced %v offset %v (%d µs) last %v", k.Synced(), k.Offset(), k.OffsetMicros(), k.LastSync())
			}
			// The clock reads the reactor's clock plus the offset: the
			// server's time, at any later instant.
			p.clk.Advance(10 * time.Second)
			want := time.Unix(0, int64(p.r.Now())).Add(tc.offset)
			if got := k.UTC(); !got.Equal(want) {
				t.Errorf("UTC %v, want %v", got, want)
			}
			if got := k.UnixSeconds(); got != floorSeconds(want) {
				t.Errorf("UnixSeconds %d, want %d", got, floorSeconds(want))
			}
			s := c.Stats()
			if s.Requests != 1 || s.Replies != 1 || s.Rounds != 1 || s.Failures != 0 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func floorSeconds(t time.Time) int64 { return t.Unix() }

// The request is what RFC 4330 asks of a client, with a random transmit
// timestamp instead of the clock: version 4, mode 3, nothing else but the
// poll exponent. Each request's nonce is fresh.
func TestRequestFields(t *testing.T) {
	p := newPair(t, behaviour{kind: silent}, pairOpts{})
	c := p.client(t, Config{Attempts: 3})
	seen := map[wire.NTPTimestamp]bool{}
	f := c.Sync()
	for i := 0; i < 3; i++ {
		p.r.RunUntil(time.Minute, func() bool { return p.server.requests > i })
		r := p.server.last
		if r.Version != 4 || r.Mode != wire.NTPModeClient || r.Poll != 6 || r.Leap != 0 || r.Stratum != 0 ||
			r.OriginTime != 0 || r.ReceiveTime != 0 || r.ReferenceTime != 0 || r.TransmitTime == 0 {
			t.Fatalf("request %d: %+v", i, r)
		}
		if seen[r.TransmitTime] {
			t.Fatalf("nonce %#x reused", r.TransmitTime)
		}
		seen[r.TransmitTime] = true
	}
	if _, err := await(t, p.r, f, time.Minute); err != ErrTimeout {
		t.Fatalf("silent server: %v, want ErrTimeout", err)
	}
	if c.LocalAddr().Port() < 49152 {
		t.Errorf("local port %d is not ephemeral", c.LocalAddr().Port())
	}
}

func TestNoServers(t *testing.T) {
	p := newPair(t, behaviour{}, pairOpts{})
	c := p.client(t, Config{Servers: []netip.Addr{}})
	if _, err := await(t, p.r, c.Sync(), time.Second); err != ErrNoServers {
		t.Fatalf("empty list: %v", err)
	}
	// Non-IPv4 addresses are no servers either.
	p.r.RunFor(MinPollInterval)
	c2 := p.client(t, Config{Servers: []netip.Addr{netip.MustParseAddr("::1"), {}}})
	if _, err := await(t, p.r, c2.Sync(), time.Second); err != ErrNoServers {
		t.Fatalf("IPv6 only: %v", err)
	}
}

// With no servers configured the client asks the stack's (which DHCP
// fills), read afresh each round.
func TestServersFromStack(t *testing.T) {
	p := newPair(t, behaviour{offset: time.Second}, pairOpts{})
	c, err := New(p.r, p.cli, Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := await(t, p.r, c.Sync(), time.Second); err != ErrNoServers {
		t.Fatalf("before SetNTP: %v, want ErrNoServers", err)
	}
	// A round that sent nothing does not hold the next one back.
	p.cli.SetNTP([]netip.Addr{srvAddr})
	start := p.r.Now()
	res, err := await(t, p.r, c.Sync(), time.Minute)
	if p.r.Now() != start {
		t.Errorf("second round took %v", p.r.Now().Sub(start))
	}
	if err != nil || res.Server != srvAddr || res.Offset != time.Second {
		t.Fatalf("after SetNTP: %+v, %v", res, err)
	}
}

// Without an address the stack cannot send; the round says so at once.
func TestNoAddress(t *testing.T) {
	p := newPair(t, behaviour{}, pairOpts{})
	p.cli.SetAddr(netip.Prefix{}, netip.Addr{})
	c := p.client(t, Config{})
	if _, err := await(t, p.r, c.Sync(), time.Second); err != stack.ErrNoAddress {
		t.Fatalf("%v, want stack.ErrNoAddress", err)
	}
	// Periodic polling retries after MinPollInterval, not the full interval.
	c.Start()
	p.cli.SetAddr(netip.PrefixFrom(cliAddr, 24), netip.Addr{})
	p.r.RunFor(MinPollInterval * 5 / 4)
	if !c.Clock().Synced() {
		t.Error("not synced within MinPollInterval of an address appearing")
	}
}

func TestClose(t *testing.T) {
	p := newPair(t, behaviour{kind: silent}, pairOpts{})
	c := p.client(t, Config{})
	f := c.Sync()
	p.r.RunFor(100 * ms)
	c.Close()
	if !f.Done() || f.Err() != ErrClosed {
		t.Fatalf("pending round after Close: done %v err %v", f.Done(), f.Err())
	}
	if g := c.Sync(); !g.Done() || g.Err() != ErrClosed {
		t.Fatalf("Sync after Close: done %v err %v", g.Done(), g.Err())
	}
	n := p.server.requests
	p.r.RunFor(time.Minute)
	if p.server.requests != n {
		t.Error("a closed client kept sending")
	}
}

// A completion callback may close the client while the reply that
// completed the round is being handled.
func TestCloseFromCallback(t *testing.T) {
	p := newPair(t, behaviour{kind: twice}, pairOpts{})
	c := p.client(t, Config{})
	f := c.Sync()
	f.OnComplete(func(Result, error) { c.Close() })
	if _, err := await(t, p.r, f, time.Minute); err != nil {
		t.Fatal(err)
	}
	p.r.RunFor(time.Second)
}

// Before the first round the clock is the reactor's.
func TestClockBeforeSync(t *testing.T) {
	p := newPair(t, behaviour{}, pairOpts{})
	c := p.client(t, Config{})
	k := c.Clock()
	if k.Synced() || k.Offset() != 0 || !k.UTC().Equal(time.Unix(0, int64(p.r.Now()))) {
		t.Errorf("synced %v offset %v UTC %v", k.Synced(), k.Offset(), k.UTC())
	}
	if k.UTC().Location() != time.UTC {
		t.Error("UTC() not in UTC")
	}
	// UnixSeconds rounds down, also before 1970.
	p2 := newPair(t, behaviour{}, pairOpts{epoch: time.Unix(-10, 500)})
	c2 := p2.client(t, Config{})
	if s := c2.Clock().UnixSeconds(); s != -10 {
		t.Errorf("UnixSeconds at -9.9999995 s = %d, want -10", s)
	}
}

// A device that boots with its clock at 1970 (no real-time clock) still
// measures the right offset, also in era 1: the era floor puts the
// server's timestamps in the 136 years from 2025.
func TestEraFloor(t *testing.T) {
	for _, server := range []time.Time{
		time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC),
		time.Date(2041, 5, 1, 0, 0, 0, 0, time.UTC),
	} {
		epoch := time.Unix(1000, 0)
		p := newPair(t, behaviour{offset: server.Sub(epoch)}, pairOpts{epoch: epoch})
		c := p.client(t, Config{})
		res, err := await(t, p.r, c.Sync(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if res.Offset != server.Sub(epoch) || !c.Clock().UTCAt(reactor.Instant(epoch.UnixNano())).Equal(server) {
			t.Errorf("server at %v: offset %v, clock says %v", server, res.Offset, c.Clock().UTCAt(reactor.Instant(epoch.UnixNano())))
		}
	}
}
