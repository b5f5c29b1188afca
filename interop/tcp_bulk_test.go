package interop

import (
	"flag"
	"sync"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/fault"
	"github.com/seed947b3480/legation/stack"
)

// Volumes of the bulk echo tests: one connection carries bulkMiB each way;
// the concurrent case spreads about the same volume over bulkConns
// connections of bulkConnKiB each (62.5 MiB in all). The flag lets a
// developer run a quicker single-connection case (go test ./interop -run
// Bulk -args -interop.bulkmib=8); CI runs the acceptance volume.
var bulkMiB = flag.Int("interop.bulkmib", 64, "MiB each way through the single-connection bulk echo tests")

const (
	bulkConns   = 100
	bulkConnKiB = 640
)

// bulkFloorMBps is the slowest throughput, each way, a bulk test accepts:
// the time limit is the volume at this rate plus bulkSetupSlack. The Linux
// kernel echoing to itself through the same fault injector (5% loss, 2 ms,
// 10% reorder, 1% dup) manages about 20 MB/s with its autotuned buffers but
// only about 0.5 MB/s held to 16 KiB ones, the echo service's default;
// legation's one connection reaches about 0.5 MB/s there today, its
// retransmission timer repairing lost retransmissions that RACK would
// repair sooner (see the issue notes). The floor sits below that so a
// regression fails without failing on a loaded CI machine.
const bulkFloorMBps = 0.3

// bulkSetupSlack covers handshakes and the slowest of many connections:
// with 100 of them some SYNs meet a full backlog or the impairment (the
// kernel retries after 1 s, 3 s...), and one connection whose
// retransmissions are lost again and again waits out a backed-off RTO of
// several seconds while the others have finished.
const bulkSetupSlack = 30 * time.Second

// bulkLimit is the time limit for bytes each way.
func bulkLimit(bytes int64) time.Duration {
	return bulkSetupSlack + time.Duration(float64(bytes)/(bulkFloorMBps*1e6)*float64(time.Second))
}

// bulkImpairment is the lossy link: 5% loss, 2 ms delay, 10%
// reordering and 1% duplication, in both directions. The pool holds what
// 100 connections' 16 KiB windows put in flight, so no frame escapes its
// delay (Overflow stays zero); a larger one costs CPU, since the injector
// scans every slot for every frame.
func bulkImpairment(seed uint64) *fault.Config {
	return &fault.Config{Loss: 0.05, Delay: 2 * time.Millisecond, Reorder: 0.10, Duplicate: 0.01, Seed: seed, MaxHeld: 1024}
}

// runBulk builds a link, echoes conns x perConn bytes through it, logs the
// throughput and the link's counters, and runs check on what the link
// counted.
func runBulk(t *testing.T, name string, cfg bulkLinkConfig, conns int, perConn int64, seed uint64, check func(t *testing.T, l *bulkLink)) {
	t.Helper()
	l := newBulkLink(t, cfg)
	r := bulkEcho(t, l, conns, perConn, seed, bulkLimit(int64(conns)*perConn))
	t.Logf("%s: %v\n%s\nkernel (first connection): %s", name, r, l.describe(t), r.Kernel)
	if check != nil {
		check(t, l)
	}
}

// checkImpaired asserts the fault injector really lost, delayed,
// reordered and duplicated frames both ways, none escaping its delay.
func checkImpaired(t *testing.T, l *bulkLink) {
	t.Helper()
	s := l.fault.Stats()
	for _, d := range []struct {
		name string
		s    fault.DirStats
	}{{"rx", s.RX}, {"tx", s.TX}} {
		if d.s.Lost == 0 || d.s.Reordered == 0 || d.s.Duplicated == 0 || d.s.Delayed == 0 || d.s.Overflow != 0 {
			t.Errorf("fault %s: %+v; want frames lost, reordered, duplicated and delayed, none overflowing", d.name, d.s)
		}
	}
}

// checkCorrupt asserts that every frame the injector corrupted was
// rejected, by the stack one way and by the kernel the other. A single
// flipped bit in an IPv4 or TCP header or payload is always caught by the
// header checks or the Internet checksum; only a corrupted ARP frame,
// which has no checksum, can get through, so the ARP frames bound the
// difference.
func checkCorrupt(t *testing.T, l *bulkLink) {
	t.Helper()
	s := l.fault.Stats()
	if s.RX.Corrupted == 0 || s.TX.Corrupted == 0 {
		t.Fatalf("fault: %+v; want frames corrupted both ways", s)
	}
	c := l.d.counters()
	var rejected uint64
	for _, r := range malformedDrops {
		rejected += c.Drop(r)
	}
	if rejected > s.RX.Corrupted || rejected+c.RxARP < s.RX.Corrupted {
		t.Errorf("stack rejected %d frames as malformed (drops by reason %v); the injector corrupted %d of the %d toward it (%d ARP)",
			rejected, c.Drops, s.RX.Corrupted, c.RxFrames, c.RxARP)
	}
	k := kernelSNMP(t, l.peer)
	kRejected := k["Ip.InHdrErrors"] + k["Ip.InTruncatedPkts"] + k["Tcp.InCsumErrors"]
	t.Logf("kernel rejected %d frames (Ip InHdrErrors %d, InTruncatedPkts %d; Tcp InCsumErrors %d); the injector corrupted %d toward it",
		kRejected, k["Ip.InHdrErrors"], k["Ip.InTruncatedPkts"], k["Tcp.InCsumErrors"], s.TX.Corrupted)
	if kRejected > s.TX.Corrupted || kRejected+c.TxARP < s.TX.Corrupted {
		t.Errorf("kernel rejected %d frames; the injector corrupted %d of the stack's %d (%d ARP)", kRejected, s.TX.Corrupted, c.TxFrames, c.TxARP)
	}
}

// malformedDrops are the reasons the stack drops a received frame whose
// headers or checksums are wrong, or whose addresses a flipped bit could
// have changed.
var malformedDrops = []stack.DropReason{
	stack.DropTruncated, stack.DropOversize, stack.DropBadVersion, stack.DropBadHeaderLen,
	stack.DropBadLength, stack.DropBadChecksum, stack.DropMartianSource, stack.DropNotForUs,
	stack.DropUnknownEtherType, stack.DropUnknownProtocol, stack.DropARPUnsupported,
	stack.DropARPMalformed, stack.DropBroadcastSource, stack.DropNoSocket,
}

// bulkCase is one impaired link the bulk tests echo through.
type bulkCase struct {
	name  string
	link  func(seed uint64) bulkLinkConfig
	check func(t *testing.T, l *bulkLink)
}

// bulkCases are the links of the issue: the lossy one made by our fault
// injector, one that corrupts, and the lossy one with the loss made by
// nftables in the kernel (nft_test.go).
var bulkCases = []bulkCase{
	{
		// Loses 5%, delays 2 ms, reorders 10% and duplicates 1% of frames
		// both ways (this kernel has no netem).
		name:  "impaired",
		link:  func(seed uint64) bulkLinkConfig { return bulkLinkConfig{Fault: bulkImpairment(seed)} },
		check: checkImpaired,
	},
	{
		// Flips one bit past the Ethernet header in 1% of frames both
		// ways: the stack must drop what it receives corrupted, the kernel
		// what the stack sent corrupted, and retransmission make up for
		// both.
		name: "corrupt",
		link: func(seed uint64) bulkLinkConfig {
			return bulkLinkConfig{Fault: &fault.Config{Corrupt: 0.01, Seed: seed}}
		},
		check: checkCorrupt,
	},
	nftLossCase,
}

// The Linux kernel's TCP over TAP, through the stack's echo service (RFC
// 862, servers/echo), 64 MiB each way on one connection, the kernel writing
// and reading at once, SHA-256 equal, at no less than bulkFloorMBps, over
// each of bulkCases. The three run at once: a single connection is bound
// by the link's delay and loss, not by the CPU, and running them as
// concurrent subtests that are not t.Parallel keeps them from waiting on
// each other for go test's -parallel slots.
func TestTCPBulkOneConnection(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for i, c := range bulkCases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(c.name, func(t *testing.T) {
				runBulk(t, c.name, c.link(uint64(21+i)), 1, int64(*bulkMiB)<<20, uint64(1+i), c.check)
			})
		}()
	}
	wg.Wait()
}

// The same volume spread over 100 concurrent connections, 640 KiB each
// way on each. These are bound by the stack's CPU (more so under the race
// detector, which CI uses), so the cases run one after another: two side
// by side on two cores would measure each other rather than the TCP.
func TestTCPBulkHundredConnections(t *testing.T) {
	t.Parallel()
	for i, c := range bulkCases {
		t.Run(c.name, func(t *testing.T) {
			runBulk(t, c.name, c.link(uint64(31+i)), bulkConns, bulkConnKiB<<10, uint64(11+i), c.check)
		})
	}
}
