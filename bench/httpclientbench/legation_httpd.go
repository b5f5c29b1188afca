package httpclientbench

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd"
)

// legationHTTPDSession is legation's client against servers/httpd, both
// stacks, the client and the server on one reactor with a VirtualClock,
// turned by the benchmark's goroutine: nothing in an op waits for another
// goroutine, and virtual time stands still while the CPU works, so ns/op
// is the CPU time of the client, the server, both stacks and the link. Its
// allocs/op counts every allocation in the process, which is how
// TestLegationClientAllocs holds the whole exchange to zero.
type legationHTTPDSession struct {
	n    *legationNet
	clk  *reactor.VirtualClock
	srv  *httpd.Server
	lc   *legationClient
	done bool
	cond func() bool
	// virtNs is the virtual time runs have taken: a request that waited
	// on a timer (a delayed ACK, a retransmission) shows here.
	virtNs int64
}

func startLegationHTTPD(tb testing.TB) session {
	s := newLegationHTTPD(tb)
	if b, ok := tb.(*testing.B); ok {
		tb.Cleanup(func() {
			b.ReportMetric(float64(s.virtNs)/float64(max(b.N, 1)), "virtual-ns/op")
		})
	}
	return s
}

func newLegationHTTPD(tb testing.TB) *legationHTTPDSession {
	clk := reactor.NewVirtualClock(0)
	s := &legationHTTPDSession{n: newLegationNet(tb, clk), clk: clk}
	s.cond = func() bool { return s.done }
	s.srv = httpd.New(s.n.srv, httpd.Config{})
	s.srv.Handle("GET", helloPath, func(w *httpd.Response, r *httpd.Request) {
		w.Send(200, "text/plain", body)
	})
	if err := s.srv.Listen(serverPort); err != nil {
		tb.Fatal(err)
	}
	s.srv.Spawn(s.n.r)
	lc, err := newLegationClient(s.n)
	if err != nil {
		tb.Fatal(err)
	}
	lc.finished = func() { s.done = true }
	s.lc = lc
	if err := s.run(1); err != nil {
		tb.Fatal(err)
	}
	s.virtNs = 0
	return s
}

func (s *legationHTTPDSession) run(total int) error {
	s.done = false
	start := s.clk.Now()
	s.lc.start(total)
	ok := s.n.r.RunUntil(10*time.Second, s.cond)
	s.virtNs += int64(s.clk.Now().Sub(start))
	if !ok {
		return errStalled
	}
	return s.lc.err
}

func (s *legationHTTPDSession) conns() int64 { return int64(s.srv.Stats().Accepted) }
