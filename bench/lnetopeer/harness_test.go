package lnetopeer

import (
	"bufio"
	"math/rand/v2"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/fault"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/hal/pcap"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

var (
	legAddr   = netip.MustParseAddr("10.0.0.1")
	lnetoAddr = netip.MustParseAddr("10.0.0.2")
)

// testNet is one legation stack and one lneto Peer on a loopback link, on one
// reactor in virtual time. The fault injector wraps legation's end, so it
// impairs both directions.
type testNet struct {
	t     *testing.T
	clk   *reactor.VirtualClock
	r     *reactor.Reactor
	leg   *stack.Stack
	lneto *Peer
	fault *fault.Device
	flush []func() error // pcap writers
}

// newNet builds the network. If LNETOPEER_PCAP names a directory, the link
// as legation's end sees it (after the faults) is written there per test.
func newNet(t *testing.T, fc fault.Config) *testNet {
	t.Helper()
	devA, devB := loopback.NewPair(loopback.Config{})
	n := &testNet{t: t, clk: reactor.NewVirtualClock(0)}
	n.r = reactor.New(n.clk)
	n.fault = fault.New(devA, fc)
	var legDev, lnetoDev hal.Device = n.fault, devB
	if dir := os.Getenv("LNETOPEER_PCAP"); dir != "" {
		legDev = n.capture(legDev, dir+"/"+sanitize(t.Name())+".legation.pcap")
		lnetoDev = n.capture(lnetoDev, dir+"/"+sanitize(t.Name())+".lneto.pcap")
	}
	var err error
	n.leg, err = stack.New(legDev, stack.Config{Addr: netip.PrefixFrom(legAddr, 24), Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	n.lneto, err = New(lnetoDev, Config{Addr: lnetoAddr, Neighbor: devA.HardwareAddr(), Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	n.leg.Spawn(n.r)
	n.lneto.Spawn(n.r)
	return n
}

// capture wraps dev with a pcap writer to path, flushed when the test ends.
func (n *testNet) capture(dev hal.Device, path string) hal.Device {
	t := n.t
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	w, err := pcap.NewWriter(bw, 0)
	if err != nil {
		t.Fatal(err)
	}
	n.flush = append(n.flush, bw.Flush)
	t.Cleanup(func() { bw.Flush(); f.Close() })
	return pcap.New(dev, w)
}

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

func randomData(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// runUntil turns the reactor until cond holds or limit of virtual time
// passes.
func (n *testNet) runUntil(limit time.Duration, cond func() bool) bool {
	return n.r.RunUntil(limit, cond)
}
