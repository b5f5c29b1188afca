// Command resolve looks up a name with legation's stub resolver and prints
// each address on its own line; on failure it prints the resolver's typed
// error and exits 1.
//
// On the default loopback link the peer stack in the same process serves a
// demo zone, legation.test, and is the default name server, so it runs
// anywhere with no set-up:
//
//	go run ./examples/resolve demo.legation.test
//	go run ./examples/resolve www.legation.test      # a CNAME
//	go run ./examples/resolve nope.legation.test     # NXDOMAIN: exit 1
//	ip netns exec lg go run ./examples/resolve -link tap:tap0 -dns 10.77.0.1 host.test
package main

import (
	"flag"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/examples/internal/netup"
	"github.com/seed947b3480/legation/reactor"
)

func main() {
	link := netup.Register(flag.CommandLine)
	qtype := flag.String("type", "host", "addresses to ask for: host (A and AAAA), a or aaaa")
	stats := flag.Bool("stats", false, "print the resolver's counters to stderr on exit")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: resolve [flags] NAME\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(link, flag.Arg(0), *qtype, *stats))
}

func run(link *netup.Flags, name, qtype string, stats bool) int {
	env, err := link.Up()
	if err != nil {
		fmt.Fprintln(os.Stderr, "resolve:", err)
		return 1
	}
	defer env.Close()
	if env.Peer != nil {
		if err := serveDemoZone(env.Peer); err != nil {
			fmt.Fprintln(os.Stderr, "resolve: demo zone:", err)
			return 1
		}
		if link.DNS == "" {
			env.Stack.SetDNS([]netip.Addr{env.PeerAddr})
		}
	}
	res, err := dns.New(env.Reactor, env.Stack, dns.Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "resolve:", err)
		return 1
	}
	var f *reactor.Future[dns.Result]
	switch qtype {
	case "host":
		f = res.LookupHost(name)
	case "a":
		f = res.LookupA(name)
	case "aaaa":
		f = res.LookupAAAA(name)
	default:
		fmt.Fprintf(os.Stderr, "resolve: -type %q: want host, a or aaaa\n", qtype)
		return 2
	}
	// The resolver's own retries end every lookup well within this; the
	// bound only guards against a bug.
	env.Reactor.RunUntil(time.Minute, f.Done)
	if stats {
		fmt.Fprintf(os.Stderr, "%+v\n", res.Stats())
	}
	r, err := f.Result()
	if !f.Done() {
		err = dns.ErrTimeout
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "resolve: %s: %v\n", name, err)
		return 1
	}
	for _, a := range r.List() {
		fmt.Println(a)
	}
	return 0
}
