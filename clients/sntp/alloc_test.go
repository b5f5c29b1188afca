package sntp

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
)

// The steady path allocates nothing: a round with request, reply, checks,
// arithmetic, the clock's update and the future's completion — and the
// scripted server and both stacks with it.
func TestSyncNoAllocs(t *testing.T) {
	p := newPair(t, behaviour{offset: time.Second}, pairOpts{})
	c := p.client(t, Config{})
	var f *reactor.Future[Result]
	done := func() bool { return f.Done() }
	round := func() {
		p.clk.Advance(MinPollInterval)
		f = c.Sync()
		if !p.r.RunUntil(time.Minute, done) || f.Err() != nil {
			panic("round failed")
		}
	}
	round() // ARP and the first round may allocate
	if n := testing.AllocsPerRun(100, round); n != 0 {
		t.Fatalf("%v allocs per round, want 0", n)
	}
	if s := c.Stats(); s.Replies < 100 {
		t.Fatalf("only %d replies", s.Replies)
	}
}
