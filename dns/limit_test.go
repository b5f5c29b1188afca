package dns

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
)

// At MaxQueries questions in flight a new lookup fails at once with
// ErrTooManyQueries (LookupHost needs room for two); cached names are still
// answered, and room comes back as questions end.
func TestMaxQueries(t *testing.T) {
	e := newEnv(t, Config{MaxQueries: 3, Timeout: time.Second, Attempts: 1})
	quiet := true
	z := &zone{records: demoZone}
	srv := e.serve(53, func(q *dnsMsg) []byte {
		if quiet && q.Questions[0].Name.String() != "host.test." {
			return nil
		}
		return z.handle(q)
	})
	if _, err := e.lookupA("host.test"); err != nil { // cached for later
		t.Fatal(err)
	}
	a := e.res.LookupA("q1.test")
	b := e.res.LookupA("q2.test")
	if e.res.InFlight() != 2 {
		t.Fatalf("%d in flight", e.res.InFlight())
	}
	if f := e.res.LookupHost("q3.test"); !f.Done() || f.Err() != ErrTooManyQueries {
		t.Fatalf("LookupHost with room for one question: %v", f.Err())
	}
	c := e.res.LookupA("q3.test")
	for _, name := range []string{"q4.test", "host.test.example"} {
		if f := e.res.LookupA(name); !f.Done() || f.Err() != ErrTooManyQueries {
			t.Fatalf("%s at the limit: done %v err %v", name, f.Done(), f.Err())
		}
	}
	if f := e.res.LookupA("host.test"); !f.Done() || f.Err() != nil {
		t.Fatalf("cached name at the limit: %v", f.Err())
	}
	// Half cached is not enough: the AAAA question has no room, and the
	// lookup fails whole rather than returning the IPv4 half.
	if f := e.res.LookupHost("host.test"); !f.Done() || f.Err() != ErrTooManyQueries {
		t.Fatalf("half-cached LookupHost at the limit: %v", f.Err())
	} else if res, _ := f.Result(); res.N != 0 {
		t.Fatalf("partial result %q", addrs(res))
	}
	if st := e.res.Stats(); st.TooMany != 4 || st.Sent != 4 {
		t.Fatalf("stats %+v", st)
	}
	if !e.r.RunUntil(time.Minute, func() bool { return a.Done() && b.Done() && c.Done() }) {
		t.Fatal("lookups never ended")
	}
	if srv.queries() != 4 {
		t.Fatalf("server saw %d queries, want 4", srv.queries())
	}
	for _, f := range []*reactor.Future[Result]{a, b, c} {
		if f.Err() != ErrTimeout {
			t.Fatalf("silent lookup: %v", f.Err())
		}
	}
	quiet = false
	if e.res.InFlight() != 0 {
		t.Fatalf("%d still in flight", e.res.InFlight())
	}
	if _, err := e.wait(e.res.LookupHost("host.test"), time.Minute); err != nil {
		t.Fatalf("after the limit cleared: %v", err)
	}
}

// A completed future stays readable while MaxQueries further lookups
// start, and a completion callback may start the next lookup.
func TestFutureLifetimeAndChaining(t *testing.T) {
	e := newEnv(t, Config{MaxQueries: 2})
	e.serve(53, (&zone{records: demoZone}).handle)
	first := e.res.LookupA("host.test")
	var second *reactor.Future[Result]
	var chained Result
	first.OnComplete(func(r Result, err error) {
		if err != nil {
			t.Errorf("first: %v", err)
			return
		}
		second = e.res.LookupA("v4only.test")
		second.OnComplete(func(r Result, err error) { chained = r })
	})
	if !e.r.RunUntil(time.Minute, func() bool { return second != nil && second.Done() }) {
		t.Fatal("chained lookup never completed")
	}
	if addrs(chained) != "192.0.2.4" {
		t.Fatalf("chained %q", addrs(chained))
	}
	for i := 0; i < 2; i++ {
		if f := e.res.LookupA("host.test"); !f.Done() {
			t.Fatal("not cached")
		}
	}
	if res, err := first.Result(); err != nil || addrs(res) != "192.0.2.1,192.0.2.2" {
		t.Fatalf("first future overwritten: %q %v", addrs(res), err)
	}
}

// Close fails what is pending, frees the sockets' ports, and refuses
// later lookups.
func TestClose(t *testing.T) {
	e := newEnv(t, Config{})
	e.serve(53, silent)
	f := e.res.LookupHost("pending.test")
	e.res.Close()
	if !f.Done() || f.Err() != ErrClosed {
		t.Fatalf("pending lookup: done %v err %v", f.Done(), f.Err())
	}
	if g := e.res.LookupA("host.test"); !g.Done() || g.Err() != ErrClosed {
		t.Fatalf("lookup after close: %v", g.Err())
	}
	for _, s := range e.res.socks {
		if s.s.Bound() {
			t.Fatal("a socket kept its port")
		}
	}
	e.r.RunFor(time.Minute) // nothing left to fire
	if e.res.Stats().Sent != 2 {
		t.Fatalf("sent %d after close", e.res.Stats().Sent)
	}
}
