package gvisorpeer

import (
	"bufio"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/fault"
	"github.com/seed947b3480/legation/hal/pcap"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

var (
	legationAddr = netip.MustParseAddr("10.0.0.1")
	gvisorAddr   = netip.MustParseAddr("10.0.0.2")
)

// pcapDir, when set, records what crosses the link (after the fault
// injector) in DIR/TESTNAME.pcap, for Wireshark or tshark.
var pcapDir = flag.String("pcap", "", "write a capture of each test's link into this directory")

func capture(t *testing.T, dev hal.Device) hal.Device {
	f, err := os.Create(filepath.Join(*pcapDir, strings.ReplaceAll(t.Name(), "/", "_")+".pcap"))
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(f)
	w, err := pcap.NewWriter(bw, 128)
	if err != nil {
		t.Fatal(err)
	}
	// Registered before the harness's own cleanup, so it runs after the
	// reactor has stopped writing.
	t.Cleanup(func() {
		bw.Flush()
		f.Close()
	})
	return pcap.New(dev, w)
}

// testTimeout bounds each test's wait for the other side; a transfer that
// has not finished by then has stalled.
const testTimeout = 60 * time.Second

// harness is a legation stack, behind a fault injector, on a reactor with a
// RealClock in its own goroutine, linked to a gVisor Peer. The test goroutine
// reaches legation only through do, which runs a function on the reactor
// goroutine.
type harness struct {
	t     *testing.T
	r     *reactor.Reactor
	s     *stack.Stack
	peer  *Peer
	fault *fault.Device
	ctx   context.Context // ends at testTimeout
}

func newHarness(t *testing.T, fc fault.Config) *harness {
	t.Helper()
	peer, err := New(Config{Addr: netip.PrefixFrom(gvisorAddr, 24)})
	if err != nil {
		t.Fatal(err)
	}
	var wire hal.Device = peer.Device()
	if *pcapDir != "" {
		wire = capture(t, wire)
	}
	fd := fault.New(wire, fc)
	r := reactor.New(reactor.NewRealClock())
	s, err := stack.New(fd, stack.Config{Addr: netip.PrefixFrom(legationAddr, 24), Seed: fc.Seed + 1})
	if err != nil {
		peer.Close()
		t.Fatal(err)
	}
	s.Spawn(r)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(runCtx)
	}()
	t.Cleanup(func() {
		stop()
		<-done
		cancel()
		peer.Close()
	})
	h := &harness{t: t, r: r, s: s, peer: peer, fault: fd, ctx: ctx}
	// A connection opened before the stack's first poll would take its
	// connect deadline from the zero instant, 1970 on a RealClock, and time
	// out at once: wait until the stack has run.
	for polled := false; !polled; {
		h.do(func() { polled = s.Now() != 0 })
	}
	return h
}

// do runs fn on the reactor goroutine and waits for it (for at most a
// second: the reactor answers posted functions at its next turn).
func (h *harness) do(fn func()) {
	ran := make(chan struct{})
	h.r.Post(func() { fn(); close(ran) })
	select {
	case <-ran:
	case <-time.After(time.Second):
		h.t.Fatal("reactor did not run a posted function")
	}
}

// report describes the legation side for a failure message.
func (h *harness) report() string {
	var c stack.Counters
	var ds DeviceStats
	h.do(func() { c, ds = h.s.Counters(), h.peer.Device().Stats() })
	fs := h.fault.Stats()
	return fmtReport(c, ds, fs)
}

// randomData returns n seeded pseudo-random bytes and their SHA-256.
func randomData(n int, seed uint64) ([]byte, [32]byte) {
	b := make([]byte, n)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := 0; i+8 <= n; i += 8 {
		v := rng.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b, sha256.Sum256(b)
}

func fmtReport(c stack.Counters, ds DeviceStats, fs fault.Stats) string {
	return fmt.Sprintf("legation rx %d tx %d frames, arp rx %d tx %d (misses %d, requests %d, resolved %d), tcp rx %d tx %d, drops %d %v; link to legation %d, to gVisor %d, oversize %d; fault rx lost %d/%d, tx lost %d/%d",
		c.RxFrames, c.TxFrames, c.RxARP, c.TxARP, c.ARPMisses, c.ARPRequests, c.ARPResolved, c.RxTCP, c.TxTCP, c.Dropped, nonzeroDrops(c),
		ds.ToLegation, ds.ToGVisor, ds.Oversize, fs.RX.Lost, fs.RX.Frames, fs.TX.Lost, fs.TX.Frames)
}

func nonzeroDrops(c stack.Counters) map[string]uint64 {
	m := map[string]uint64{}
	for i := 0; i < stack.NumDropReasons; i++ {
		if n := c.Drop(stack.DropReason(i)); n > 0 {
			m[stack.DropReason(i).String()] = n
		}
	}
	return m
}
