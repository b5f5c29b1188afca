package tap

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
)

const echoID = 0x4c47

func macString(a hal.HardwareAddr) string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2], a[3], a[4], a[5])
}

// ping sends echo requests to the kernel until one is answered, checking
// every field of the reply.
func (p *peer) ping(kmac hal.HardwareAddr, payload []byte) {
	p.t.Helper()
	seq := uint16(0)
	me := p.d.HardwareAddr()
	ok := p.retry(100*time.Millisecond, 3*time.Second, func() {
		seq++
		p.send(func(b []byte) int {
			icmp := putIPv4(putEth(b, kmac, me, etherTypeIPv4), stackIP, kernelIP, protoICMP, seq, 0, false, 8+len(payload))
			return 14 + 20 + putICMPEcho(icmp, icmpEchoReq, echoID, seq, payload)
		})
	}, func(f []byte) bool {
		m, ok := parseEcho(f)
		if !ok || m.typ != icmpEchoReply || m.id != echoID {
			return false
		}
		if m.code != 0 || m.src != kernelIP || m.dst != stackIP || m.ethDst != me || m.ethSrc != kmac {
			p.t.Errorf("echo reply %+v: wrong addressing", m)
		}
		if m.seq < 1 || m.seq > seq || !bytes.Equal(m.payload, payload) {
			p.t.Errorf("echo reply seq %d payload %q, want seq in [1,%d] payload %q", m.seq, m.payload, seq, payload)
		}
		return true
	})
	if !ok {
		p.t.Fatalf("no echo reply from %v within 3s (stats %+v)", kernelIP, p.d.Stats())
	}
}

// TestKernelARPAndPing is the driver's acceptance test against the Linux
// kernel: an ARP exchange and an ICMP echo exchange through a real tap in a
// namespace, in both directions, with every frame built by hand.
func TestKernelARPAndPing(t *testing.T) {
	p := openPeer(t, Config{}, 1500)
	if p.d.Name() != "tap0" {
		t.Errorf("Name() = %q, want tap0", p.d.Name())
	}
	if got := p.d.Capabilities().MTU; got != 1514 {
		t.Errorf("Capabilities().MTU = %d, want 1514 for IP MTU 1500", got)
	}
	if p.d.LinkState() != hal.LinkUp {
		t.Errorf("LinkState() = %v after Open, want up", p.d.LinkState())
	}

	kmac := p.resolveKernel()
	if want := strings.TrimSpace(string(p.ns.Run(t, "cat", "/sys/class/net/tap0/address"))); macString(kmac) != want {
		t.Errorf("ARP reply gives the kernel's MAC as %s, the kernel says %s", macString(kmac), want)
	}

	// Forget what the kernel learned from our ARP request, so it has to ask
	// for 10.77.0.2 itself before it can answer the echo: the test answers,
	// which proves frames the kernel originates reach us too.
	p.ns.Run(t, "ip", "neigh", "flush", "dev", "tap0")
	p.ping(kmac, []byte("legation tap echo payload 0123456789"))
	if p.arpAnswered == 0 {
		t.Errorf("the kernel answered the echo without asking for %v", stackIP)
	}
	if neigh := string(p.ns.Run(t, "ip", "neigh", "show", "10.77.0.2", "dev", "tap0")); !strings.Contains(neigh, macString(stackMAC)) {
		t.Errorf("kernel neighbour entry for 10.77.0.2 is %q, want lladdr %s", neigh, macString(stackMAC))
	}

	st := p.d.Stats()
	if st.RxFrames < 2 || st.TxFrames < 2 || st.RxErrors != 0 || st.TxErrors != 0 || st.RxOversize != 0 || st.RxDropFull != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestOversizeFrameDropped: a frame longer than MTU+14 is read whole, dropped
// and counted, and the device goes on working. The kernel's MTU is 1500 and
// ours 576; a fragmented echo request (each fragment fits our MTU) makes the
// kernel send a 1042-byte echo reply in one frame.
func TestOversizeFrameDropped(t *testing.T) {
	p := openPeer(t, Config{MTU: 576}, 1500)
	kmac := p.resolveKernel()
	me := p.d.HardwareAddr()

	payload := make([]byte, 1000)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	icmp := make([]byte, 8+len(payload))
	putICMPEcho(icmp, icmpEchoReq, echoID, 1, payload)
	const half = 504 // a multiple of 8, as fragment offsets must be
	ipid := uint16(100)
	ok := p.retry(100*time.Millisecond, 3*time.Second, func() {
		ipid++
		p.send(func(b []byte) int {
			copy(putIPv4(putEth(b, kmac, me, etherTypeIPv4), stackIP, kernelIP, protoICMP, ipid, 0, true, half), icmp[:half])
			return 14 + 20 + half
		})
		p.send(func(b []byte) int {
			rest := len(icmp) - half
			copy(putIPv4(putEth(b, kmac, me, etherTypeIPv4), stackIP, kernelIP, protoICMP, ipid, half, false, rest), icmp[half:])
			return 14 + 20 + rest
		})
	}, func(f []byte) bool {
		if f != nil {
			if len(f) > p.d.Capabilities().MTU {
				t.Errorf("received a %d-byte frame, over the MTU", len(f))
			}
			return false
		}
		return p.d.Stats().RxOversize > 0
	})
	if !ok {
		t.Fatalf("no oversize frame counted within 3s (stats %+v)", p.d.Stats())
	}
	p.ping(kmac, []byte("still working"))
}

// TestRxRingFullDropsAndRecovers: with the receive ring full, further frames
// are read, dropped and counted (and the reactor woken), and once the ring is
// drained frames flow again.
func TestRxRingFullDropsAndRecovers(t *testing.T) {
	p := openPeer(t, Config{RxSlots: 2}, 1500)
	kmac := p.resolveKernel()
	rx, _ := p.d.drv.Rings()
	capacity := uint64(rx.Cap())
	const burst = 8
	base := p.d.Stats()
	for range burst {
		p.send(func(b []byte) int {
			return putARP(b, arpRequest, kmac, p.d.HardwareAddr(), stackIP, hal.HardwareAddr{}, kernelIP)
		})
	}
	deadline := time.After(3 * time.Second)
	for {
		st := p.d.Stats()
		if st.RxFrames-base.RxFrames+st.RxDropFull-base.RxDropFull >= burst {
			break
		}
		select {
		case <-p.wake:
		case <-deadline:
			t.Fatalf("after %d ARP requests, stats %+v (before: %+v)", burst, st, base)
		}
	}
	st := p.d.Stats()
	if got := st.RxFrames - base.RxFrames; got != capacity {
		t.Errorf("%d frames reached the ring, want its capacity %d", got, capacity)
	}
	if got := st.RxDropFull - base.RxDropFull; got < burst-capacity {
		t.Errorf("%d frames dropped on a full ring, want at least %d", got, burst-capacity)
	}
	replies := 0
	p.drain(func(f []byte) bool {
		if m, ok := parseARP(f); ok && m.op == arpReply && m.spa == kernelIP {
			replies++
		}
		return false
	})
	if replies != int(capacity) {
		t.Errorf("ring held %d ARP replies, want %d", replies, capacity)
	}
	p.resolveKernel()
}
