package httpclientbench

import (
	"context"
	"testing"
	"time"

	"github.com/seed947b3480/legation/netconn"
	"github.com/seed947b3480/legation/reactor"
)

// legationNetHTTPSession is legation's client against the same net/http
// server as impl=nethttp, served over netconn on the server stack: the
// reactor runs on its own goroutine on a RealClock (netconn's calls cross
// into it through its wake queue), the server's goroutines read and write
// through netconn, and the client runs on the reactor. The benchmark's
// goroutine only starts each run and waits for its end.
type legationNetHTTPSession struct {
	n    *legationNet
	srv  *helloServer
	lc   *legationClient
	done chan struct{}
	// begin starts a run of total requests on the reactor; a value made
	// once, so a run allocates nothing to post it.
	begin func()
	total int
}

func startLegationNetHTTP(tb testing.TB) session {
	n := newLegationNet(tb, reactor.NewRealClock())
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { defer close(stopped); n.r.Run(ctx) }()
	tb.Cleanup(func() { cancel(); <-stopped })

	ln, err := netconn.New(n.srv, n.r, netconn.Config{}).Listen("tcp", ":80")
	if err != nil {
		tb.Fatal(err)
	}
	s := &legationNetHTTPSession{n: n, srv: serveHello(tb, ln), done: make(chan struct{}, 1)}
	made := make(chan error, 1)
	n.r.Post(func() {
		lc, err := newLegationClient(n)
		if err == nil {
			lc.finished = func() { s.done <- struct{}{} }
			s.lc = lc
		}
		made <- err
	})
	if err := <-made; err != nil {
		tb.Fatal(err)
	}
	s.begin = func() { s.lc.start(s.total) }
	if err := s.run(1); err != nil {
		tb.Fatal(err)
	}
	return s
}

func (s *legationNetHTTPSession) run(total int) error {
	s.total = total
	s.n.r.Post(s.begin)
	select {
	case <-s.done:
	case <-time.After(time.Duration(total+1) * 10 * time.Second):
		return errStalled
	}
	return s.lc.err // the channel ordered the reactor's write before this read
}

func (s *legationNetHTTPSession) conns() int64 { return s.srv.conns() }
