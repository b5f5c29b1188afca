package sntp

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// The client's timers, in virtual time: retransmission backoff, periodic
// polling, RATE backoff and the minimum poll interval.

// Retransmissions back off exponentially, each wait randomised by ±25%,
// and the round fails after Attempts requests.
func TestRetransmissionBackoff(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		p := newPair(t, behaviour{kind: silent, at: []reactor.Instant{}}, pairOpts{})
		c := p.client(t, Config{Attempts: 4, Timeout: time.Second, Seed: seed})
		start := p.r.Now()
		_, err := await(t, p.r, c.Sync(), time.Minute)
		if err != ErrTimeout {
			t.Fatalf("err %v, want ErrTimeout", err)
		}
		at := append(p.server.at, p.r.Now()) // the last wait ends the round
		if len(at) != 5 || at[0] != start {
			t.Fatalf("requests at %v (start %v)", at, start)
		}
		for i := 1; i < len(at); i++ {
			base := time.Second << (i - 1)
			if gap := at[i].Sub(at[i-1]); gap < base*3/4 || gap > base*5/4 {
				t.Errorf("seed %d: wait %d was %v, want %v ± 25%%", seed, i, gap, base)
			}
		}
		if s := c.Stats(); s.Requests != 4 || s.Timeouts != 4 {
			t.Errorf("stats %+v", s)
		}
	}
}

// The waits differ between clients: they are randomised, not fixed.
func TestBackoffIsRandomised(t *testing.T) {
	first := map[time.Duration]bool{}
	for seed := uint64(1); seed <= 10; seed++ {
		p := newPair(t, behaviour{kind: silent, at: []reactor.Instant{}}, pairOpts{})
		c := p.client(t, Config{Attempts: 2, Seed: seed})
		await(t, p.r, c.Sync(), time.Minute)
		first[p.server.at[1].Sub(p.server.at[0])] = true
	}
	if len(first) < 5 {
		t.Errorf("10 clients drew only %d different first waits", len(first))
	}
}

// Periodic polling: a round at Start, then one every interval, each
// randomised upwards by up to 25%.
func TestPeriodicPolling(t *testing.T) {
	for _, tc := range []struct {
		cfg  time.Duration
		want time.Duration
	}{{0, 64 * time.Second}, {5 * time.Second, MinPollInterval}, {100 * time.Second, 100 * time.Second}} {
		p := newPair(t, behaviour{at: []reactor.Instant{}}, pairOpts{})
		c := p.client(t, Config{PollInterval: tc.cfg})
		updates := 0
		c.OnUpdate(func(r Result, err error) {
			if err != nil {
				t.Errorf("round: %v", err)
			}
			updates++
		})
		start := p.r.Now()
		c.Start()
		p.r.RunFor(20 * tc.want)
		at := p.server.at
		if len(at) < 16 || at[0] != start || updates != len(at) {
			t.Fatalf("interval %v: %d requests (%d updates), first at %v", tc.want, len(at), updates, at[0].Sub(start))
		}
		distinct := map[time.Duration]bool{}
		for i := 1; i < len(at); i++ {
			gap := at[i].Sub(at[i-1])
			distinct[gap] = true
			if gap < tc.want || gap > tc.want*5/4 {
				t.Errorf("interval %v: gap %d is %v", tc.want, i, gap)
			}
		}
		if len(distinct) < len(at)/2 {
			t.Errorf("interval %v: gaps not randomised: %v", tc.want, distinct)
		}
		c.Stop()
		n := len(p.server.at)
		p.r.RunFor(10 * tc.want)
		if len(p.server.at) != n {
			t.Errorf("polling went on after Stop")
		}
	}
}

// Every RATE kiss-o'-death doubles the poll interval, up to the maximum.
func TestRateBacksOff(t *testing.T) {
	p := newPair(t, behaviour{kind: kiss, kiss: wire.NTPKissRate, at: []reactor.Instant{}}, pairOpts{})
	c := p.client(t, Config{PollInterval: 16 * time.Second, MaxPollInterval: 128 * time.Second})
	c.Start()
	p.r.RunFor(time.Hour)
	at := p.server.at
	want := []time.Duration{32, 64, 128, 128, 128}
	if len(at) < len(want)+1 {
		t.Fatalf("%d requests in an hour", len(at))
	}
	for i, w := range want {
		w *= time.Second
		if gap := at[i+1].Sub(at[i]); gap < w || gap > w*5/4 {
			t.Errorf("gap %d is %v, want %v to %v", i, gap, w, w*5/4)
		}
	}
	if c.Interval() != 128*time.Second {
		t.Errorf("Interval %v, want the 128 s cap", c.Interval())
	}
	if s := c.Stats(); s.KissOfDeath != uint64(len(at)) || s.Replies != 0 {
		t.Errorf("stats %+v", s)
	}
}

// Rounds start at most every MinPollInterval, however often Sync is called.
func TestMinPollInterval(t *testing.T) {
	p := newPair(t, behaviour{at: []reactor.Instant{}}, pairOpts{})
	c := p.client(t, Config{})
	for i := 0; i < 3; i++ {
		if _, err := await(t, p.r, c.Sync(), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	at := p.server.at
	if len(at) != 3 || at[1].Sub(at[0]) != MinPollInterval || at[2].Sub(at[1]) != MinPollInterval {
		t.Fatalf("rounds at %v, want 16 s apart", at)
	}
}

// Sync during a round returns that round's future; the round is not
// doubled.
func TestSyncJoinsRound(t *testing.T) {
	p := newPair(t, behaviour{kind: silent}, pairOpts{})
	c := p.client(t, Config{})
	f := c.Sync()
	p.r.RunFor(100 * ms)
	if g := c.Sync(); g != f || g.Done() {
		t.Fatal("a second Sync did not join the round")
	}
	await(t, p.r, f, time.Minute)
	if c.Stats().Rounds != 1 {
		t.Errorf("%d rounds", c.Stats().Rounds)
	}
}
