package stack

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/udp"
)

func bound(t *testing.T, s *Stack, port uint16) *udp.Socket {
	t.Helper()
	sock := s.NewUDPSocket(udp.Config{})
	if err := sock.Bind(netip.AddrPortFrom(netip.Addr{}, port)); err != nil {
		t.Fatal(err)
	}
	return sock
}

// A receive future completes when the datagram arrives, and otherwise times
// out exactly at its deadline: the stack's poll asks the reactor for that
// instant and expires it there. Afterwards the stack wants no more polls.
func TestRecvDeadlineThroughStack(t *testing.T) {
	h := newRaw(t, Config{})
	sock := bound(t, h.s, 7)
	buf := make([]byte, 64)
	start := h.clk.Now()
	f := sock.Recv(buf, start.Add(3*time.Second))
	h.r.RunFor(time.Second)
	if f.Done() {
		t.Fatal("completed with nothing received")
	}
	h.inject(t, udpFrame(netip.AddrPortFrom(addrB, 5000), netip.AddrPortFrom(addrA, 7), []byte("hello")))
	res, err := f.Result()
	if !f.Done() || err != nil || res.N != 5 || string(buf[:5]) != "hello" || res.From != netip.AddrPortFrom(addrB, 5000) {
		t.Fatalf("after arrival: done=%v %+v %v", f.Done(), res, err)
	}
	if at := h.clk.Now(); at != start.Add(time.Second) {
		t.Fatalf("completed at %v, want %v", at, start.Add(time.Second))
	}

	deadline := h.clk.Now().Add(2 * time.Second)
	f = sock.Recv(buf, deadline)
	var doneAt reactor.Instant
	f.OnComplete(func(udp.RecvResult, error) { doneAt = h.clk.Now() })
	if !h.r.RunUntil(time.Minute, f.Done) {
		t.Fatal("the deadline never fired")
	}
	if !errors.Is(f.Err(), udp.ErrTimeout) || doneAt != deadline {
		t.Fatalf("finished at %v with %v, want %v at %v", doneAt, f.Err(), udp.ErrTimeout, deadline)
	}
	if n := h.s.Poll(h.clk.Now()); n != reactor.Never || len(h.s.udpTimers) != 0 {
		t.Fatalf("after the timeout the stack asks for a poll at %v with %d timers", n, len(h.s.udpTimers))
	}
}

// Close fails a pending receive with ErrClosed, releases the port and the
// stack's timer, and a closed socket's datagrams are answered as a closed port.
func TestCloseThroughStack(t *testing.T) {
	h := newRaw(t, Config{})
	h.teachARP(t)
	sock := bound(t, h.s, 7)
	f := sock.Recv(make([]byte, 64), h.clk.Now().Add(time.Hour))
	h.r.RunFor(time.Millisecond)
	sock.Close()
	if !f.Done() || !errors.Is(f.Err(), udp.ErrClosed) {
		t.Fatalf("pending Recv after Close: done=%v err=%v", f.Done(), f.Err())
	}
	if len(h.s.udpTimers) != 0 || len(h.s.udpPorts) != 0 {
		t.Fatalf("stack still holds %d timers and %d ports", len(h.s.udpTimers), len(h.s.udpPorts))
	}
	h.inject(t, udpFrame(netip.AddrPortFrom(addrB, 5000), netip.AddrPortFrom(addrA, 7), []byte("late")))
	if c := h.s.Counters(); c.Drop(DropNoSocket) != 1 || c.UDPPortUnreachable != 1 {
		t.Fatalf("drops %v", dropsOf(c))
	}
	again := bound(t, h.s, 7) // the port is free again
	again.Close()
}

// Ports: a taken port is refused with ErrAddressInUse, ephemeral ports come
// from the configured range, and an exhausted range gives ErrNoPorts.
func TestPortsThroughStack(t *testing.T) {
	h := newRaw(t, Config{EphemeralFirst: 40000, EphemeralLast: 40002})
	bound(t, h.s, 7)
	dup := h.s.NewUDPSocket(udp.Config{})
	if err := dup.Bind(netip.AddrPortFrom(netip.Addr{}, 7)); !errors.Is(err, udp.ErrAddressInUse) {
		t.Fatalf("second bind of port 7: %v", err)
	}
	seen := map[uint16]bool{}
	for i := 0; i < 3; i++ {
		s := h.s.NewUDPSocket(udp.Config{})
		if err := s.Bind(netip.AddrPort{}); err != nil {
			t.Fatal(err)
		}
		p := s.LocalAddr().Port()
		if p < 40000 || p > 40002 || seen[p] {
			t.Fatalf("ephemeral port %d (seen %v)", p, seen)
		}
		seen[p] = true
	}
	s := h.s.NewUDPSocket(udp.Config{})
	if err := s.Connect(netip.AddrPortFrom(addrB, 9)); !errors.Is(err, udp.ErrNoPorts) {
		t.Fatalf("connect with the range exhausted: %v", err)
	}
	if _, err := New(newScriptDev(1514), Config{EphemeralFirst: 5, EphemeralLast: 4}); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("inverted ephemeral range: %v", err)
	}
}

// The largest datagram the link carries is accepted and one byte more is
// ErrTooLarge; a full send ring refuses with ErrWouldBlock and OnWritable
// fires when the stack has sent from it.
func TestSendLimitsThroughStack(t *testing.T) {
	h := newRaw(t, Config{})
	h.teachARP(t)
	sock := h.s.NewUDPSocket(udp.Config{TxSlots: 2})
	if err := sock.Connect(netip.AddrPortFrom(addrB, 9)); err != nil {
		t.Fatal(err)
	}
	if err := sock.Send(make([]byte, 1473)); !errors.Is(err, udp.ErrTooLarge) {
		t.Fatalf("1473 bytes on a 1500-byte link: %v", err)
	}
	if err := sock.Send(make([]byte, 1472)); err != nil {
		t.Fatal(err)
	}
	if err := sock.Send([]byte{1}); err != nil {
		t.Fatal(err)
	}
	if err := sock.Send([]byte{2}); !errors.Is(err, udp.ErrWouldBlock) {
		t.Fatalf("third send into two slots: %v", err)
	}
	retried := false
	sock.OnWritable(func() {
		if !retried {
			retried = true
			if err := sock.Send([]byte{2}); err != nil {
				t.Errorf("retry from OnWritable: %v", err)
			}
		}
	})
	h.r.RunFor(time.Second)
	out := h.all()
	if !retried || len(out) != 3 {
		t.Fatalf("retried=%v, %d datagrams out", retried, len(out))
	}
	if _, ip := ipOf(t, out[0]); ip.TotalLen() != 1500 {
		t.Fatalf("the largest datagram went out as %d bytes of IP", ip.TotalLen())
	}
	if st := sock.Stats(); st.TxDatagrams != 3 || st.TxBytes != 1474 {
		t.Fatalf("stats %+v", st)
	}
}
