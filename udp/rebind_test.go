package udp_test

import (
	"math"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/udp"
)

// Rebind against the fake host: the old port is released and a new one
// claimed, what was queued for or from the old port is gone, and the
// socket keeps its callbacks, peer and counters.
func TestRebind(t *testing.T) {
	h := newFakeHost()
	s := udp.NewSocket(h, udp.Config{})
	if err := s.Rebind(netip.AddrPort{}); err != nil || !s.Bound() || h.ports[50000] != s {
		t.Fatalf("rebind of an unbound socket: %v, bound=%v at %v", err, s.Bound(), s.LocalAddr())
	}
	if h.unbound != 0 {
		t.Fatalf("an unbound socket released a port: %d unbinds", h.unbound)
	}
	if err := s.Connect(server); err != nil {
		t.Fatal(err)
	}
	readable := 0
	s.OnReadable(func() { readable++ })
	old := s.LocalAddr()
	s.Deliver(server, old.Addr(), []byte("for the old port"))
	if err := s.SendTo([]byte("from the old port"), server); err != nil {
		t.Fatal(err)
	}
	before := s.Stats()

	isErr(t, "rebind to an IPv6 address", s.Rebind(local6), udp.ErrAddressFamily)
	if s.LocalAddr() != old || s.Readable() != 1 || h.unbound != 0 {
		t.Fatalf("a refused rebind changed the socket: %v, %d queued, %d unbinds", s.LocalAddr(), s.Readable(), h.unbound)
	}

	if err := s.Rebind(netip.AddrPort{}); err != nil {
		t.Fatal(err)
	}
	now := s.LocalAddr()
	if now.Port() == old.Port() || h.ports[old.Port()] != nil || h.ports[now.Port()] != s || h.unbound != 1 {
		t.Fatalf("rebind: %v -> %v, host table %v, %d unbinds", old, now, h.ports, h.unbound)
	}
	if s.Readable() != 0 {
		t.Fatalf("%d datagrams for the old port survived", s.Readable())
	}
	if _, _, ok := s.PeekSend(); ok {
		t.Fatal("a datagram queued from the old port survived")
	}
	if s.RemoteAddr() != server || s.Stats() != before {
		t.Fatalf("peer %v, stats %+v; want %v and %+v", s.RemoteAddr(), s.Stats(), server, before)
	}
	if s.Accepts(other, now.Addr()) {
		t.Fatal("the connected peer was forgotten: a datagram from another source is accepted")
	}
	s.Deliver(server, now.Addr(), []byte("for the new port"))
	if readable != 2 || s.Readable() != 1 {
		t.Fatalf("readable callback ran %d times, %d queued", readable, s.Readable())
	}
	if err := s.Send([]byte("x")); err != nil {
		t.Fatalf("send after rebind: %v", err)
	}

	// An explicit port: taken, then free.
	thief := udp.NewSocket(h, udp.Config{})
	if err := thief.Bind(netip.AddrPortFrom(netip.Addr{}, 7000)); err != nil {
		t.Fatal(err)
	}
	isErr(t, "rebind to a taken port", s.Rebind(netip.AddrPortFrom(netip.Addr{}, 7000)), udp.ErrAddressInUse)
	if s.Bound() || h.ports[now.Port()] != nil || h.ports[7000] != thief {
		t.Fatalf("after a failed rebind: bound=%v, host table %v", s.Bound(), h.ports)
	}
	want := netip.MustParseAddrPort("10.0.0.1:7001")
	if err := s.Rebind(want); err != nil || s.LocalAddr() != want || h.ports[7001] != s {
		t.Fatalf("rebind to %v: %v, local %v", want, err, s.LocalAddr())
	}

	h.ephemeral = 0
	isErr(t, "rebind with no free port", s.Rebind(netip.AddrPort{}), udp.ErrNoPorts)
	if s.Bound() || h.ports[7001] != nil {
		t.Fatal("a rebind with no free port kept the old one")
	}
	isErr(t, "send after a failed rebind", s.Send([]byte("x")), udp.ErrNoPorts)

	s.Close()
	isErr(t, "rebind after close", s.Rebind(netip.AddrPort{}), udp.ErrClosed)
	if s.Bound() {
		t.Fatal("rebind bound a closed socket")
	}
}

// A pending receive survives a rebind: its deadline is handed to the host
// again (the host dropped it with the port), and it completes with the
// first datagram to the new port.
func TestRebindKeepsPendingRecv(t *testing.T) {
	h := newFakeHost()
	s := udp.NewSocket(h, udp.Config{})
	if err := s.Bind(netip.AddrPort{}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	deadline := reactor.Instant(5 * time.Second)
	f := s.Recv(buf, deadline)
	timers := h.timerChanged
	if err := s.Rebind(netip.AddrPort{}); err != nil {
		t.Fatal(err)
	}
	if f.Done() || h.timerChanged != timers+1 || s.PollAt() != deadline {
		t.Fatalf("after rebind: done=%v (%v), %d timer updates, PollAt %v", f.Done(), f.Err(), h.timerChanged-timers, s.PollAt())
	}
	s.Deliver(server, s.LocalAddr().Addr(), []byte("hello"))
	if r, err := f.Result(); !f.Done() || err != nil || r.From != server || string(buf[:r.N]) != "hello" {
		t.Fatalf("receive: done=%v %+v %v", f.Done(), r, err)
	}

	f = s.Recv(buf, deadline)
	if err := s.Rebind(netip.AddrPort{}); err != nil {
		t.Fatal(err)
	}
	s.Poll(deadline)
	isErr(t, "receive after its deadline", f.Err(), udp.ErrTimeout)
}

// A sender that found the send ring full is told when Rebind empties it.
func TestRebindWakesBlockedSender(t *testing.T) {
	h := newFakeHost()
	s := udp.NewSocket(h, udp.Config{TxSlots: 2})
	writable := 0
	s.OnWritable(func() { writable++ })
	var err error
	for i := 0; err == nil && i < 10; i++ {
		err = s.SendTo([]byte("x"), server)
	}
	isErr(t, "send to a full ring", err, udp.ErrWouldBlock)
	if err := s.Rebind(netip.AddrPort{}); err != nil {
		t.Fatal(err)
	}
	if writable != 1 {
		t.Fatalf("writable callback ran %d times, want 1", writable)
	}
	if err := s.Rebind(netip.AddrPort{}); err != nil || writable != 1 {
		t.Fatalf("a rebind with no blocked sender: %v, %d writable callbacks", err, writable)
	}
	if err := s.SendTo([]byte("x"), server); err != nil {
		t.Fatal(err)
	}
}

var (
	addrA = netip.MustParseAddr("10.0.0.1")
	addrB = netip.MustParseAddr("10.0.0.2")
)

// link is two stacks on the in-memory link, on one virtual-time reactor.
type link struct {
	r    *reactor.Reactor
	a, b *stack.Stack
}

func newLink(t testing.TB) *link {
	t.Helper()
	devA, devB := loopback.NewPair(loopback.Config{})
	r := reactor.New(reactor.NewVirtualClock(0))
	a, err := stack.New(devA, stack.Config{Addr: netip.PrefixFrom(addrA, 24), Seed: 1, GratuitousARPs: -1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := stack.New(devB, stack.Config{Addr: netip.PrefixFrom(addrB, 24), Seed: 2, GratuitousARPs: -1})
	if err != nil {
		t.Fatal(err)
	}
	a.Spawn(r)
	b.Spawn(r)
	return &link{r: r, a: a, b: b}
}

// Through a real stack: datagrams to the old port find no socket, datagrams
// to the new one are received, a datagram queued before the rebind is not
// sent but the next one is, from the new port, and a pending receive's
// deadline still fires on time.
func TestRebindThroughStack(t *testing.T) {
	l := newLink(t)
	peer := l.b.NewUDPSocket(udp.Config{})
	if err := peer.Bind(netip.AddrPortFrom(netip.Addr{}, 7)); err != nil {
		t.Fatal(err)
	}
	var heard []netip.AddrPort
	pbuf := make([]byte, 64)
	peer.OnReadable(func() {
		for {
			_, from, _, err := peer.RecvFrom(pbuf)
			if err != nil {
				return
			}
			heard = append(heard, from)
		}
	})
	to := netip.AddrPortFrom(addrB, 7)
	s := l.a.NewUDPSocket(udp.Config{})
	if err := s.SendTo([]byte("first"), to); err != nil {
		t.Fatal(err)
	}
	if !l.r.RunUntil(time.Second, func() bool { return len(heard) == 1 }) {
		t.Fatal("first datagram never arrived")
	}
	old := netip.AddrPortFrom(addrA, s.LocalAddr().Port())
	if heard[0] != old {
		t.Fatalf("peer heard %v, socket is at %v", heard[0], old)
	}

	// A late datagram for the old port sits in the ring; a datagram queued
	// from the old port waits to be sent. Rebind drops both.
	if err := peer.SendTo([]byte("late"), old); err != nil {
		t.Fatal(err)
	}
	if !l.r.RunUntil(time.Second, func() bool { return s.Readable() == 1 }) {
		t.Fatal("late datagram never arrived")
	}
	if err := s.SendTo([]byte("stale"), to); err != nil {
		t.Fatal(err)
	}
	if err := s.Rebind(netip.AddrPort{}); err != nil {
		t.Fatal(err)
	}
	now := netip.AddrPortFrom(addrA, s.LocalAddr().Port())
	if now == old || s.Readable() != 0 {
		t.Fatalf("rebind: %v -> %v, %d datagrams kept", old, now, s.Readable())
	}
	if err := s.SendTo([]byte("second"), to); err != nil {
		t.Fatal(err)
	}
	if !l.r.RunUntil(time.Second, func() bool { return len(heard) >= 2 }) {
		t.Fatal("a datagram sent after the rebind never left: the stack lost the socket from its send list")
	}
	l.r.RunFor(time.Second)
	if len(heard) != 2 || heard[1] != now {
		t.Fatalf("peer heard %v; want the old port once, then %v once", heard, now)
	}

	drops := l.a.Counters().Drop(stack.DropNoSocket)
	if err := peer.SendTo([]byte("to the old port"), old); err != nil {
		t.Fatal(err)
	}
	l.r.RunFor(time.Second)
	if got := l.a.Counters().Drop(stack.DropNoSocket); got != drops+1 || s.Readable() != 0 {
		t.Fatalf("datagram to the released port: %d no-socket drops (was %d), %d queued", got, drops, s.Readable())
	}

	buf := make([]byte, 64)
	f := s.Recv(buf, l.r.Now().Add(3*time.Second))
	if err := s.Rebind(netip.AddrPort{}); err != nil {
		t.Fatal(err)
	}
	if err := peer.SendTo([]byte("hello"), netip.AddrPortFrom(addrA, s.LocalAddr().Port())); err != nil {
		t.Fatal(err)
	}
	if !l.r.RunUntil(time.Second, f.Done) {
		t.Fatal("pending receive never completed")
	}
	if r, err := f.Result(); err != nil || string(buf[:r.N]) != "hello" || r.From != to {
		t.Fatalf("receive: %+v %v", r, err)
	}

	deadline := l.r.Now().Add(2 * time.Second)
	f = s.Recv(buf, deadline)
	var doneAt reactor.Instant
	f.OnComplete(func(udp.RecvResult, error) { doneAt = l.r.Now() })
	if err := s.Rebind(netip.AddrPort{}); err != nil {
		t.Fatal(err)
	}
	if !l.r.RunUntil(time.Minute, f.Done) {
		t.Fatal("the deadline of a receive pending across a rebind never fired")
	}
	isErr(t, "receive pending across a rebind", f.Err(), udp.ErrTimeout)
	if doneAt != deadline {
		t.Fatalf("timed out at %v, want %v", doneAt, deadline)
	}
}

// Rebind in steady state allocates nothing: the stack's port table loses
// one entry and gains another, its send list and timer list lose the socket
// and take it back. The table is exercised at several sizes (Go maps of up
// to 8 entries and larger ones are built differently), for many rounds so
// that deleted slots pile up. The ports drawn are spread over the whole
// ephemeral range.
func TestRebindNoAllocsThroughStack(t *testing.T) {
	const rounds = 20000
	for _, others := range []int{0, 7, 40} {
		l := newLink(t)
		for i := 0; i < others; i++ {
			if err := l.a.NewUDPSocket(udp.Config{}).Bind(netip.AddrPort{}); err != nil {
				t.Fatal(err)
			}
		}
		s := l.a.NewUDPSocket(udp.Config{})
		if err := s.Bind(netip.AddrPort{}); err != nil {
			t.Fatal(err)
		}
		// A pending receive with a deadline and a queued datagram put the
		// socket on the stack's timer list and send list every round.
		s.Recv(make([]byte, 64), l.r.Now().Add(time.Hour))
		to := netip.AddrPortFrom(addrB, 7)
		payload := []byte("query")
		ports := make([]uint16, rounds)
		failed := 0
		allocs := testing.AllocsPerRun(1, func() { // one run: the count is the total, not an average
			for i := range ports {
				if s.SendTo(payload, to) != nil || s.Rebind(netip.AddrPort{}) != nil {
					failed++
				}
				ports[i] = s.LocalAddr().Port()
			}
		})
		if failed > 0 || allocs != 0 {
			t.Fatalf("%d other sockets: %v allocations over %d rebinds; %d failed", others, allocs, rounds, failed)
		}
		if s.PollAt() == reactor.Never {
			t.Fatal("the pending receive was lost")
		}
		checkSpread(t, ports, 49152, 65535)
	}
}

// checkSpread fails unless ports lie in [first, last], rarely repeat the
// port before (a uniform draw repeats it once in span tries: about one in
// 20,000 rebinds; more than 10 is a stuck source) and fill each sixteenth
// of the range about equally: within six standard deviations of a uniform
// draw, so a fair source passes and a skewed one does not.
func checkSpread(t *testing.T, ports []uint16, first, last uint16) {
	t.Helper()
	const buckets = 16
	var count [buckets]int
	span := int(last) - int(first) + 1
	same := 0
	for i, p := range ports {
		if p < first || p > last {
			t.Fatalf("port %d outside %d-%d", p, first, last)
		}
		count[(int(p)-int(first))*buckets/span]++
		if i > 0 && p == ports[i-1] {
			same++
		}
	}
	if same > 10 {
		t.Errorf("%d of %d rebinds kept the port they had", same, len(ports))
	}
	mean := float64(len(ports)) / buckets
	sd := math.Sqrt(mean * (1 - 1.0/buckets))
	for b, c := range count {
		if d := float64(c) - mean; d > 6*sd || d < -6*sd {
			t.Errorf("sixteenth %d of the range got %d ports, want %.0f±%.0f: %v", b, c, mean, 6*sd, count)
			break
		}
	}
}
