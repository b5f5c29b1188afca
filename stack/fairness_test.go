package stack

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// sender is a socket connected to B on port with room for many datagrams.
func sender(t *testing.T, s *Stack, port uint16) *udp.Socket {
	t.Helper()
	sock := s.NewUDPSocket(udp.Config{TxBuffer: make([]byte, 16384), TxSlots: 128})
	if err := sock.Connect(netip.AddrPortFrom(addrB, port)); err != nil {
		t.Fatal(err)
	}
	return sock
}

// dstPort returns the UDP destination port and first payload byte of a frame.
func dstPort(t *testing.T, f []byte) (uint16, byte) {
	t.Helper()
	_, ip := ipOf(t, f)
	u, err := wire.NewUDPPacket(ip.Payload())
	if err != nil || len(u.Payload()) == 0 {
		t.Fatalf("not a UDP datagram with data: % x", f)
	}
	return u.DstPort(), u.Payload()[0]
}

// A socket with one datagram queued behind another socket's hundred gets it
// out within the first few frames, and each socket's datagrams keep their
// order.
func TestUDPFairness(t *testing.T) {
	for _, late := range []bool{false, true} {
		h := newRaw(t, Config{})
		h.teachARP(t)
		base := h.s.Counters().TxFrames
		busy, quiet := sender(t, h.s, 9), sender(t, h.s, 10)
		for i := 0; i < 100; i++ {
			if err := busy.Send([]byte{byte(i)}); err != nil {
				t.Fatal(err)
			}
		}
		var got []uint16
		nextBusy := byte(0)
		take := func() {
			f, _ := h.next(time.Second)
			if f == nil {
				t.Fatalf("late=%v: stalled after %d frames", late, len(got))
			}
			port, b := dstPort(t, f)
			if port == 9 {
				if b != nextBusy {
					t.Fatalf("busy socket's datagram %d went out as %d", nextBusy, b)
				}
				nextBusy++
			}
			got = append(got, port)
		}
		if late {
			// The busy socket is already streaming when the quiet one sends.
			for i := 0; i < 10; i++ {
				take()
			}
		}
		// Frames the stack has already handed to the link are in its
		// queue, out of the stack's reach; count from the next one.
		mark := int(h.s.Counters().TxFrames - base)
		if err := quiet.Send([]byte{0xee}); err != nil {
			t.Fatal(err)
		}
		for len(got) < 101 {
			take()
		}
		at := -1
		for i, p := range got {
			if p == 10 {
				at = i
			}
		}
		if at < 0 || at-mark > 2 {
			t.Fatalf("late=%v: the quiet socket's datagram left as frame %d after it was queued (frames %v)", late, at-mark, got[mark:min(len(got), mark+10)])
		}
		if f, _ := h.next(time.Second); f != nil {
			t.Fatalf("extra frame % x", f)
		}
	}
}

// One poll receives at most MaxFramesPerPoll frames and sends at most
// MaxFramesPerPoll datagrams, and asks to be polled again at once when work
// is left.
func TestBoundedWorkPerPoll(t *testing.T) {
	const per = 8
	h := newRaw(t, Config{MaxFramesPerPoll: per})
	h.teachARP(t)
	sock := sender(t, h.s, 9)
	for i := 0; i < 3*per; i++ {
		if err := sock.Send([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	now := h.clk.Now()
	if next := h.s.Poll(now); next != now {
		t.Fatalf("with datagrams left, Poll answered %v, want now (%v)", next, now)
	}
	if n := len(h.all()); n != per {
		t.Fatalf("one poll sent %d datagrams, want %d", n, per)
	}

	for i := 0; i < 3*per; i++ {
		buf, ok := h.peer.Transmit()
		if !ok {
			t.Fatal("link full")
		}
		h.peer.Commit(copy(buf, echoFrame(addrB, addrA, 1, uint16(i), nil)))
	}
	before := h.s.Counters().RxFrames
	if next := h.s.Poll(now); next != now {
		t.Fatalf("with frames waiting, Poll answered %v, want now", next)
	}
	if n := h.s.Counters().RxFrames - before; n != per {
		t.Fatalf("one poll received %d frames, want %d", n, per)
	}
}
