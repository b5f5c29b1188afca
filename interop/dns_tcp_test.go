package interop

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/reactor"
)

// The TCP fallback against dnsmasq. dnsmasq answers a query without EDNS
// in at most 512 bytes over UDP and sets TC when the answer does not fit
// (dig +noedns +notcp shows it); asked again over TCP it sends it whole.
// Two names overflow: one with 100 A records (an addn-hosts file), and one
// at the head of a chain of three CNAMEs with 200-byte names, ending in a
// name with four addresses.
const (
	tcpManyName  = "many.test"
	tcpManyAddrs = 100
)

// tcpChain is the CNAME chain: three long names, each a CNAME of the next,
// the last of tcpChainTarget.
var tcpChain = func() []string {
	var names []string
	for _, c := range "xyz" {
		l := strings.Repeat(string(c), 63)
		names = append(names, l+"."+l+"."+l+".chain.test")
	}
	return names
}()

const tcpChainTarget = "target.test"

func TestDNSTCPFallbackDnsmasq(t *testing.T) {
	requireTools(t, [2]string{"dnsmasq", "dnsmasq-base"}, [2]string{"dig", "bind9-dnsutils"}, [2]string{"ss", "iproute2"})
	ns, d, res := dnsDevice(t)
	queryLog := dnsmasqStartTCP(t, ns)

	for _, tc := range []struct {
		name, host string
		addrs      int // how many addresses dnsmasq has for it
	}{
		{"100 A records", tcpManyName, tcpManyAddrs},
		{"CNAME chain of long names", tcpChain[0], 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// dnsmasq really truncates this answer over UDP without EDNS,
			// as the resolver asks, and has it whole over TCP.
			udp := digRun(t, ns, "+noedns", "+notcp", "+ignore", "+noall", "+comments", tc.host, "A")
			if !digFlag(udp, "tc") {
				t.Fatalf("dnsmasq did not set TC over UDP:\n%s", udp)
			}
			var want []string
			for _, f := range strings.Fields(digRun(t, ns, "+tcp", "+noedns", "+short", tc.host, "A")) {
				if a, err := netip.ParseAddr(f); err == nil {
					want = append(want, a.String())
				}
			}
			if len(want) != tc.addrs {
				t.Fatalf("dig over TCP got %d addresses, want %d: %v", len(want), tc.addrs, want)
			}
			before := dnsStats(d, res)
			logged := dnsmasqCount(queryLog, tc.host)
			start := time.Now()
			r, err := dnsLookup(t, d, func() *reactor.Future[dns.Result] { return res.LookupA(tc.host) })
			took := time.Since(start)
			if err != nil {
				t.Fatalf("%s: %v; stats %+v", tc.host, err, dnsStats(d, res))
			}
			var got []string
			for _, a := range r.List() {
				got = append(got, a.String())
			}
			// dnsmasq rotates the order of a name's addresses from one
			// answer to the next, so compare sets: a Result holds up to
			// MaxAddrs distinct addresses, all of them dnsmasq's; the rest
			// were read and counted (Stats.AddrsDropped, below).
			kept := min(tc.addrs, dns.MaxAddrs)
			all := map[string]bool{}
			for _, a := range want {
				all[a] = true
			}
			seen := map[string]bool{}
			for _, a := range got {
				if !all[a] || seen[a] {
					t.Fatalf("resolver %v: %s is not one of dig's or repeated; dig over TCP %v", got, a, want)
				}
				seen[a] = true
			}
			if len(got) != kept {
				t.Fatalf("resolver %v, want %d of dig's %v", got, kept, want)
			}
			st := dnsStats(d, res)
			if st.Truncated-before.Truncated != 1 || st.TCPQueries-before.TCPQueries != 1 || st.TCPAnswers-before.TCPAnswers != 1 ||
				st.TCPErrors != 0 || st.AddrsDropped-before.AddrsDropped != uint64(tc.addrs-kept) || st.Malformed != 0 || st.Rejected != 0 {
				t.Fatalf("stats before %+v, after %+v", before, st)
			}
			// dnsmasq saw the question twice: over UDP, then over TCP.
			if !dnsmasqQueries(queryLog, tc.host, logged+2) {
				t.Fatalf("dnsmasq logged %d queries for the name, want %d", dnsmasqCount(queryLog, tc.host), logged+2)
			}
			// The resolver closed the connection after the answer; dnsmasq
			// closed its side in turn, so nothing is left established.
			if !tcpClosedInNS(t, ns, 5*time.Second) {
				t.Fatalf("a TCP connection to port 53 is still established:\n%s", ns.Run(t, "ss", "-tan"))
			}
			t.Logf("%s: %d addresses over TCP, %d kept, lookup took %v", tc.name, tc.addrs, len(got), took)
		})
	}

	// LookupHost: the A question goes over TCP, the AAAA one (NODATA,
	// small) stays on UDP; the cached answer serves the next lookup.
	t.Run("LookupHost", func(t *testing.T) {
		d.do(func() { res.FlushCache() })
		r, err := dnsLookup(t, d, func() *reactor.Future[dns.Result] { return res.LookupHost(tcpManyName) })
		if err != nil || r.N != dns.MaxAddrs {
			t.Fatalf("%v %v", r.List(), err)
		}
		var cached bool
		d.do(func() { cached = res.LookupA(tcpManyName).Done() })
		if !cached {
			t.Fatal("the TCP answer was not cached")
		}
	})
}

// dnsmasqStartTCP runs dnsmasq in ns serving the fallback's names and waits
// until it answers; it returns the path of its query log.
func dnsmasqStartTCP(t *testing.T, ns *netnstest.NS) string {
	t.Helper()
	dir := t.TempDir()
	var hosts strings.Builder
	for i := 1; i <= tcpManyAddrs; i++ {
		fmt.Fprintf(&hosts, "10.77.1.%d %s\n", i, tcpManyName)
	}
	for i := 1; i <= 4; i++ {
		fmt.Fprintf(&hosts, "10.77.2.%d %s\n", i, tcpChainTarget)
	}
	hostsPath := filepath.Join(dir, "hosts")
	if err := os.WriteFile(hostsPath, []byte(hosts.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "dnsmasq.log")
	conf := []string{
		"interface=tap0", "bind-interfaces", "no-daemon", "no-resolv", "no-hosts", "user=root", "no-ping",
		"local=/test/", "local-ttl=60", "log-queries", "log-facility=" + logPath, "addn-hosts=" + hostsPath,
		"cname=" + tcpChain[0] + "," + tcpChain[1],
		"cname=" + tcpChain[1] + "," + tcpChain[2],
		"cname=" + tcpChain[2] + "," + tcpChainTarget,
	}
	confPath := filepath.Join(dir, "dnsmasq.conf")
	if err := os.WriteFile(confPath, []byte(strings.Join(conf, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ns.Start(t, "dnsmasq", "-C", confPath)
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := dnsDig(ns, "+short", tcpChainTarget, "A")
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

// digFlag reports whether dig's header line shows flag (";; flags: qr aa tc rd;").
func digFlag(out, flag string) bool {
	for _, line := range strings.Split(out, "\n") {
		if i := strings.Index(line, "flags:"); i >= 0 {
			flags := line[i+len("flags:"):]
			if j := strings.Index(flags, ";"); j >= 0 {
				flags = flags[:j]
			}
			for _, f := range strings.Fields(flags) {
				if f == flag {
					return true
				}
			}
		}
	}
	return false
}

// tcpClosedInNS waits (bounded, polling ss) until no TCP connection to or
// from port 53 is established in ns.
func tcpClosedInNS(t *testing.T, ns *netnstest.NS, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		out := ns.Run(t, "ss", "-Htn", "state", "established", "( sport = :53 or dport = :53 )")
		if strings.TrimSpace(string(out)) == "" {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		<-time.After(20 * time.Millisecond)
	}
}
