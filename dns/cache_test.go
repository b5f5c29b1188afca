package dns

import (
	"github.com/seed947b3480/legation/reactor"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// An answer is served from the cache until its TTL runs out, to the
// nanosecond of virtual time, and asked for again after.
func TestCacheTTLExpiry(t *testing.T) {
	e := newEnv(t, Config{})
	srv := e.serve(53, (&zone{records: []rr{{name: "ttl.test", ttl: 30, a: "192.0.2.30"}}}).handle)
	if _, err := e.lookupA("ttl.test"); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(30*time.Second - time.Nanosecond)
	f := e.res.LookupA("TTL.test.")
	if !f.Done() {
		t.Fatal("a cached answer did not complete at once")
	}
	if res, err := f.Result(); err != nil || addrs(res) != "192.0.2.30" || res.TTL != time.Nanosecond {
		t.Fatalf("cached: %q %v TTL %v", addrs(res), err, res.TTL)
	}
	if srv.queries() != 1 || e.res.Stats().CacheHits != 1 {
		t.Fatalf("%d queries, stats %+v", srv.queries(), e.res.Stats())
	}
	e.clk.Advance(time.Nanosecond)
	f = e.res.LookupA("ttl.test")
	if f.Done() {
		t.Fatal("an expired answer was served")
	}
	if res, err := e.wait(f, time.Minute); err != nil || res.TTL != 30*time.Second || srv.queries() != 2 {
		t.Fatalf("after expiry: %v TTL %v, %d queries", err, res.TTL, srv.queries())
	}
}

// Negative answers are cached for the SOA's negative TTL, min(SOA TTL,
// MINIMUM) capped by MaxNegativeTTL (RFC 2308 5), and not at all without an
// SOA.
func TestNegativeCache(t *testing.T) {
	for _, tc := range []struct {
		name           string
		soaTTL, soaMin uint32
		maxNeg         time.Duration
		host           string
		qtype          dnsmessage.Type
		err            error
		cached         time.Duration // 0: not cached
	}{
		{"nxdomain soa minimum", 60, 10, 0, "missing.test", dnsmessage.TypeA, ErrNotFound, 10 * time.Second},
		{"nxdomain soa ttl", 5, 10, 0, "missing.test", dnsmessage.TypeA, ErrNotFound, 5 * time.Second},
		{"nxdomain capped", 7200, 7200, 20 * time.Second, "missing.test", dnsmessage.TypeA, ErrNotFound, 20 * time.Second},
		{"nodata", 60, 15, 0, "v4only.test", dnsmessage.TypeAAAA, ErrNoData, 15 * time.Second},
		{"nxdomain without soa", 0, 0, 0, "missing.test", dnsmessage.TypeA, ErrNotFound, 0},
		{"nodata without soa", 0, 0, 0, "v4only.test", dnsmessage.TypeAAAA, ErrNoData, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Config{MaxNegativeTTL: tc.maxNeg})
			srv := e.serve(53, (&zone{records: demoZone, soaMin: tc.soaMin, soaTTL: tc.soaTTL}).handle)
			look := func() *reactor.Future[Result] {
				if tc.qtype == dnsmessage.TypeA {
					return e.res.LookupA(tc.host)
				}
				return e.res.LookupAAAA(tc.host)
			}
			if _, err := e.wait(look(), time.Minute); err != tc.err {
				t.Fatalf("first: %v, want %v", err, tc.err)
			}
			if tc.cached == 0 {
				if _, err := e.wait(look(), time.Minute); err != tc.err || srv.queries() != 2 || e.res.CacheLen() != 0 {
					t.Fatalf("uncacheable negative answer: %v, %d queries, %d cached", err, srv.queries(), e.res.CacheLen())
				}
				return
			}
			e.clk.Advance(tc.cached - time.Nanosecond)
			if f := look(); !f.Done() || f.Err() != tc.err || srv.queries() != 1 {
				t.Fatalf("within the negative TTL: done %v err %v, %d queries", f.Done(), f.Err(), srv.queries())
			}
			if st := e.res.Stats(); st.NegativeHits != 1 || st.CacheHits != 1 {
				t.Fatalf("stats %+v", st)
			}
			e.clk.Advance(time.Nanosecond)
			if _, err := e.wait(look(), time.Minute); err != tc.err || srv.queries() != 2 {
				t.Fatalf("after the negative TTL: %v, %d queries", err, srv.queries())
			}
		})
	}
}

// The cache holds CacheEntries answers and evicts the least recently used;
// TTLs are capped at MaxTTL and a zero TTL is not cached.
func TestCacheBoundsAndLRU(t *testing.T) {
	var recs []rr
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		recs = append(recs, rr{name: n + ".test", ttl: 3600, a: "192.0.2.1"})
	}
	recs = append(recs, rr{name: "zero.test", ttl: 0, a: "192.0.2.2"})
	e := newEnv(t, Config{CacheEntries: 4, MaxTTL: time.Minute})
	srv := e.serve(53, (&zone{records: recs}).handle)
	for _, n := range []string{"a", "b", "c", "d"} {
		if _, err := e.lookupA(n + ".test"); err != nil {
			t.Fatal(err)
		}
	}
	if f := e.res.LookupA("a.test"); !f.Done() { // a is now the most recent
		t.Fatal("a.test not cached")
	} else if res, _ := f.Result(); res.TTL != time.Minute {
		t.Fatalf("TTL %v, want MaxTTL", res.TTL)
	}
	if _, err := e.lookupA("e.test"); err != nil { // evicts b, the least recent
		t.Fatal(err)
	}
	if e.res.CacheLen() != 4 || e.res.Stats().Evictions != 1 {
		t.Fatalf("%d cached, stats %+v", e.res.CacheLen(), e.res.Stats())
	}
	q := srv.queries()
	for _, n := range []string{"a", "c", "d", "e"} {
		if f := e.res.LookupA(n + ".test"); !f.Done() {
			t.Errorf("%s.test evicted", n)
		}
	}
	if f := e.res.LookupA("b.test"); f.Done() {
		t.Error("b.test, the least recently used, was kept")
	}
	if _, err := e.wait(e.res.LookupA("zero.test"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if f := e.res.LookupA("zero.test"); f.Done() {
		t.Error("a zero-TTL answer was cached")
	}
	e.r.RunFor(time.Minute)
	if got := srv.queries() - q; got != 3 { // b, zero, zero
		t.Errorf("%d queries after the evictions, want 3", got)
	}
}
