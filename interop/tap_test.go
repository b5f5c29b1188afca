package interop

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/pcap"
	"github.com/seed947b3480/legation/hal/tap"
	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/stack"
)

// The Linux kernel over a TAP device in a namespace the test makes: it
// pings the stack, resolves it by ARP, and has 1,000 datagrams of random
// sizes echoed byte-exact; the pcap middleware's capture opens in tshark.
func TestKernelOverTAP(t *testing.T) {
	if _, err := exec.LookPath("ping"); err != nil {
		t.Skip("interop: skipped: ping not found (Debian package iputils-ping)")
	}
	ns := netnstest.New(t)
	dev, err := tap.Open(tap.Config{Name: "tap0", Netns: ns.Name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	capPath := filepath.Join(t.TempDir(), "tap.pcap")
	capFile, err := os.Create(capPath)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pcap.NewWriter(capFile, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The fd is attached; only now bring the kernel side up (PEERS.md).
	d := startDevice(t, pcap.New(dev, w), stack.Config{Addr: netip.MustParsePrefix("10.77.0.2/24"), Gateway: netip.MustParseAddr("10.77.0.1")})
	ns.ConfigureTap(t, "tap0", "10.77.0.1/24", 1500)

	t.Run("ping", func(t *testing.T) {
		out := ns.Run(t, "ping", "-c", "100", "-i", "0.005", "-W", "2", "-q", "10.77.0.2")
		if !regexp.MustCompile(`100 packets transmitted, 100 received, 0% packet loss`).Match(out) {
			t.Fatalf("ping:\n%s", out)
		}
	})

	t.Run("arp", func(t *testing.T) {
		out := string(ns.Run(t, "ip", "neigh", "show", "10.77.0.2", "dev", "tap0"))
		hw := d.s.HardwareAddr()
		mac := net.HardwareAddr(hw[:]).String()
		if !strings.Contains(out, "lladdr "+mac) || strings.Contains(out, "FAILED") || strings.Contains(out, "INCOMPLETE") {
			t.Fatalf("kernel neighbour entry %q, want lladdr %s", out, mac)
		}
		var known bool
		d.do(func() { _, known = d.s.Neighbor(netip.MustParseAddr("10.77.0.1")) })
		if !known {
			t.Fatal("the stack did not learn the kernel's MAC")
		}
	})

	t.Run("udp-echo", func(t *testing.T) {
		var conn *net.UDPConn
		inNetns(t, ns.Name, func() {
			c, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(10, 77, 0, 2), Port: 7})
			if err != nil {
				t.Fatal(err)
			}
			conn = c
		})
		defer conn.Close()
		rng := rand.New(rand.NewPCG(42, 7))
		buf := make([]byte, 2048)
		for i := 0; i < 1000; i++ {
			msg := make([]byte, 1+rng.IntN(1472))
			for j := range msg {
				msg[j] = byte(rng.Uint32())
			}
			// One datagram in flight; a lost one is resent, never skipped.
			var n int
			for try := 0; ; try++ {
				if try == 5 {
					t.Fatalf("datagram %d (%d bytes): no echo after %d tries; counters %+v", i, len(msg), try, d.counters())
				}
				if _, err := conn.Write(msg); err != nil {
					t.Fatal(err)
				}
				conn.SetReadDeadline(time.Now().Add(time.Second))
				if n, err = conn.Read(buf); err == nil {
					break
				}
			}
			if !bytes.Equal(buf[:n], msg) {
				t.Fatalf("datagram %d: echo differs (%d bytes back, %d sent)", i, n, len(msg))
			}
		}
		c := d.counters()
		if c.RxUDP < 1000 || c.TxUDP < 1000 || c.Drop(stack.DropBadChecksum) != 0 {
			t.Fatalf("counters %+v", c)
		}
	})

	t.Run("pcap", func(t *testing.T) {
		d.shutdown() // stop the reactor so the capture is complete
		capFile.Close()
		f, err := os.Open(capPath)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rd, err := pcap.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		frames := 0
		for {
			_, _, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			frames++
		}
		if frames < 2200 {
			t.Fatalf("capture holds %d frames, want at least 2,200 (100 ping pairs, 1,000 echo pairs)", frames)
		}
		if _, err := exec.LookPath("tshark"); err != nil {
			t.Skip("interop: tshark not found (Debian package tshark); capture checked by the pcap reader only")
		}
		out, err := exec.Command("tshark", "-r", capPath, "-T", "fields", "-e", "frame.number").Output()
		if err != nil {
			t.Fatalf("tshark cannot read the capture: %v", err)
		}
		if n := strings.Count(string(out), "\n"); n != frames {
			t.Fatalf("tshark read %d frames, the pcap reader %d", n, frames)
		}
		out, err = exec.Command("tshark", "-r", capPath, "-Y", "icmp.type == 0", "-T", "fields", "-e", "icmp.seq").Output()
		if err != nil {
			t.Fatalf("tshark: %v", err)
		}
		if n := strings.Count(string(out), "\n"); n != 100 {
			t.Fatalf("tshark saw %d echo replies, want 100", n)
		}
	})
}
