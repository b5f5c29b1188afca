package netconn_test

import (
	"context"
	"net/netip"
	"testing"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/netconn"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

// host is one stack with its reactor turning on its own goroutine, on the
// real clock, as a program runs it.
type host struct {
	r    *reactor.Reactor
	s    *stack.Stack
	net  *netconn.Net
	addr netip.Addr
}

var (
	addrA = netip.MustParseAddr("10.0.0.1")
	addrB = netip.MustParseAddr("10.0.0.2")
)

// newPair starts two stacks joined by the in-memory link: A at 10.0.0.1
// routing everything else through B, and B at 10.0.0.2. B forwards
// nothing, so an address off the link is one that never answers.
func newPair(t testing.TB, cfg netconn.Config) (a, b *host) {
	t.Helper()
	da, db := loopback.NewPair(loopback.Config{})
	a = startHost(t, da, stack.Config{Addr: netip.PrefixFrom(addrA, 24), Gateway: addrB}, cfg)
	b = startHost(t, db, stack.Config{Addr: netip.PrefixFrom(addrB, 24)}, cfg)
	return a, b
}

func startHost(t testing.TB, dev *loopback.Device, scfg stack.Config, cfg netconn.Config) *host {
	t.Helper()
	s, err := stack.New(dev, scfg)
	if err != nil {
		t.Fatal(err)
	}
	h := &host{r: reactor.New(reactor.NewRealClock()), s: s, addr: scfg.Addr.Addr()}
	s.Spawn(h.r)
	h.net = netconn.New(s, h.r, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

// do runs fn on the reactor goroutine and waits for it.
func (h *host) do(fn func()) {
	done := make(chan struct{})
	h.r.Post(func() { fn(); close(done) })
	<-done
}

func (h *host) counters() stack.Counters {
	var c stack.Counters
	h.do(func() { c = h.s.Counters() })
	return c
}
