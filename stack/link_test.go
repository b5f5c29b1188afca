package stack

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// settles polls the stack at one instant until it stops asking to be polled
// again at once, and fails the test if it never does (a busy loop).
func settles(t *testing.T, s *Stack, now reactor.Instant) reactor.Instant {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if next := s.Poll(now); next > now {
			return next
		}
	}
	t.Fatalf("the stack asks to be polled at once, forever (at %v)", now)
	return 0
}

// While the link is down the stack waits quietly, announcements included;
// when the link comes up it announces its address.
func TestLinkDownNoBusyLoop(t *testing.T) {
	h := newRaw(t, Config{GratuitousARPs: 2})
	h.peer.SetLinkState(hal.LinkDown)
	now := h.clk.Now()
	settles(t, h.s, now)
	settles(t, h.s, now.Add(time.Second))
	if c := h.s.Counters(); c.ARPGratuitous != 0 || c.TxFrames != 0 {
		t.Fatalf("sent %d frames with the link down", c.TxFrames)
	}
	h.peer.SetLinkState(hal.LinkUp)
	f, _ := h.next(time.Second)
	if f == nil {
		t.Fatal("no announcement when the link came up")
	}
	if _, r := arpOf(t, f); r.SenderIP != addrA || r.TargetIP != addrA || r.Op != wire.ARPRequest {
		t.Fatalf("announcement %+v", r)
	}
}

// A device with no transmit room does not make the stack spin on its
// announcements either; they go out once the device has room.
func TestDeviceBusyNoBusyLoop(t *testing.T) {
	dev := newScriptDev(1514)
	dev.refuse = true
	s, err := New(dev, Config{Addr: addrPrefixA, GratuitousARPs: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	next := settles(t, s, 0)
	if len(dev.sent) != 0 {
		t.Fatal("sent through a refusing device")
	}
	dev.refuse = false
	settles(t, s, next)
	if len(dev.sent) != 1 || !isARP(dev.sent[0]) {
		t.Fatalf("%d frames after the device freed up, want the announcement", len(dev.sent))
	}
}
