// Command sntp measures the offset between this machine's clock and an NTP
// server with legation's SNTP client, prints
//
//	offset=<duration> delay=<duration>
//
// and exits 0; on failure it prints the client's typed error and exits 1.
//
// The server is -server, or else those the stack knows (the NTP servers a
// DHCP lease gave, with -dhcp). On the default loopback link the peer stack
// in the same process runs a tiny NTP server on the same clock and is the
// server when nothing else names one, so the demo runs anywhere and the
// offset is close to zero (or -peer-offset):
//
//	go run ./examples/sntp
//	go run ./examples/sntp -peer-offset 1.5s
//	go run ./examples/sntp -link tap:tap0 -addr 10.77.0.2/24 -server 10.77.0.1
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/seed947b3480/legation/clients/sntp"
	"github.com/seed947b3480/legation/examples/internal/demontp"
	"github.com/seed947b3480/legation/examples/internal/netup"
)

func main() {
	link := netup.Register(flag.CommandLine)
	server := flag.String("server", "", "NTP server address (default: the stack's NTP server, or the peer stack on loopback)")
	timeout := flag.Duration("timeout", 2*time.Second, "wait for the first reply; each retransmission waits twice as long")
	attempts := flag.Int("attempts", 3, "requests per server before giving up on it")
	wait := flag.Duration("wait", 30*time.Second, "how long to wait for an address and an NTP server (from DHCP)")
	peerOffset := flag.Duration("peer-offset", 0, "loopback demo: how far the peer's NTP server runs ahead of this clock")
	flag.Parse()
	os.Exit(run(link, *server, *timeout, *attempts, *wait, *peerOffset))
}

func run(link *netup.Flags, server string, timeout time.Duration, attempts int, wait, peerOffset time.Duration) int {
	env, err := link.Up()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sntp:", err)
		return 1
	}
	defer env.Close()

	cfg := sntp.Config{Timeout: timeout, Attempts: attempts}
	if env.Peer != nil {
		// The loopback demo's peer answers NTP, whether it is named by
		// default or by its DHCP lease (-dhcp).
		if err := demontp.Serve(env.Peer, peerOffset); err != nil {
			fmt.Fprintln(os.Stderr, "sntp: peer server:", err)
			return 1
		}
	}
	switch {
	case server != "":
		a, err := netip.ParseAddr(server)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sntp: -server:", err)
			return 1
		}
		cfg.Servers = []netip.Addr{a}
	case len(env.Stack.NTP()) > 0:
		// The stack's list, from DHCP: left nil, the client reads it.
	case env.Peer != nil:
		cfg.Servers = []netip.Addr{env.PeerAddr}
	}
	// Servers left nil: the client reads the stack's list, which DHCP
	// fills; wait for it (and for an address) before asking.
	r, st := env.Reactor, env.Stack
	ready := func() bool { return st.Addr().IsValid() && (cfg.Servers != nil || len(st.NTP()) > 0) }
	if !r.RunUntil(wait, ready) {
		if !st.Addr().IsValid() {
			return fail(fmt.Errorf("no address after %v", wait))
		}
		return fail(fmt.Errorf("%w: none given with -server and none from the stack after %v", sntp.ErrNoServers, wait))
	}

	c, err := sntp.New(r, st, cfg)
	if err != nil {
		return fail(err)
	}
	defer c.Close()
	f := c.Sync()
	// The round ends by itself; this bound is a backstop, longer than the
	// waits of every attempt (under timeout·2^attempts·1.25 per server) on
	// the four servers the client keeps by default.
	r.RunUntil(5*(timeout<<attempts), f.Done)
	if !f.Done() {
		return fail(sntp.ErrTimeout)
	}
	res, err := f.Result()
	if err != nil {
		if res.Server.IsValid() {
			fmt.Fprintf(os.Stderr, "%v (last server asked: %v)\n", err, res.Server)
			return 1
		}
		return fail(err)
	}
	fmt.Printf("offset=%v delay=%v\n", res.Offset, res.Delay)
	fmt.Fprintf(os.Stderr, "sntp: server %v stratum %d; time now %s\n", res.Server, res.Stratum,
		c.Clock().UTC().Format(time.RFC3339Nano))
	return 0
}

// fail prints err (the client's errors say "sntp:" themselves) and
// returns the exit status.
func fail(err error) int {
	var e sntp.Error
	if errors.As(err, &e) {
		fmt.Fprintln(os.Stderr, err)
	} else {
		fmt.Fprintln(os.Stderr, "sntp:", err)
	}
	return 1
}
