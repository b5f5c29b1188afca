package dns

import (
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
	"net/netip"
)

// nominalWait is the backoff before randomisation: Timeout doubled per
// full round through the servers, capped at MaxTimeout.
func nominalWait(cfg Config, attempt, servers int) time.Duration {
	d := cfg.Timeout
	for r := attempt / servers; r > 0; r-- {
		d *= 2
	}
	return min(d, cfg.MaxTimeout)
}

// within reports whether d lies in the randomisation window of nominal.
func within(d, nominal time.Duration) bool {
	return d >= nominal-nominal/4 && d <= nominal+nominal/4
}

// With every server silent, the question is sent Attempts times, rotating
// through the servers with the same ID from the same port, each wait inside
// its window of the doubling schedule, and the lookup fails with ErrTimeout
// when the last wait ends.
func TestRetransmitSchedule(t *testing.T) {
	for _, tc := range []struct {
		name    string
		servers []uint16
	}{
		{"one server", []uint16{53}},
		{"two servers", []uint16{53, 5353}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Timeout: time.Second, MaxTimeout: 4 * time.Second, Attempts: 6}
			for _, p := range tc.servers {
				cfg.Servers = append(cfg.Servers, server(p))
			}
			e := newEnv(t, cfg)
			var logs []*scripted
			for _, p := range tc.servers {
				logs = append(logs, e.serve(p, silent))
			}
			start := e.r.Now()
			f := e.res.LookupA("quiet.test")
			_, err := e.wait(f, 10*time.Minute)
			end := e.r.Now()
			if err != ErrTimeout {
				t.Fatalf("err %v, want ErrTimeout", err)
			}
			// Merge the servers' logs in time order; sends alternate.
			var sends []seen
			for i := 0; ; i++ {
				s := logs[i%len(logs)]
				k := i / len(logs)
				if k >= len(s.log) {
					break
				}
				sends = append(sends, s.log[k])
			}
			if len(sends) != cfg.Attempts {
				t.Fatalf("%d sends, want %d", len(sends), cfg.Attempts)
			}
			prev, exact := start, 0
			for i, s := range sends {
				if s.id != sends[0].id || s.from != sends[0].from {
					t.Errorf("send %d: id %#x from %v; first was %#x from %v", i, s.id, s.from, sends[0].id, sends[0].from)
				}
				gap := s.at.Sub(prev)
				if i == 0 && gap != 0 {
					t.Errorf("first send %v after the lookup", gap)
				}
				if i > 0 {
					want := nominalWait(cfg, i-1, len(tc.servers))
					if !within(gap, want) {
						t.Errorf("gap before send %d: %v, want %v ±25%%", i, gap, want)
					}
					if gap == want {
						exact++
					}
				}
				prev = s.at
			}
			if last := nominalWait(cfg, cfg.Attempts-1, len(tc.servers)); !within(end.Sub(prev), last) {
				t.Errorf("gave up %v after the last send, want %v ±25%%", end.Sub(prev), last)
			}
			if exact == len(sends)-1 {
				t.Error("no wait was randomised")
			}
			st := e.res.Stats()
			if st.Sent != uint64(cfg.Attempts) || st.Retransmits != uint64(cfg.Attempts-1) || st.Timeouts != 1 || e.res.InFlight() != 0 {
				t.Errorf("stats %+v, in flight %d", st, e.res.InFlight())
			}
		})
	}
}

// A silent first server costs one timeout; the answer then comes from the
// second, and the next lookup goes straight to it.
func TestFailoverOnSilence(t *testing.T) {
	e := newEnv(t, Config{Servers: []netip.AddrPort{server(53), server(5353)}})
	dead := e.serve(53, silent)
	live := e.serve(5353, (&zone{records: demoZone}).handle)
	start := e.r.Now()
	res, err := e.lookupA("host.test")
	if err != nil || addrs(res) != "192.0.2.1,192.0.2.2" {
		t.Fatalf("%q %v", addrs(res), err)
	}
	if took := e.r.Now().Sub(start); !within(took, time.Second) {
		t.Errorf("failover took %v, want the 1 s timeout ±25%%", took)
	}
	if _, err := e.lookupA("v4only.test"); err != nil {
		t.Fatal(err)
	}
	if dead.queries() != 1 || live.queries() != 2 {
		t.Fatalf("dead server saw %d queries, live %d; want 1 and 2", dead.queries(), live.queries())
	}
}

// A server that answers with an error is left at once for the next; when
// every server has failed, the lookup reports the error without waiting
// out the timeouts.
func TestFailoverOnServerError(t *testing.T) {
	rcodeOnly := func(rc dnsmessage.RCode) handler {
		return func(q *dnsmessage.Message) []byte { return reply(q, rc, nil, nil, nil) }
	}
	good := (&zone{records: demoZone}).handle
	for _, tc := range []struct {
		name         string
		first, other handler
		err          error
	}{
		{"servfail then answer", rcodeOnly(dnsmessage.RCodeServerFailure), good, nil},
		{"refused then answer", rcodeOnly(dnsmessage.RCodeRefused), good, nil},
		{"notimp then answer", rcodeOnly(dnsmessage.RCodeNotImplemented), good, nil},
		{"malformed then answer", malformed, good, nil},
		{"servfail everywhere", rcodeOnly(dnsmessage.RCodeServerFailure), rcodeOnly(dnsmessage.RCodeServerFailure), ErrServerFailure},
		{"refused everywhere", rcodeOnly(dnsmessage.RCodeRefused), rcodeOnly(dnsmessage.RCodeRefused), ErrRefused},
		{"malformed everywhere", malformed, malformed, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Config{Servers: []netip.AddrPort{server(53), server(5353)}})
			a := e.serve(53, tc.first)
			b := e.serve(5353, tc.other)
			start := e.r.Now()
			res, err := e.lookupA("host.test")
			if err != tc.err || (err == nil) != (res.N == 2) {
				t.Fatalf("%q %v, want %v", addrs(res), err, tc.err)
			}
			if e.r.Now() != start {
				t.Errorf("took %v; an error answer should not wait for a timeout", e.r.Now().Sub(start))
			}
			if a.queries() != 1 || b.queries() != 1 {
				t.Errorf("servers saw %d and %d queries, want 1 each", a.queries(), b.queries())
			}
		})
	}
}

// malformed answers with the right ID and question but an A record whose
// data is two bytes long.
func malformed(q *dnsmessage.Message) []byte {
	out := reply(q, dnsmessage.RCodeSuccess, []rr{{name: q.Questions[0].Name.String(), ttl: 60, a: "192.0.2.99"}}, nil, nil)
	// The record ends with RDLENGTH (2 bytes) and the 4 address bytes.
	n := len(out)
	out[n-6], out[n-5] = 0, 2
	return out[:n-2]
}
