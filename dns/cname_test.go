package dns

import (
	"fmt"
	"testing"
	"time"
)

// chain returns CNAME records from <prefix>0.test through <prefix>n.test,
// with TTLs falling from 100 by 10 per hop, and an A record at the end.
func chain(prefix string, n int) []rr {
	var recs []rr
	for i := 0; i < n; i++ {
		recs = append(recs, rr{name: fmt.Sprintf("%s%d.test", prefix, i), ttl: uint32(100 - 10*i), cname: fmt.Sprintf("%s%d.test", prefix, i+1)})
	}
	return append(recs, rr{name: fmt.Sprintf("%s%d.test", prefix, n), ttl: 100, a: "192.0.2.80"})
}

// A chain the server includes whole is followed in one answer; the result's
// TTL is the lowest along the chain.
func TestCNAMEChainInAnswer(t *testing.T) {
	e := newEnv(t, Config{})
	srv := e.serve(53, (&zone{records: chain("c", 3)}).handle)
	res, err := e.lookupA("c0.test")
	if err != nil || addrs(res) != "192.0.2.80" || res.TTL != 80*time.Second || srv.queries() != 1 {
		t.Fatalf("%q %v TTL %v after %d queries", addrs(res), err, res.TTL, srv.queries())
	}
}

// Records out of order are still followed: RFC 1034 does not order them.
func TestCNAMEChainUnordered(t *testing.T) {
	recs := chain("u", 3)
	recs[0], recs[2] = recs[2], recs[0]
	e := newEnv(t, Config{})
	e.serve(53, func(q *dnsMsg) []byte { return reply(q, rcodeOK, recs, nil, nil) })
	if res, err := e.lookupA("u0.test"); err != nil || addrs(res) != "192.0.2.80" {
		t.Fatalf("%q %v", addrs(res), err)
	}
}

// A server that gives only the first CNAME makes the resolver ask for the
// target, hop by hop, each question with its own ID and source port.
func TestCNAMETargetRequeried(t *testing.T) {
	e := newEnv(t, Config{})
	srv := e.serve(53, (&zone{records: chain("r", 3), omitTarget: true}).handle)
	res, err := e.lookupA("r0.test")
	if err != nil || addrs(res) != "192.0.2.80" || res.TTL != 80*time.Second {
		t.Fatalf("%q %v TTL %v", addrs(res), err, res.TTL)
	}
	var names []string
	for _, s := range srv.log {
		names = append(names, s.name)
	}
	if got := fmt.Sprint(names); got != "[r0.test. r1.test. r2.test. r3.test.]" {
		t.Fatalf("asked %s", got)
	}
	if srv.log[0].id == srv.log[1].id && srv.log[1].id == srv.log[2].id {
		t.Fatal("every hop reused one ID")
	}
	if p := srv.log[0].from; p == srv.log[1].from && p == srv.log[2].from && p == srv.log[3].from {
		t.Fatalf("every hop left from %v", p)
	}
	// The answer is cached under the name asked for.
	if f := e.res.LookupA("r0.test"); !f.Done() {
		t.Fatal("not cached")
	}
}

// Loops and over-long chains end in ErrCNAMELoop, within one answer or
// across re-queries, after a bounded number of questions; a chain of exactly
// MaxCNAMEHops is followed.
func TestCNAMELoopsAndDepth(t *testing.T) {
	loop := []rr{{name: "l0.test", ttl: 60, cname: "l1.test"}, {name: "l1.test", ttl: 60, cname: "l0.test"}}
	self := []rr{{name: "s.test", ttl: 60, cname: "s.test"}}
	for _, tc := range []struct {
		name    string
		z       zone
		host    string
		hops    int
		err     error
		queries int
	}{
		{"loop in one answer", zone{records: loop}, "l0.test", 8, ErrCNAMELoop, 1},
		{"self loop", zone{records: self}, "s.test", 8, ErrCNAMELoop, 1},
		{"loop across queries", zone{records: loop, omitTarget: true}, "l0.test", 8, ErrCNAMELoop, 9},
		{"chain too long", zone{records: chain("d", 5)}, "d0.test", 4, ErrCNAMELoop, 1},
		{"chain too long across queries", zone{records: chain("d", 5), omitTarget: true}, "d0.test", 4, ErrCNAMELoop, 5},
		{"chain at the limit", zone{records: chain("d", 4)}, "d0.test", 4, nil, 1},
		{"chain at the limit across queries", zone{records: chain("d", 4), omitTarget: true}, "d0.test", 4, nil, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Config{MaxCNAMEHops: tc.hops})
			srv := e.serve(53, tc.z.handle)
			_, err := e.lookupA(tc.host)
			if err != tc.err || srv.queries() != tc.queries {
				t.Fatalf("%v after %d queries; want %v after %d", err, srv.queries(), tc.err, tc.queries)
			}
			if e.res.InFlight() != 0 {
				t.Fatal("question left in flight")
			}
		})
	}
}

// A CNAME to a name that does not exist is NXDOMAIN; to a name without
// addresses, NODATA.
func TestCNAMEToNothing(t *testing.T) {
	e := newEnv(t, Config{})
	e.serve(53, func(q *dnsMsg) []byte {
		switch q.Questions[0].Name.String() {
		case "dangling.test.":
			return reply(q, rcodeNX, []rr{{name: "dangling.test", ttl: 60, cname: "gone.test"}}, nil, nil)
		default:
			return reply(q, rcodeOK, []rr{{name: "empty.test", ttl: 60, cname: "v4.test"}}, []rr{{name: "test", ttl: 60, soaMin: 60}}, nil)
		}
	})
	if _, err := e.lookupA("dangling.test"); err != ErrNotFound {
		t.Errorf("dangling: %v", err)
	}
	if _, err := e.wait(e.res.LookupAAAA("empty.test"), time.Minute); err != ErrNoData {
		t.Errorf("empty: %v", err)
	}
}
