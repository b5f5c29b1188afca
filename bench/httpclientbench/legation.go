package httpclientbench

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"testing"

	lhttp "github.com/seed947b3480/legation/clients/http"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

// The legation side: a client stack and a server stack joined by
// hal/loopback (MTU 1500, no offload: every checksum is computed and
// verified), both on one reactor, with legation's HTTP client on the first.
// What serves on the second, and how the reactor turns, is the case's
// (legation_httpd.go, legation_nethttp.go).

var (
	clientAddr = netip.MustParseAddr("10.0.0.1")
	serverAddr = netip.MustParseAddr("10.0.0.2")
)

const serverPort = 80

// helloURL is what the legation client asks for.
var helloURL = fmt.Sprintf("http://%s:%d%s", serverAddr, serverPort, helloPath)

// legationNet is the two stacks on one reactor.
type legationNet struct {
	r   *reactor.Reactor
	cli *stack.Stack
	srv *stack.Stack
}

func newLegationNet(tb testing.TB, clk reactor.Clock) *legationNet {
	devA, devB := loopback.NewPair(loopback.Config{})
	r := reactor.New(clk)
	a, err := stack.New(devA, stack.Config{Addr: netip.PrefixFrom(clientAddr, 24), Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	b, err := stack.New(devB, stack.Config{Addr: netip.PrefixFrom(serverAddr, 24), Seed: 2})
	if err != nil {
		tb.Fatal(err)
	}
	a.Spawn(r)
	b.Spawn(r)
	return &legationNet{r: r, cli: a, srv: b}
}

// legationClient is legation's client with one reusable Request, making
// requests one after the other: each completion callback checks the
// response and starts the next request, on the reactor goroutine, so a run
// of n requests needs no other goroutine to drive it.
type legationClient struct {
	c    *lhttp.Client
	req  *lhttp.Request
	cb   func(*lhttp.Response, error) // complete, as a value made once
	left int                          // requests still to make in this run
	err  error                        // the first failure of this run
	// finished runs on the reactor goroutine when a run ends.
	finished func()
}

// newLegationClient makes the client, with its defaults, on n's client
// stack and spawns it. Call on the reactor goroutine.
func newLegationClient(n *legationNet) (*legationClient, error) {
	c, err := lhttp.New(n.cli, lhttp.Config{})
	if err != nil {
		return nil, err
	}
	c.Spawn(n.r)
	lc := &legationClient{c: c, req: &lhttp.Request{URL: helloURL, Into: make([]byte, 0, 256)}}
	lc.cb = lc.complete
	return lc, nil
}

// start begins a run of total requests. Reactor goroutine only.
func (lc *legationClient) start(total int) {
	lc.left, lc.err = total, nil
	if total == 0 {
		lc.finished()
		return
	}
	lc.c.Do(lc.req).OnComplete(lc.cb)
}

func (lc *legationClient) complete(resp *lhttp.Response, err error) {
	switch {
	case err != nil:
		lc.err = fmt.Errorf("%d requests before the end: %w", lc.left, err)
	case resp.Status != 200:
		lc.err = fmt.Errorf("status %d", resp.Status)
	case !bytes.Equal(resp.Body, body):
		lc.err = errBody
	}
	lc.left--
	if lc.err != nil || lc.left == 0 {
		lc.finished()
		return
	}
	lc.c.Do(lc.req).OnComplete(lc.cb)
}

var errStalled = errors.New("stalled: no progress within 10 s")
