package interop

import (
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/hal/tap"
	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

// dnsmasqConf serves the names the DNS test asks for. local=/test/ makes
// dnsmasq authoritative for .test (NXDOMAIN for what it does not know, no
// upstream), local-ttl=2 gives every answer a 2 s TTL so expiry can be
// watched, and log-queries writes one line per query received.
const dnsmasqConf = `interface=tap0
bind-interfaces
no-daemon
no-resolv
no-hosts
user=root
no-ping
local=/test/
local-ttl=2
log-queries
host-record=host.test,10.77.0.5
host-record=dual.test,10.77.0.6,fd00::6
address=/wild.test/10.77.0.9
cname=c1.test,c2.test
cname=c2.test,c3.test
cname=c3.test,host.test
`

// The stub resolver against dnsmasq over TAP in a namespace: a host-record
// name, a wildcard name, a CNAME chain of three hops and a dual-stack name
// resolve to what dig gets from the same server; an unknown name is
// ErrNotFound; an answer is served from the cache within its TTL with no
// packet sent and asked for again once the TTL is over, as dnsmasq's query
// log confirms.
func TestDNSAgainstDnsmasq(t *testing.T) {
	requireTools(t, [2]string{"dnsmasq", "dnsmasq-base"}, [2]string{"dig", "bind9-dnsutils"})
	ns, d, res := dnsDevice(t)
	queryLog := dnsmasqStart(t, ns)

	for _, tc := range []struct {
		name, host string
		lookup     func(*dns.Resolver, string) *reactor.Future[dns.Result]
		dig        []string // the record types dig is asked for
	}{
		{"host-record", "host.test", (*dns.Resolver).LookupA, []string{"A"}},
		{"wildcard", "anything.wild.test", (*dns.Resolver).LookupA, []string{"A"}},
		{"cname-chain", "c1.test", (*dns.Resolver).LookupA, []string{"A"}},
		{"dual-stack", "dual.test", (*dns.Resolver).LookupHost, []string{"A", "AAAA"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := dnsLookup(t, d, func() *reactor.Future[dns.Result] { return tc.lookup(res, tc.host) })
			if err != nil {
				t.Fatalf("%s: %v", tc.host, err)
			}
			var want []string
			for _, typ := range tc.dig {
				want = append(want, digAddrs(t, ns, tc.host, typ)...)
			}
			var got []string
			for _, a := range r.List() {
				got = append(got, a.String())
			}
			if strings.Join(got, " ") != strings.Join(want, " ") || len(got) == 0 {
				t.Fatalf("%s: resolver %v, dig %v", tc.host, got, want)
			}
			if r.TTL <= 0 || r.TTL > 2*time.Second {
				t.Fatalf("TTL %v, want (0, 2s] from local-ttl=2", r.TTL)
			}
		})
	}

	t.Run("nxdomain", func(t *testing.T) {
		out := digRun(t, ns, "+noall", "+comments", "nope.test", "A")
		if !strings.Contains(out, "status: NXDOMAIN") {
			t.Fatalf("dig does not see NXDOMAIN:\n%s", out)
		}
		before := dnsStats(d, res)
		for i := 0; i < 2; i++ {
			if _, err := dnsLookup(t, d, func() *reactor.Future[dns.Result] { return res.LookupA("nope.test") }); !errors.Is(err, dns.ErrNotFound) {
				t.Fatalf("lookup %d: %v, want ErrNotFound", i, err)
			}
		}
		// dnsmasq sends no SOA with its NXDOMAIN, so RFC 2308 forbids
		// caching it: both lookups went to the server.
		if sent := dnsStats(d, res).Sent - before.Sent; sent < 2 {
			t.Fatalf("%d queries for two uncacheable NXDOMAIN lookups", sent)
		}
	})

	t.Run("ttl-expiry", func(t *testing.T) {
		const host = "ttl.wild.test"
		lookup := func() *reactor.Future[dns.Result] { return res.LookupA(host) }
		before := dnsStats(d, res)
		if _, err := dnsLookup(t, d, lookup); err != nil {
			t.Fatal(err)
		}
		sent := dnsStats(d, res).Sent - before.Sent
		// Within the TTL: the future completes inside the call, nothing is
		// sent. The cached TTL and the reactor's clock give the instant the
		// entry expires.
		var expires reactor.Instant
		d.do(func() {
			f := lookup()
			if r, err := f.Result(); f.Done() && err == nil {
				expires = d.r.Now().Add(r.TTL)
			}
		})
		if expires == 0 {
			t.Fatal("second lookup within the TTL was not answered from the cache")
		}
		if !d.waitFor(5*time.Second, func() bool { return d.r.Now() >= expires.Add(-300*time.Millisecond) }) {
			t.Fatal("clock stuck")
		}
		hit := false
		d.do(func() { hit = lookup().Done() })
		if !hit {
			t.Fatal("answer gone from the cache 300 ms before its TTL ran out")
		}
		if got := dnsStats(d, res).Sent - before.Sent; got != sent {
			t.Fatalf("%d queries sent while the answer was cached, want %d", got, sent)
		}
		if !d.waitFor(5*time.Second, func() bool { return d.r.Now() >= expires }) {
			t.Fatal("clock stuck")
		}
		var miss bool
		r, err := dnsLookup(t, d, func() *reactor.Future[dns.Result] {
			f := lookup()
			miss = !f.Done()
			return f
		})
		if err != nil || !miss || r.List()[0] != netip.MustParseAddr("10.77.0.9") {
			t.Fatalf("after the TTL: miss %v, %v %v", miss, r.List(), err)
		}
		after := dnsStats(d, res)
		if got := after.Sent - before.Sent; got != 2*sent {
			t.Fatalf("%d queries in all, want %d", got, 2*sent)
		}
		// dnsmasq saw exactly what the resolver says it sent.
		if !dnsmasqQueries(queryLog, host, int(2*sent)) {
			t.Fatalf("dnsmasq logged %d queries for %s, the resolver sent %d", dnsmasqCount(queryLog, host), host, 2*sent)
		}
	})

	// Every query the resolver sent reached dnsmasq and nothing else did.
	st := dnsStats(d, res)
	if !dnsmasqQueries(queryLog, "", int(st.Sent)) || st.Rejected != 0 || st.Malformed != 0 {
		t.Fatalf("dnsmasq logged %d queries, resolver stats %+v", dnsmasqCount(queryLog, ""), st)
	}
}

// dnsmasqStart runs dnsmasq in ns with dnsmasqConf and waits until it
// answers; it returns the path of its query log.
func dnsmasqStart(t *testing.T, ns *netnstest.NS) string {
	t.Helper()
	dir := t.TempDir()
	logPath := filepath.Join(dir, "dnsmasq.log")
	conf := filepath.Join(dir, "dnsmasq.conf")
	if err := os.WriteFile(conf, []byte(dnsmasqConf+"log-facility="+logPath+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ns.Start(t, "dnsmasq", "-C", conf)
	// Poll with dig (bounded, about every 50 ms) until dnsmasq has bound
	// its socket.
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := dnsDig(ns, "+short", "host.test", "A")
		if err == nil && strings.TrimSpace(out) != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dnsmasq never answered: %v\n%s", err, out)
		}
		<-time.After(50 * time.Millisecond)
	}
	return logPath
}

// dnsDig runs dig against dnsmasq from inside ns.
func dnsDig(ns *netnstest.NS, args ...string) (string, error) {
	args = append([]string{"netns", "exec", ns.Name, "dig", "@10.77.0.1", "+time=1", "+tries=1"}, args...)
	out, err := exec.Command("ip", args...).CombinedOutput()
	return string(out), err
}

func digRun(t *testing.T, ns *netnstest.NS, args ...string) string {
	t.Helper()
	out, err := dnsDig(ns, args...)
	if err != nil {
		t.Fatalf("dig %v: %v\n%s", args, err, out)
	}
	return out
}

// digAddrs returns the addresses dig finds for name and type, CNAME lines
// left out.
func digAddrs(t *testing.T, ns *netnstest.NS, name, typ string) []string {
	var addrs []string
	for _, line := range strings.Fields(digRun(t, ns, "+short", name, typ)) {
		if a, err := netip.ParseAddr(line); err == nil {
			addrs = append(addrs, a.String())
		}
	}
	return addrs
}

// dnsLookup starts a lookup on the device's reactor and waits for it.
func dnsLookup(t *testing.T, d *device, start func() *reactor.Future[dns.Result]) (dns.Result, error) {
	t.Helper()
	var r dns.Result
	var err error
	done := make(chan struct{})
	d.do(func() {
		start().OnComplete(func(res dns.Result, e error) {
			r, err = res, e
			close(done)
		})
	})
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("lookup never completed; stats %+v", d.counters())
	}
	return r, err
}

func dnsStats(d *device, res *dns.Resolver) dns.Stats {
	var st dns.Stats
	d.do(func() { st = res.Stats() })
	return st
}

// dnsmasqCount counts the queries from the device in dnsmasq's log, for
// name (every name if empty).
func dnsmasqCount(logPath, name string) int {
	raw, _ := os.ReadFile(logPath)
	n := 0
	for _, line := range strings.Split(string(raw), "\n") {
		// dnsmasq: query[A] host.test from 10.77.0.2
		i := strings.Index(line, "query[")
		if i < 0 || !strings.HasSuffix(line, " from 10.77.0.2") {
			continue
		}
		f := strings.Fields(line[i:])
		if len(f) == 4 && (name == "" || f[1] == name) {
			n++
		}
	}
	return n
}

// dnsmasqQueries waits (bounded) for dnsmasq's log to show want queries:
// it writes its log lines after answering.
func dnsmasqQueries(logPath, name string, want int) bool {
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := dnsmasqCount(logPath, name)
		if n == want {
			return true
		}
		if n > want || time.Now().After(deadline) {
			return false
		}
		<-time.After(20 * time.Millisecond)
	}
}

// requireTools skips the test unless every tool, given as {binary, Debian
// package}, is installed.
func requireTools(t *testing.T, tools ...[2]string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool[0]); err != nil {
			t.Skipf("interop: skipped: %s not found (Debian package %s)", tool[0], tool[1])
		}
	}
}

// dnsDevice puts a stack on a TAP device in a fresh namespace whose kernel
// side, 10.77.0.1, is its gateway and DNS server (where the test starts
// dnsmasq), and makes a resolver on it.
func dnsDevice(t *testing.T) (*netnstest.NS, *device, *dns.Resolver) {
	t.Helper()
	ns := netnstest.New(t)
	dev, err := tap.Open(tap.Config{Name: "tap0", Netns: ns.Name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	server := netip.MustParseAddr("10.77.0.1")
	d := startDevice(t, dev, stack.Config{Addr: netip.MustParsePrefix("10.77.0.2/24"), Gateway: server, DNS: []netip.Addr{server}})
	ns.ConfigureTap(t, "tap0", "10.77.0.1/24", 1500)
	var res *dns.Resolver
	d.do(func() { res, err = dns.New(d.r, d.s, dns.Config{}) })
	if err != nil {
		t.Fatal(err)
	}
	return ns, d, res
}
