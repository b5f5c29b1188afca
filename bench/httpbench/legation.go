package httpbench

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

// The legation network: a client stack and a server stack over
// hal/loopback (MTU 1500, no offload: every checksum is computed and
// verified), both on one reactor with a VirtualClock, turned by the
// benchmark's goroutine. Virtual time stands still while the CPU works, so
// ns/op is CPU time; that no op waits on a timer (a delayed ACK, a
// retransmission) shows as virtual-ns/op, which should be 0.
//
// Everything on this goroutine is in ns/op: httpd, the server's stack, the
// link, the client stack and the clients. To see the server's share, take
// a CPU profile of the legation case,
//
//	go test -run '^$' -bench 'HTTPServer/impl=legation/clients=16' -benchtime 2000000x -cpu 1 -cpuprofile cpu.out -o httpbench.test ./httpbench/
//	go tool pprof -top -nodecount 100000 -focus 'servers/httpd' httpbench.test cpu.out
//	go tool pprof -top -nodecount 100000 -focus 'httpbench\.\(\*legationClient\)' httpbench.test cpu.out
//
// The first shows httpd's own share (its callbacks and the TCP calls they
// make), the second the clients'; the rest is the two stacks, their TCP,
// the link and the reactor, which splits about evenly between the sides,
// as each receives one segment and sends one per op (the request, and the
// response carrying the ACK). When this was written httpd was 21% of the
// profile and the clients 11%, so the server's side is about 21 + 68/2 =
// 55% of an op.

var (
	clientAddr = netip.MustParseAddr("10.0.0.1")
	serverAddr = netip.MustParseAddr("10.0.0.2")
)

const (
	serverPort = 80
	// stallLimit is how much virtual time a run may take before it counts
	// as stalled.
	stallLimit = 10 * time.Second
)

var errStalled = errors.New("stalled: no progress within 10 s of virtual time")

// legationNet is the two stacks, the server and the reactor.
type legationNet struct {
	r      *reactor.Reactor
	clk    *reactor.VirtualClock
	cli    *stack.Stack
	srv    *stack.Stack
	server *httpd.Server
	virtNs int64 // virtual time spent in runs
}

// newLegationNet starts httpd, configured by cfg, on the server stack with
// the /hello route.
func newLegationNet(tb testing.TB, cfg httpd.Config) *legationNet {
	devA, devB := loopback.NewPair(loopback.Config{})
	clk := reactor.NewVirtualClock(0)
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
	srv := httpd.New(b, cfg)
	srv.Handle("GET", "/hello", func(w *httpd.Response, r *httpd.Request) {
		w.Send(200, "text/plain", body)
	})
	if err := srv.Listen(serverPort); err != nil {
		tb.Fatal(err)
	}
	srv.Spawn(r)
	return &legationNet{r: r, clk: clk, cli: a, srv: b, server: srv}
}

// run turns the reactor until cond holds.
func (n *legationNet) run(cond func() bool) error {
	start := n.clk.Now()
	ok := n.r.RunUntil(stallLimit, cond)
	n.virtNs += int64(n.clk.Now().Sub(start))
	if !ok {
		return errStalled
	}
	return nil
}

// legationSession is n clients on the client stack.
type legationSession struct {
	net     *legationNet
	clients []*legationClient
	total   int   // round trips in this run
	done    int   // round trips completed in this run
	err     error // the first client error of this run
	size    int   // length of the latest response
	cond    func() bool
}

// legationClient is one keep-alive connection, driven by its readable
// callback: a complete response sends the next request, if any is left.
type legationClient struct {
	s    *legationSession
	c    *tcp.Conn
	left int // requests still to send in this run
	have int
	buf  [respBufSize]byte
}

// clientConfig is the client connections' configuration: Nagle off, as on
// the kernel clients (Go sets TCP_NODELAY), so no request waits for an ACK.
var clientConfig = tcp.Config{NoDelay: true}

func startLegation(tb testing.TB, n int) session {
	ln := newLegationNet(tb, httpd.Config{})
	s := dialLegation(tb, ln, n, clientConfig)
	if b, ok := tb.(*testing.B); ok {
		tb.Cleanup(func() {
			b.ReportMetric(float64(ln.virtNs)/float64(max(b.N, 1)), "virtual-ns/op")
		})
	}
	return s
}

// dialLegation connects n clients configured by cfg and makes one round
// trip on each.
func dialLegation(tb testing.TB, ln *legationNet, n int, cfg tcp.Config) *legationSession {
	s := newLegationSession(ln)
	for len(s.clients) < n {
		if err := s.dial(min(dialBatch, n-len(s.clients)), cfg, 0); err != nil {
			tb.Fatalf("client %d: %v", len(s.clients), err)
		}
	}
	ln.virtNs = 0
	return s
}

func newLegationSession(ln *legationNet) *legationSession {
	s := &legationSession{net: ln}
	s.cond = s.finished
	return s
}

// dialBatch is how many clients connect at a time, so that the
// listener's queues never overflow.
const dialBatch = 32

// dial connects n more clients configured by cfg, with rings of ringSize
// bytes each if ringSize > 0, and makes one round trip on each.
func (s *legationSession) dial(n int, cfg tcp.Config, ringSize int) error {
	ln := s.net
	group := s.clients[len(s.clients):]
	for range n {
		if ringSize > 0 {
			cfg.RxBuffer, cfg.TxBuffer = make([]byte, ringSize), make([]byte, ringSize)
		}
		c, err := ln.cli.DialTCP(netip.AddrPortFrom(serverAddr, serverPort), cfg)
		if err != nil {
			return err
		}
		lc := &legationClient{s: s, c: c}
		c.OnReadable(lc.readable)
		c.OnPeerClosed(lc.peerClosed)
		s.clients = append(s.clients, lc)
		group = append(group, lc)
	}
	err := ln.run(func() bool {
		for _, lc := range group {
			if !lc.c.ConnectFuture().Done() {
				return false
			}
		}
		return true
	})
	for _, lc := range group {
		if err == nil {
			err = lc.c.ConnectFuture().Err()
		}
	}
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	if err := s.runClients(group, len(group)); err != nil {
		return fmt.Errorf("first round trip: %w", err)
	}
	return nil
}

func (s *legationSession) run(total int) error { return s.runClients(s.clients, total) }

func (s *legationSession) respLen() int { return s.size }

// runClients makes total round trips spread over clients.
func (s *legationSession) runClients(clients []*legationClient, total int) error {
	s.total, s.done, s.err = total, 0, nil
	for i, c := range clients {
		c.left = share(total, len(clients), i)
		if c.left > 0 {
			c.send()
		}
	}
	if err := s.net.run(s.cond); err != nil {
		return fmt.Errorf("%d of %d round trips: %w", s.done, total, err)
	}
	return s.err
}

func (s *legationSession) finished() bool { return s.done == s.total || s.err != nil }

func (s *legationSession) fail(err error) {
	if s.err == nil {
		s.err = err
	}
}

func (c *legationClient) send() {
	if n, err := c.c.Write(request); n != len(request) {
		c.s.fail(fmt.Errorf("request: wrote %d of %d: %v", n, len(request), err))
	}
}

func (c *legationClient) readable() {
	for c.have < len(c.buf) {
		n, _ := c.c.Read(c.buf[c.have:])
		if n == 0 {
			break
		}
		c.have += n
	}
	total, err := parseResponse(c.buf[:c.have])
	switch {
	case err != nil:
		c.s.fail(err)
		return
	case total == 0:
		return
	case total != c.have:
		c.s.fail(errTrailing)
		return
	}
	c.have = 0
	c.s.size = total
	c.s.done++
	c.left--
	if c.left > 0 {
		c.send()
	}
}

func (c *legationClient) peerClosed() {
	c.s.fail(errors.New("the server closed a keep-alive connection"))
}
