package tap

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/internal/netnstest"
)

// chanWaker is the test's reactor: a wake is a non-blocking send on a
// channel of capacity 1.
type chanWaker chan struct{}

func (w chanWaker) Wake() {
	select {
	case w <- struct{}{}:
	default:
	}
}

var (
	kernelIP = ip4{10, 77, 0, 1}
	stackIP  = ip4{10, 77, 0, 2}
	stackMAC = hal.HardwareAddr{0x02, 0x4c, 0x47, 0x00, 0x00, 0x02}
)

// peer is a tap device in a fresh namespace whose kernel side is
// 10.77.0.1/24, driven by the test as if it were the stack at 10.77.0.2.
type peer struct {
	t    *testing.T
	ns   *netnstest.NS
	d    *Device
	wake chanWaker
	// arpAnswered counts the kernel's ARP requests for stackIP that the
	// test answered.
	arpAnswered int
}

// openPeer opens tap0 inside a new namespace with cfg, then configures the
// kernel side with kernelMTU, in that order.
func openPeer(t *testing.T, cfg Config, kernelMTU int) *peer {
	t.Helper()
	ns := netnstest.New(t)
	cfg.Name, cfg.Netns = "tap0", ns.Name
	if cfg.HWAddr == (hal.HardwareAddr{}) {
		cfg.HWAddr = stackMAC
	}
	d, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	w := make(chanWaker, 1)
	d.SetWaker(w)
	ns.ConfigureTap(t, "tap0", "10.77.0.1/24", kernelMTU)
	return &peer{t: t, ns: ns, d: d, wake: w}
}

// send builds one frame in a transmit buffer and commits it.
func (p *peer) send(build func(b []byte) int) {
	p.t.Helper()
	buf, ok := p.d.Transmit()
	if !ok {
		p.t.Fatalf("Transmit: no room (stats %+v)", p.d.Stats())
	}
	p.d.Commit(build(buf))
}

func (p *peer) sendARPRequest(target ip4) {
	p.send(func(b []byte) int {
		return putARP(b, arpRequest, broadcast, p.d.HardwareAddr(), stackIP, hal.HardwareAddr{}, target)
	})
}

// drain hands every waiting frame to fn, answering the kernel's ARP requests
// for stackIP on the way as the stack would, and reports whether fn accepted
// one.
func (p *peer) drain(fn func(f []byte) bool) bool {
	found := false
	for {
		f, ok := p.d.Receive()
		if !ok {
			return found
		}
		if m, ok := parseARP(f); ok && m.op == arpRequest && m.tpa == stackIP {
			p.arpAnswered++
			p.send(func(b []byte) int {
				return putARP(b, arpReply, m.sha, p.d.HardwareAddr(), stackIP, m.sha, m.spa)
			})
		}
		if !found && fn(f) {
			found = true
		}
		p.d.ReleaseRx()
	}
}

// retry calls send every interval until fn accepts a frame or total has
// passed: the kernel may drop the first frames on a link that just came up,
// so every exchange with it is retried. fn is also called with nil at the end
// of each interval, so it can wait on counters instead of frames.
func (p *peer) retry(interval, total time.Duration, send func(), fn func(f []byte) bool) bool {
	deadline := time.Now().Add(total)
	for time.Now().Before(deadline) {
		send()
		round := time.NewTimer(interval)
	wait:
		for {
			select {
			case <-p.wake:
				if p.drain(fn) {
					round.Stop()
					return true
				}
			case <-round.C:
				break wait
			}
		}
		if fn(nil) {
			return true
		}
	}
	return false
}

// resolveKernel does the ARP exchange for kernelIP and returns the kernel's
// MAC as the ARP reply states it, after checking every field of the reply.
func (p *peer) resolveKernel() hal.HardwareAddr {
	p.t.Helper()
	var reply arpMsg
	ok := p.retry(100*time.Millisecond, 3*time.Second, func() { p.sendARPRequest(kernelIP) }, func(f []byte) bool {
		m, ok := parseARP(f)
		if !ok || m.op != arpReply || m.spa != kernelIP {
			return false
		}
		reply = m
		return true
	})
	if !ok {
		p.t.Fatalf("no ARP reply from %v within 3s (stats %+v)", kernelIP, p.d.Stats())
	}
	me := p.d.HardwareAddr()
	if reply.ethDst != me || reply.tha != me || reply.tpa != stackIP {
		p.t.Errorf("ARP reply addressed to %x/%x %v, want %x %v", reply.ethDst, reply.tha, reply.tpa, me, stackIP)
	}
	if reply.ethSrc != reply.sha {
		p.t.Errorf("ARP reply from Ethernet %x but sender %x", reply.ethSrc, reply.sha)
	}
	return reply.sha
}
