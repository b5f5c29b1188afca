package interop

import (
	"bufio"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/fault"
	"github.com/seed947b3480/legation/hal/pcap"
	"github.com/seed947b3480/legation/hal/tap"
	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/stack"
)

// bulkLinkConfig says how the link between the kernel and the stack is
// impaired for a bulk test.
type bulkLinkConfig struct {
	// Fault, if set, puts the project's fault injector between the stack
	// and the TAP device.
	Fault *fault.Config
	// NFTLossPct, if above zero, bridges the TAP device to a veth whose
	// other end holds the kernel's address in a second namespace, and has
	// nftables drop that percentage of IPv4 frames the bridge forwards, in
	// each direction, with `numgen random`: loss the kernel makes, not our
	// code.
	NFTLossPct int
}

// bulkLink is the stack serving echo on a TAP device, and the namespace
// where the kernel peer's sockets live.
type bulkLink struct {
	peer  *netnstest.NS // the kernel peer's namespace: dial from here
	sw    *netnstest.NS // with NFTLossPct, the namespace holding br0 and the rules
	d     *device
	fault *fault.Device // nil without Fault
	pcap  *pcap.Device
	// capture is the stack-side capture (headers only): what the stack
	// sent and what reached it after the fault injector. It is kept only
	// when the test fails.
	capture string
}

// The kernel peer's and the stack's addresses, on every bulk link.
const (
	bulkKernelAddr = "10.77.0.1/24"
	bulkStackAddr  = "10.77.0.2/24"
)

// nftTable names the bridge-family table newBulkLink loads.
const nftTable = "lgimp"

// newBulkLink builds the link cfg describes and starts the stack with the
// echo service on it. The stack's view of the traffic is captured, frame
// headers only, into a pcap file that outlives a failing test.
func newBulkLink(t *testing.T, cfg bulkLinkConfig) *bulkLink {
	t.Helper()
	if cfg.NFTLossPct > 0 {
		netnstest.RequireNFT(t)
	}
	l := &bulkLink{}
	tapNS := netnstest.New(t)
	l.peer = tapNS
	if cfg.NFTLossPct > 0 {
		l.sw, l.peer = tapNS, netnstest.New(t)
	}
	dev, err := tap.Open(tap.Config{Name: "tap0", Netns: tapNS.Name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })

	var d hal.Device = dev
	if cfg.Fault != nil {
		l.fault = fault.New(dev, *cfg.Fault)
		d = l.fault
	}
	l.capture = newBulkCapture(t)
	f, err := os.Create(l.capture)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	// Registered before startDevice, so it runs after the reactor stopped
	// and nothing writes to the capture any more.
	t.Cleanup(func() {
		bw.Flush()
		f.Close()
	})
	w, err := pcap.NewWriter(bw, 128) // Ethernet, IPv4 and TCP headers with options
	if err != nil {
		t.Fatal(err)
	}
	l.pcap = pcap.New(d, w)
	l.d = startDevice(t, l.pcap, stack.Config{Addr: netip.MustParsePrefix(bulkStackAddr)})

	if cfg.NFTLossPct == 0 {
		tapNS.ConfigureTap(t, "tap0", bulkKernelAddr, 1500)
		return l
	}
	l.sw.AddVeth(t, "veth0", l.peer, "eth0")
	// One frame per packet from the kernel's TCP: with GSO it hands the
	// veth 64 KiB super-packets, which the bridge's rule would drop whole
	// (a burst of up to 44 frames) before the tap cuts them to size.
	l.peer.Run(t, "ip", "link", "set", "dev", "eth0", "gso_max_segs", "1")
	l.sw.AddBridge(t, "br0", "tap0", "veth0")
	l.peer.ConfigureTap(t, "eth0", bulkKernelAddr, 1500)
	l.sw.LoadNFT(t, nftLossRuleset(cfg.NFTLossPct))
	return l
}

// nftLossRuleset drops pct% of the IPv4 frames the bridge forwards each
// way, counting frames seen and dropped per direction. ARP passes: the
// stack's ARP retries are not what these tests are about.
func nftLossRuleset(pct int) string {
	return fmt.Sprintf(`table bridge %[1]s {
	counter to_stack {}
	counter from_stack {}
	counter dropped_to_stack {}
	counter dropped_from_stack {}
	chain forward {
		type filter hook forward priority 0; policy accept;
		ether type ip oifname "tap0" counter name to_stack
		ether type ip iifname "tap0" counter name from_stack
		ether type ip oifname "tap0" numgen random mod 100 < %[2]d counter name dropped_to_stack drop
		ether type ip iifname "tap0" numgen random mod 100 < %[2]d counter name dropped_from_stack drop
	}
}
`, nftTable, pct)
}

// nftCounts are the bridge's counters: IPv4 frames toward the stack and
// from it, and how many of each the random rule dropped.
type nftCounts struct {
	ToStack, FromStack               uint64
	DroppedToStack, DroppedFromStack uint64
}

func (c nftCounts) String() string {
	pct := func(d, n uint64) float64 {
		if n == 0 {
			return 0
		}
		return 100 * float64(d) / float64(n)
	}
	return fmt.Sprintf("nft: to stack %d frames, %d dropped (%.2f%%); from stack %d frames, %d dropped (%.2f%%)",
		c.ToStack, c.DroppedToStack, pct(c.DroppedToStack, c.ToStack),
		c.FromStack, c.DroppedFromStack, pct(c.DroppedFromStack, c.FromStack))
}

// nftCounts reads the bridge's counters; the zero value without nftables.
func (l *bulkLink) nftCounts(t *testing.T) nftCounts {
	t.Helper()
	var c nftCounts
	if l.sw == nil {
		return c
	}
	c.ToStack, _ = l.sw.NFTCounter(t, "bridge", nftTable, "to_stack")
	c.FromStack, _ = l.sw.NFTCounter(t, "bridge", nftTable, "from_stack")
	c.DroppedToStack, _ = l.sw.NFTCounter(t, "bridge", nftTable, "dropped_to_stack")
	c.DroppedFromStack, _ = l.sw.NFTCounter(t, "bridge", nftTable, "dropped_from_stack")
	return c
}

// describe is the link's state for a log line or a failure message: the
// stack's counters, the fault injector's and the bridge's.
func (l *bulkLink) describe(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	c := l.d.counters()
	fmt.Fprintf(&b, "stack: rx %d frames (%d tcp), tx %d frames (%d tcp), dropped %d", c.RxFrames, c.RxTCP, c.TxFrames, c.TxTCP, c.Dropped)
	for r := range stack.NumDropReasons {
		if n := c.Drops[r]; n > 0 {
			fmt.Fprintf(&b, " %v=%d", stack.DropReason(r), n)
		}
	}
	if l.fault != nil {
		s := l.fault.Stats()
		fmt.Fprintf(&b, "\nfault rx (to stack): %+v\nfault tx (from stack): %+v", s.RX, s.TX)
	}
	if l.sw != nil {
		fmt.Fprintf(&b, "\n%v", l.nftCounts(t))
	}
	k := parseSNMP(string(l.peer.Run(t, "cat", "/proc/net/netstat")))
	b.WriteString("\nkernel TcpExt:")
	for _, name := range kernelTcpExt {
		fmt.Fprintf(&b, " %s=%d", name, k["TcpExt."+name])
	}
	return b.String()
}

var keepCapture = flag.Bool("interop.keepcapture", false, "keep the bulk tests' stack-side captures even when they pass")

// kernelTcpExt are the kernel's counters (/proc/net/netstat) that say how
// its TCP saw the stack's: timeouts, segments it refused as old (PAWS) or
// out of window, duplicates reported by D-SACK, reordering, lost
// retransmissions.
var kernelTcpExt = []string{
	"TCPTimeouts", "TCPLossProbes", "TCPLostRetransmit", "TCPSpuriousRTOs", "TCPSACKReorder", "TCPDSACKOldSent",
	"TCPDSACKRecv", "TCPDSACKUndo", "PAWSEstab", "TCPACKSkippedPAWS", "TCPACKSkippedSeq", "TCPOFOQueue", "TCPRcvQDrop",
}

// newBulkCapture names a capture file in a directory of its own that is
// removed when the test passes and kept, for tshark or Wireshark, when it
// fails.
func newBulkCapture(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "legation-"+strings.ReplaceAll(t.Name(), "/", "-")+"-")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "stack.pcap")
	t.Cleanup(func() {
		if t.Failed() || *keepCapture {
			t.Logf("stack-side capture (headers only) kept: %s", path)
			return
		}
		os.RemoveAll(dir)
	})
	return path
}

// kernelSNMP reads the kernel's protocol counters in namespace ns
// (/proc/net/snmp as seen from inside it), keyed "Ip.InHdrErrors",
// "Tcp.InCsumErrors" and so on.
func kernelSNMP(t *testing.T, ns *netnstest.NS) map[string]uint64 {
	t.Helper()
	return parseSNMP(string(ns.Run(t, "cat", "/proc/net/snmp")))
}

// parseSNMP reads /proc/net/snmp's pairs of lines, a header line of names
// and a line of values, each starting with the protocol ("Ip:").
func parseSNMP(s string) map[string]uint64 {
	m := make(map[string]uint64)
	lines := strings.Split(s, "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		names, values := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if len(names) == 0 || len(names) != len(values) || names[0] != values[0] {
			continue
		}
		proto := strings.TrimSuffix(names[0], ":")
		for j := 1; j < len(names); j++ {
			if v, err := strconv.ParseUint(values[j], 10, 64); err == nil {
				m[proto+"."+names[j]] = v
			}
		}
	}
	return m
}
