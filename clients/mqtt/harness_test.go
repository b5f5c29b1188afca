package mqtt

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/stacktest"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

// The engine tests run a client on one legation stack and a scripted
// broker (broker_test.go) on another, over the in-memory link, on one
// reactor in virtual time.

var (
	brokerIP = netip.MustParseAddr("10.7.0.1")
	clientIP = netip.MustParseAddr("10.7.0.2")
)

const brokerAddr = "10.7.0.1:1883"

type testNet struct {
	t     testing.TB
	clk   *reactor.VirtualClock
	r     *reactor.Reactor
	bst   *stack.Stack // the broker's
	cst   *stack.Stack // the client's
	b     *broker
	start reactor.Instant
}

func newNet(t testing.TB) *testNet {
	t.Helper()
	p := stacktest.NewPair(t,
		stack.Config{Addr: netip.PrefixFrom(brokerIP, 24), Seed: 1},
		stack.Config{Addr: netip.PrefixFrom(clientIP, 24), Seed: 2}, nil)
	n := &testNet{t: t, clk: p.Clock, r: p.R, bst: p.A, cst: p.B, start: stacktest.Start}
	n.b = newBroker(n, 1883)
	return n
}

// client makes a client on the client stack for the test broker, with
// cfg's other settings, and spawns it.
func (n *testNet) client(cfg Config) *Client {
	n.t.Helper()
	if cfg.Broker == "" {
		cfg.Broker = brokerAddr
	}
	if cfg.Seed == 0 {
		cfg.Seed = 7
	}
	if cfg.ClientID == "" && cfg.Version != V5 {
		cfg.ClientID = "dev1"
	}
	c, err := New(n.cst, cfg)
	if err != nil {
		n.t.Fatal(err)
	}
	c.Spawn(n.r)
	return c
}

// run turns the reactor until cond holds, failing after limit of
// virtual time.
func (n *testNet) run(limit time.Duration, what string, cond func() bool) {
	n.t.Helper()
	if !n.r.RunUntil(limit, cond) {
		n.t.Fatalf("%s: not within %v", what, limit)
	}
}

// connect spawns a client and runs until it is connected.
func (n *testNet) connect(cfg Config) *Client {
	n.t.Helper()
	c := n.client(cfg)
	n.run(10*time.Second, "connect", c.Connected)
	return c
}

// since is the virtual time elapsed since the test began.
func (n *testNet) since() time.Duration { return n.r.Now().Sub(n.start) }
