package udp_test

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/udp"
)

var (
	local6 = netip.MustParseAddrPort("[::1]:53")
	server = netip.MustParseAddrPort("10.0.0.9:7")
	other  = netip.MustParseAddrPort("10.0.0.10:7")
)

func isErr(t *testing.T, what string, got, want error) {
	t.Helper()
	if !errors.Is(got, want) {
		t.Fatalf("%s: error %v, want %v", what, got, want)
	}
}

func TestBind(t *testing.T) {
	h := newFakeHost()
	s := udp.NewSocket(h, udp.Config{})
	isErr(t, "bind to an IPv6 address", s.Bind(local6), udp.ErrAddressFamily)
	if s.Bound() {
		t.Fatal("a refused bind left the socket bound")
	}
	if err := s.Bind(netip.AddrPort{}); err != nil {
		t.Fatal(err)
	}
	if !s.Bound() || s.LocalAddr().Port() != 50000 || h.ports[50000] != s {
		t.Fatalf("bound to %v (bound=%v), host table %v", s.LocalAddr(), s.Bound(), h.ports)
	}
	isErr(t, "second bind", s.Bind(netip.AddrPort{}), udp.ErrAlreadyBound)

	s2 := udp.NewSocket(h, udp.Config{})
	isErr(t, "bind to a taken port", s2.Bind(netip.AddrPortFrom(netip.Addr{}, 50000)), udp.ErrAddressInUse)
	want := netip.MustParseAddrPort("10.0.0.1:53")
	if err := s2.Bind(want); err != nil || s2.LocalAddr() != want {
		t.Fatalf("bind %v: %v, local %v", want, err, s2.LocalAddr())
	}

	s.Close()
	s.Close()
	if h.unbound != 1 || h.ports[50000] != nil || s.Bound() {
		t.Fatalf("close: %d unbinds, port 50000 held by %p, bound=%v", h.unbound, h.ports[50000], s.Bound())
	}
	isErr(t, "bind after close", s.Bind(netip.AddrPort{}), udp.ErrClosed)
	isErr(t, "connect after close", s.Connect(server), udp.ErrClosed)

	h.ephemeral = 0
	s3 := udp.NewSocket(h, udp.Config{})
	isErr(t, "bind with no free port", s3.Bind(netip.AddrPort{}), udp.ErrNoPorts)
	isErr(t, "send from an unbound socket with no free port", s3.SendTo([]byte("x"), server), udp.ErrNoPorts)
}

func TestConnect(t *testing.T) {
	h := newFakeHost()
	s := udp.NewSocket(h, udp.Config{})
	isErr(t, "send unconnected", s.Send([]byte("x")), udp.ErrNotConnected)
	isErr(t, "connect to IPv6", s.Connect(local6), udp.ErrBadAddress)
	isErr(t, "connect to port 0", s.Connect(netip.AddrPortFrom(server.Addr(), 0)), udp.ErrBadAddress)
	if s.Bound() {
		t.Fatal("a refused connect bound the socket")
	}
	if err := s.Connect(server); err != nil {
		t.Fatal(err)
	}
	if !s.Bound() || s.RemoteAddr() != server {
		t.Fatalf("connect: bound=%v remote=%v", s.Bound(), s.RemoteAddr())
	}
	if err := s.Send([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	dst, p, ok := s.PeekSend()
	if !ok || dst != server || string(p) != "hello" {
		t.Fatalf("PeekSend = %v %q %v", dst, p, ok)
	}
	// Connected: only the peer's datagrams belong to it.
	me := netip.MustParseAddr("10.0.0.1")
	if !s.Accepts(server, me) || s.Accepts(other, me) || s.Accepts(netip.AddrPortFrom(server.Addr(), 8), me) {
		t.Fatal("a connected socket's filter is wrong")
	}
	// Bound to an address: only datagrams to it belong to it.
	b := udp.NewSocket(h, udp.Config{})
	if err := b.Bind(netip.AddrPortFrom(me, 68)); err != nil {
		t.Fatal(err)
	}
	if !b.Accepts(other, me) || b.Accepts(other, netip.MustParseAddr("10.0.0.255")) {
		t.Fatal("an address-bound socket's filter is wrong")
	}
}

func TestSendErrors(t *testing.T) {
	h := newFakeHost()
	h.maxPayload = 200
	s := udp.NewSocket(h, udp.Config{TxBuffer: make([]byte, 150), TxSlots: 2})
	isErr(t, "send to IPv6", s.SendTo([]byte("x"), local6), udp.ErrBadAddress)
	isErr(t, "send to port 0", s.SendTo([]byte("x"), netip.AddrPortFrom(server.Addr(), 0)), udp.ErrBadAddress)
	isErr(t, "send past the link", s.SendTo(make([]byte, 201), server), udp.ErrTooLarge)
	isErr(t, "send past the buffer", s.SendTo(make([]byte, 151), server), udp.ErrTooLarge)
	if s.CanSend(201) || !s.CanSend(150) {
		t.Fatal("CanSend disagrees with the limits")
	}

	writable := 0
	s.OnWritable(func() { writable++ })
	for i := 0; i < 2; i++ {
		if err := s.SendTo([]byte{byte(i)}, server); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	if h.sendReady != 2 {
		t.Fatalf("host told %d times, want 2", h.sendReady)
	}
	if s.CanSend(1) {
		t.Fatal("CanSend with both slots used")
	}
	isErr(t, "send to a full ring", s.SendTo([]byte{2}, server), udp.ErrWouldBlock)
	if h.sendReady != 2 {
		t.Fatal("a refused send told the host it had something to send")
	}
	// The stack sends one: the refused sender hears about the room, once.
	s.PopSend(true)
	if writable != 1 {
		t.Fatalf("OnWritable ran %d times after room freed, want 1", writable)
	}
	s.PopSend(false) // given up on by the stack: not counted as sent
	if writable != 1 {
		t.Fatal("OnWritable ran again without a refused send")
	}
	if st := s.Stats(); st.TxDatagrams != 1 || st.TxBytes != 1 {
		t.Fatalf("stats %+v, want one datagram of one byte sent", st)
	}
	if _, _, ok := s.PeekSend(); ok {
		t.Fatal("send ring not empty")
	}
	s.Close()
	isErr(t, "send after close", s.SendTo([]byte("x"), server), udp.ErrClosed)
	if s.CanSend(1) {
		t.Fatal("CanSend on a closed socket")
	}
}

func TestDeliverAndRecvFrom(t *testing.T) {
	h := newFakeHost()
	s := udp.NewSocket(h, udp.Config{RxBuffer: make([]byte, 16), RxSlots: 2})
	buf := make([]byte, 8)
	if _, _, _, err := s.RecvFrom(buf); !errors.Is(err, udp.ErrWouldBlock) {
		t.Fatalf("RecvFrom on empty: %v", err)
	}
	readable := 0
	s.OnReadable(func() { readable++ })
	me := netip.MustParseAddr("10.0.0.1")
	if !s.Deliver(server, me, []byte("0123456789")) || !s.Deliver(other, me, []byte("ab")) {
		t.Fatal("Deliver refused with room")
	}
	if readable != 2 || s.Readable() != 2 {
		t.Fatalf("readable callbacks %d, Readable %d; want 2 and 2", readable, s.Readable())
	}
	if s.Deliver(server, me, []byte("c")) {
		t.Fatal("Deliver accepted a third datagram into two slots")
	}
	from, p, ok := s.Peek()
	if !ok || from != server || string(p) != "0123456789" {
		t.Fatalf("Peek = %v %q %v", from, p, ok)
	}
	n, from, trunc, err := s.RecvFrom(buf)
	if err != nil || n != 8 || !trunc || from != server || string(buf[:n]) != "01234567" {
		t.Fatalf("RecvFrom = %d %v %v %v %q", n, from, trunc, err, buf[:n])
	}
	n, from, trunc, err = s.RecvFrom(buf)
	if err != nil || n != 2 || trunc || from != other {
		t.Fatalf("RecvFrom = %d %v %v %v", n, from, trunc, err)
	}
	if !s.Deliver(server, me, nil) {
		t.Fatal("an empty datagram was refused")
	}
	if n, _, _, err := s.RecvFrom(buf); err != nil || n != 0 {
		t.Fatalf("empty datagram read as %d bytes, %v", n, err)
	}
	s.Deliver(server, me, []byte("x"))
	s.Discard()
	if s.Readable() != 0 {
		t.Fatal("Discard left the datagram")
	}
	if st := s.Stats(); st.RxDatagrams != 4 || st.RxBytes != 13 || st.RxDropped != 1 {
		t.Fatalf("stats %+v", st)
	}
	s.Close()
	if s.Deliver(server, me, []byte("late")) {
		t.Fatal("a closed socket accepted a datagram")
	}
	if _, _, _, err := s.RecvFrom(buf); !errors.Is(err, udp.ErrClosed) {
		t.Fatalf("RecvFrom after close: %v", err)
	}
}

// The receive future completes when a datagram arrives, at once if one is
// already queued, with ErrTimeout at its deadline (not a nanosecond before)
// and with ErrClosed when the socket closes. Its callback runs once.
func TestRecvFuture(t *testing.T) {
	h := newFakeHost()
	s := udp.NewSocket(h, udp.Config{})
	me := netip.MustParseAddr("10.0.0.1")
	buf := make([]byte, 64)

	readable := 0
	s.OnReadable(func() { readable++ })
	f := s.Recv(buf, 1000)
	calls := 0
	f.OnComplete(func(udp.RecvResult, error) { calls++ })
	if f.Done() || s.PollAt() != 1000 || h.timerChanged != 1 {
		t.Fatalf("pending Recv: done=%v PollAt=%v timer notices=%d", f.Done(), s.PollAt(), h.timerChanged)
	}
	busy := s.Recv(buf, reactor.Never)
	if !busy.Done() || !errors.Is(busy.Err(), udp.ErrBusy) || f.Done() {
		t.Fatalf("second Recv: done=%v err=%v; first done=%v", busy.Done(), busy.Err(), f.Done())
	}
	s.Poll(999)
	if f.Done() {
		t.Fatal("Recv timed out before its deadline")
	}
	s.Deliver(server, me, []byte("ping"))
	res, err := f.Result()
	if !f.Done() || err != nil || res.N != 4 || res.From != server || res.Truncated || string(buf[:4]) != "ping" {
		t.Fatalf("Recv after arrival: done=%v %+v %v", f.Done(), res, err)
	}
	if calls != 1 || readable != 0 || s.Readable() != 0 || s.PollAt() != reactor.Never {
		t.Fatalf("calls=%d readable=%d Readable=%d PollAt=%v: the datagram went to the future alone",
			calls, readable, s.Readable(), s.PollAt())
	}

	// Already queued: completes inside Recv.
	s.Deliver(other, me, []byte("queued"))
	f = s.Recv(buf[:3], 5000)
	if res, err := f.Result(); !f.Done() || err != nil || res.N != 3 || !res.Truncated || res.From != other {
		t.Fatalf("Recv with a datagram queued: done=%v %+v %v", f.Done(), res, err)
	}

	// Deadline.
	f = s.Recv(buf, 2000)
	s.Poll(1999)
	if f.Done() {
		t.Fatal("done before the deadline")
	}
	s.Poll(2000)
	err = f.Err()
	var te interface{ Timeout() bool }
	if !f.Done() || !errors.Is(err, udp.ErrTimeout) || !errors.As(err, &te) || !te.Timeout() {
		t.Fatalf("at the deadline: done=%v err=%v", f.Done(), err)
	}
	if s.PollAt() != reactor.Never {
		t.Fatal("a finished Recv still asks for polls")
	}

	// No deadline: the host hears of no timer.
	notices := h.timerChanged
	f = s.Recv(buf, reactor.Never)
	if h.timerChanged != notices || s.PollAt() != reactor.Never {
		t.Fatal("Recv without a deadline asked for a timer")
	}
	s.Close()
	if !f.Done() || !errors.Is(f.Err(), udp.ErrClosed) {
		t.Fatalf("Close left the Recv done=%v err=%v", f.Done(), f.Err())
	}
	f = s.Recv(buf, reactor.Never)
	if !f.Done() || !errors.Is(f.Err(), udp.ErrClosed) {
		t.Fatalf("Recv on a closed socket: done=%v err=%v", f.Done(), f.Err())
	}
}

// Every error has its own text, prefixed with the package name, and only
// ErrTimeout is a timeout.
func TestErrorValues(t *testing.T) {
	seen := map[string]bool{}
	for e := udp.ErrWouldBlock; e <= udp.ErrBusy; e++ {
		msg := e.Error()
		if !strings.HasPrefix(msg, "udp: ") || msg == "udp: unknown error" || seen[msg] {
			t.Errorf("error %d: %q", e, msg)
		}
		seen[msg] = true
		if e.Timeout() != (e == udp.ErrTimeout) {
			t.Errorf("%v.Timeout() = %v", e, e.Timeout())
		}
	}
	if udp.Error(0).Error() != "udp: unknown error" || (udp.ErrBusy+1).Error() != "udp: unknown error" {
		t.Error("unknown error values are not reported as unknown")
	}
}

// Delivering and reading a datagram allocates nothing.
func TestSocketAllocs(t *testing.T) {
	s := udp.NewSocket(newFakeHost(), udp.Config{})
	me := netip.MustParseAddr("10.0.0.1")
	payload := bytes.Repeat([]byte{7}, 512)
	buf := make([]byte, 1500)
	allocs := testing.AllocsPerRun(1000, func() {
		s.Deliver(server, me, payload)
		if n, _, _, err := s.RecvFrom(buf); err != nil || n != 512 {
			panic("lost datagram")
		}
		s.SendTo(payload, server)
		s.PopSend(true)
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per datagram", allocs)
	}
}
