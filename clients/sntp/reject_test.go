package sntp

import (
	"errors"
	"testing"
	"time"

	"github.com/seed947b3480/legation/wire"
)

// Replies the client must not believe, each refused with its own error.

// Each refusal the server can give is reported with its own error, after
// one request: the reply echoed it, so there is no point asking again.
func TestRejections(t *testing.T) {
	tests := []struct {
		name   string
		b      behaviour
		err    error
		isKiss bool
	}{
		{"RATE", behaviour{kind: kiss, kiss: wire.NTPKissRate}, ErrKissRate, true},
		{"DENY", behaviour{kind: kiss, kiss: wire.NTPKissDeny}, ErrKissDeny, true},
		{"RSTR", behaviour{kind: kiss, kiss: wire.NTPKissRstr}, ErrKissRestricted, true},
		{"other kiss code", behaviour{kind: kiss, kiss: wire.NTPKissCode{'A', 'C', 'S', 'T'}}, ErrKissOfDeath, true},
		{"leap indicator 3", behaviour{kind: leap3}, ErrUnsynchronised, false},
		{"stratum 0", behaviour{kind: stratum0}, ErrStratum, false},
		{"stratum 16", behaviour{kind: stratum16}, ErrStratum, false},
		{"mode 5", behaviour{kind: badMode}, ErrBadReply, false},
		{"zero transmit", behaviour{kind: zeroXmit}, ErrBadReply, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPair(t, tc.b, pairOpts{})
			c := p.client(t, Config{})
			res, err := await(t, p.r, c.Sync(), time.Minute)
			if err != tc.err {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if errors.Is(err, ErrKissOfDeath) != tc.isKiss {
				t.Errorf("errors.Is(ErrKissOfDeath) = %v", !tc.isKiss)
			}
			if tc.isKiss && res.Kiss != tc.b.kiss {
				t.Errorf("Result.Kiss %q, want %q", res.Kiss, tc.b.kiss)
			}
			s := c.Stats()
			if p.server.requests != 1 || s.Requests != 1 || s.Rejected != 1 || s.Replies != 0 || s.Failures != 1 {
				t.Errorf("server saw %d requests; stats %+v", p.server.requests, s)
			}
			if c.Clock().Synced() {
				t.Error("a refused reply synced the clock")
			}
		})
	}
}

// A server whose replies never echo the request is not believed: every
// request is retransmitted until the attempts run out, and the round fails
// with ErrBadOrigin rather than ErrTimeout, since replies did come.
func TestWrongOrigin(t *testing.T) {
	p := newPair(t, behaviour{kind: wrongOrigin}, pairOpts{})
	c := p.client(t, Config{Attempts: 3})
	_, err := await(t, p.r, c.Sync(), time.Minute)
	if err != ErrBadOrigin {
		t.Fatalf("err %v, want ErrBadOrigin", err)
	}
	if s := c.Stats(); s.Requests != 3 || s.BadOrigin != 3 || s.Replies != 0 || s.Timeouts != 3 {
		t.Errorf("stats %+v", s)
	}
	if c.Clock().Synced() {
		t.Error("a spoofed reply synced the clock")
	}
}

// A reply that comes after its request was retransmitted is stale: its
// origin is the old nonce. It is dropped, and the answer to the
// retransmission is taken. The link delays 1.3 s each way: the round trip
// is longer than the first wait (2 s ± 25%), shorter than the second.
func TestStaleReplyRejected(t *testing.T) {
	p := newPair(t, behaviour{offset: 7 * time.Second}, pairOpts{linkDelay: 1300 * ms})
	c := p.client(t, Config{})
	res, err := await(t, p.r, c.Sync(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if res.Offset != 7*time.Second || res.Delay != 2600*ms {
		t.Errorf("offset %v delay %v, want 7s and 2.6s", res.Offset, res.Delay)
	}
	if s := c.Stats(); s.Requests != 2 || s.BadOrigin != 1 || s.Replies != 1 {
		t.Errorf("stats %+v, want 2 requests, the first one's reply stale", s)
	}
}

// A duplicated reply is believed once; the copy finds no request in flight.
func TestDuplicateReply(t *testing.T) {
	p := newPair(t, behaviour{kind: twice, offset: time.Second}, pairOpts{})
	c := p.client(t, Config{})
	res, err := await(t, p.r, c.Sync(), time.Minute)
	p.r.RunFor(time.Second)
	if err != nil || res.Offset != time.Second {
		t.Fatalf("%+v, %v", res, err)
	}
	if s := c.Stats(); s.Replies != 1 || s.Stray != 1 {
		t.Errorf("stats %+v, want 1 reply and 1 stray", s)
	}
}

// DENY (and RSTR) stop the client from ever asking that server again; with
// no other server, later rounds fail at once with ErrNoServers.
func TestDenyStopsAsking(t *testing.T) {
	for _, code := range []wire.NTPKissCode{wire.NTPKissDeny, wire.NTPKissRstr} {
		p := newPair(t, behaviour{kind: kiss, kiss: code}, pairOpts{})
		c := p.client(t, Config{})
		if _, err := await(t, p.r, c.Sync(), time.Minute); !errors.Is(err, ErrKissOfDeath) {
			t.Fatalf("%s: %v", code, err)
		}
		p.r.RunFor(MinPollInterval)
		if _, err := await(t, p.r, c.Sync(), time.Minute); err != ErrNoServers {
			t.Fatalf("%s: second round %v, want ErrNoServers", code, err)
		}
		c.Start()
		p.r.RunFor(time.Hour)
		if p.server.requests != 1 {
			t.Errorf("%s: server asked %d times", code, p.server.requests)
		}
	}
}
