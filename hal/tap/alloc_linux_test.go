package tap

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
)

// TestRoundTripAllocs: one frame out through the transmit goroutine and the
// kernel's answer back through the receive goroutine allocate nothing.
// AllocsPerRun counts every goroutine's allocations, so the driver's own
// loops and the runtime poller are measured too, not just the calls below.
func TestRoundTripAllocs(t *testing.T) {
	p := openPeer(t, Config{}, 1500)
	kmac := p.resolveKernel()
	var req [42]byte
	putARP(req[:], arpRequest, kmac, p.d.HardwareAddr(), stackIP, hal.HardwareAddr{}, kernelIP)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	failed := false
	allocs := testing.AllocsPerRun(50, func() {
		buf, ok := p.d.Transmit()
		if !ok {
			failed = true
			return
		}
		p.d.Commit(copy(buf, req[:]))
		timer.Reset(2 * time.Second)
		for {
			select {
			case <-p.wake:
			case <-timer.C:
				failed = true
				return
			}
			got := false
			for {
				f, ok := p.d.Receive()
				if !ok {
					break
				}
				if m, ok := parseARP(f); ok && m.op == arpReply && m.spa == kernelIP {
					got = true
				}
				p.d.ReleaseRx()
			}
			if got {
				timer.Stop()
				return
			}
		}
	})
	if failed {
		t.Fatalf("a round trip failed (stats %+v)", p.d.Stats())
	}
	if allocs > 0 {
		t.Fatalf("%v allocations per ARP round trip, want 0", allocs)
	}
}
