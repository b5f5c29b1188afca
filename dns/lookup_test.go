package dns

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

var demoZone = []rr{
	{name: "host.test", ttl: 300, a: "192.0.2.1"},
	{name: "host.test", ttl: 300, a: "192.0.2.2"},
	{name: "host.test", ttl: 300, a: "2001:db8::1"},
	{name: "v4only.test", ttl: 300, a: "192.0.2.4"},
	{name: "v6only.test", ttl: 300, a: "2001:db8::6"},
}

// A, AAAA and both: the addresses come back in the server's order, IPv4
// first for LookupHost, and each question went out once, to the stack's
// DNS server at port 53.
func TestLookupTypes(t *testing.T) {
	e := newEnv(t, Config{})
	z := &zone{records: demoZone}
	srv := e.serve(53, z.handle)
	for _, tc := range []struct {
		name   string
		lookup func(string) (Result, error)
		host   string
		want   string
		types  []dnsmessage.Type
	}{
		{"A", e.lookupA, "host.test", "192.0.2.1,192.0.2.2", []dnsmessage.Type{dnsmessage.TypeA}},
		{"AAAA", func(n string) (Result, error) { return e.wait(e.res.LookupAAAA(n), time.Minute) }, "host.test", "2001:db8::1", []dnsmessage.Type{dnsmessage.TypeAAAA}},
		{"Host", func(n string) (Result, error) { return e.wait(e.res.LookupHost(n), time.Minute) }, "Host.Test.", "192.0.2.1,192.0.2.2,2001:db8::1", []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.res.FlushCache()
			before := len(srv.log)
			res, err := tc.lookup(tc.host)
			if err != nil || addrs(res) != tc.want {
				t.Fatalf("got %q, %v; want %q", addrs(res), err, tc.want)
			}
			if res.TTL != 300*time.Second {
				t.Errorf("TTL %v, want 300s", res.TTL)
			}
			got := srv.log[before:]
			if len(got) != len(tc.types) {
				t.Fatalf("server saw %d queries, want %d", len(got), len(tc.types))
			}
			for i, q := range got {
				if q.typ != tc.types[i] || !strings.EqualFold(q.name, fqdn(tc.host)) || q.from.Addr() != clientAddr {
					t.Errorf("query %d: %+v", i, q)
				}
			}
		})
	}
}

// LookupHost succeeds when only one family exists, and says NODATA only
// when neither does.
func TestLookupHostPartial(t *testing.T) {
	e := newEnv(t, Config{})
	z := &zone{records: append(demoZone, rr{name: "cname-only.test", ttl: 60, cname: "nowhere.test"})}
	z.soaMin = 30
	z.soaTTL = 60
	e.serve(53, z.handle)
	for _, tc := range []struct {
		host string
		want string
		err  error
	}{
		{"v4only.test", "192.0.2.4", nil},
		{"v6only.test", "2001:db8::6", nil},
		{"missing.test", "", ErrNotFound},
	} {
		res, err := e.wait(e.res.LookupHost(tc.host), time.Minute)
		if addrs(res) != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("%s: got %q, %v; want %q, %v", tc.host, addrs(res), err, tc.want, tc.err)
		}
	}
	if _, err := e.wait(e.res.LookupAAAA("v4only.test"), time.Minute); err != ErrNoData {
		t.Errorf("AAAA of an IPv4-only name: %v, want ErrNoData", err)
	}
}

// Errors found before any query complete the future at once and send
// nothing.
func TestLookupImmediateErrors(t *testing.T) {
	long := strings.Repeat("a.", 126) + "bb" // 254 bytes
	label := strings.Repeat("x", 64) + ".test"
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"", ErrBadName},
		{".", ErrBadName},
		{"a..test", ErrBadName},
		{".test", ErrBadName},
		{long, ErrNameTooLong},
		{label, ErrNameTooLong},
	} {
		e := newEnv(t, Config{})
		f := e.res.LookupA(tc.name)
		if !f.Done() || f.Err() != tc.err {
			t.Errorf("%q: done %v err %v, want %v", tc.name, f.Done(), f.Err(), tc.err)
		}
		if e.res.Stats().Sent != 0 {
			t.Errorf("%q: sent a query", tc.name)
		}
	}
	// The longest legal name (253 bytes, 63-byte labels) is asked for.
	ok := strings.Repeat(strings.Repeat("c", 63)+".", 3) + strings.Repeat("d", 61)
	if len(ok) != 253 {
		t.Fatalf("test name is %d bytes", len(ok))
	}
	e := newEnv(t, Config{})
	srv := e.serve(53, (&zone{records: []rr{{name: ok, ttl: 1, a: "192.0.2.9"}}}).handle)
	if res, err := e.lookupA(ok + "."); err != nil || addrs(res) != "192.0.2.9" || srv.queries() != 1 {
		t.Fatalf("253-byte name: %q %v after %d queries", addrs(res), err, srv.queries())
	}

	e = newEnv(t, Config{})
	e.cli.SetDNS(nil)
	if f := e.res.LookupA("host.test"); !f.Done() || f.Err() != ErrNoServers {
		t.Fatalf("no servers: %v", f.Err())
	}
}

// Address literals answer themselves.
func TestLookupLiteral(t *testing.T) {
	e := newEnv(t, Config{})
	for _, tc := range []struct {
		host, want string
		err        error
		lookup     func(string) (Result, error)
	}{
		{"192.0.2.7", "192.0.2.7", nil, e.lookupA},
		{"2001:db8::7", "", ErrNoData, e.lookupA},
		{"2001:db8::7", "2001:db8::7", nil, func(n string) (Result, error) { return e.wait(e.res.LookupHost(n), time.Second) }},
	} {
		res, err := tc.lookup(tc.host)
		if addrs(res) != tc.want || err != tc.err {
			t.Errorf("%s: %q %v", tc.host, addrs(res), err)
		}
	}
	if e.res.Stats().Sent != 0 {
		t.Fatal("a literal went to the network")
	}
}

// The server list comes from the stack when each lookup starts, so a
// change (a new DHCP lease) applies to the next lookup.
func TestServersFollowStack(t *testing.T) {
	e := newEnv(t, Config{})
	srv := e.serve(53, (&zone{records: demoZone}).handle)
	if _, err := e.lookupA("host.test"); err != nil || srv.queries() != 1 {
		t.Fatalf("%v after %d queries", err, srv.queries())
	}
	e.res.FlushCache()
	e.cli.SetDNS(nil)
	if f := e.res.LookupA("host.test"); !f.Done() || f.Err() != ErrNoServers {
		t.Fatalf("emptied list: %v", f.Err())
	}
	e.cli.SetDNS([]netip.Addr{netip.MustParseAddr("2001:db8::53"), serverAddr})
	if _, err := e.lookupA("host.test"); err != nil || srv.queries() != 2 {
		t.Fatalf("restored list: %v after %d queries", err, srv.queries())
	}
}
