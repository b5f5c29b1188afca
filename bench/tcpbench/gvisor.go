package tcpbench

import (
	"net"
	"net/netip"
	"testing"

	"github.com/seed947b3480/legation/bench/gvisorpeer"
	"gvisor.dev/gvisor/pkg/tcpip"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
	"gvisor.dev/gvisor/pkg/tcpip/link/pipe"
	"gvisor.dev/gvisor/pkg/tcpip/network/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/transport/tcp"
)

func init() { register("gvisor", gvisorTransport{}) }

// gvisorTransport is two gVisor netstack stacks in this process, joined by a
// link/pipe pair under Ethernet framing with ARP (MTU 1500, no offload:
// gVisor computes and verifies every checksum, as legation does), each with
// gVisor's default TCP (SACK, timestamps, window scaling, RACK, receive
// buffer moderation, 1 MiB buffers), through the gonet net.Conn adapters.
//
// The pipe delivers each frame synchronously in the sender's goroutine,
// the fastest link gVisor has (link/channel adds a queue and a goroutine
// hop per frame); gVisor's TCP then runs its segment processors on its own
// goroutines. gonet costs little over the raw tcpip.Endpoint API (a
// deadline check and a waiter registration when a call would block), and it
// is what a Go program on gVisor uses.
type gvisorTransport struct{}

func (gvisorTransport) mtu() int { return 1500 }

var (
	gvisorClientMAC = tcpip.LinkAddress("\x02\x00\x00\x00\x00\x01")
	gvisorServerMAC = tcpip.LinkAddress("\x02\x00\x00\x00\x00\x02")
)

func (gvisorTransport) ops(tb testing.TB) netConnOps {
	a, b := pipe.New(gvisorClientMAC, gvisorServerMAC, 1514)
	cli, err := gvisorpeer.NewStack(a, netip.PrefixFrom(legationClientAddr, 24))
	if err != nil {
		tb.Fatal(err)
	}
	srv, err := gvisorpeer.NewStack(b, netip.PrefixFrom(legationServerAddr, 24))
	if err != nil {
		cli.Destroy()
		tb.Fatal(err)
	}
	// The client may reuse a port still in TIME-WAIT, as the kernel does on
	// loopback (tcp_tw_reuse=2) and gVisor does by default on its loopback:
	// otherwise BenchmarkTCPConnect would run out of ephemeral ports after
	// some 49,500 connections (its ephemeral range) within 60 s.
	reuse := tcpip.TCPTimeWaitReuseGlobal
	if err := cli.SetTransportProtocolOption(tcp.ProtocolNumber, &reuse); err != nil {
		tb.Fatal(err)
	}
	ln, err := gonet.ListenTCP(srv, tcpip.FullAddress{Port: benchPort}, ipv4.ProtocolNumber)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ln.Close()
		cli.Destroy()
		srv.Destroy()
	})
	to := gvisorpeer.FullAddr(netip.AddrPortFrom(legationServerAddr, benchPort))
	return netConnOps{ln: ln, dial: func() (net.Conn, error) {
		return gonet.DialTCP(cli, to, ipv4.ProtocolNumber)
	}}
}

func (g gvisorTransport) bulk(tb testing.TB, src, dst []byte) func() error {
	return g.ops(tb).bulk(tb, src, dst)
}

func (g gvisorTransport) pingPong(tb testing.TB, req, resp []byte) func() error {
	return g.ops(tb).pingPong(tb, req, resp)
}

func (g gvisorTransport) connect(tb testing.TB) func() error {
	return g.ops(tb).connect(tb)
}
