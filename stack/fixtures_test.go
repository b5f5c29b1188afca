package stack

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// Fixtures shared by the allocation guards and the benchmarks: each sets up
// a steady state once, then once() runs one per-packet operation and reports
// whether it did what it should. once() calls nothing that allocates by
// itself (no t.Helper, no closures built per call), so the guards measure
// the stack alone.

const fixturePayload = 100

// rxFixture receives a prebuilt UDP frame into a socket and reads it out.
type rxFixture struct {
	h          *raw
	sock       *udp.Socket
	frame, buf []byte
}

func newRxFixture(tb testing.TB) *rxFixture {
	h := newRaw(tb, Config{})
	sock := h.s.NewUDPSocket(udp.Config{})
	if err := sock.Bind(netip.AddrPortFrom(netip.Addr{}, 7)); err != nil {
		tb.Fatal(err)
	}
	x := &rxFixture{h: h, sock: sock, buf: make([]byte, 2048),
		frame: udpFrame(netip.AddrPortFrom(addrB, 5000), netip.AddrPortFrom(addrA, 7), bytes.Repeat([]byte{0x42}, fixturePayload))}
	for i := 0; i < 10; i++ {
		if !x.once() {
			tb.Fatal("warm-up datagram not received")
		}
	}
	return x
}

func (x *rxFixture) once() bool {
	buf, ok := x.h.peer.Transmit()
	if !ok {
		return false
	}
	x.h.peer.Commit(copy(buf, x.frame))
	x.h.r.RunFor(0)
	n, _, _, err := x.sock.RecvFrom(x.buf)
	return err == nil && n == fixturePayload
}

// echoFixture has the stack answer an ICMP echo request.
type echoFixture struct {
	h     *raw
	frame []byte
}

func newEchoFixture(tb testing.TB) *echoFixture {
	h := newRaw(tb, Config{})
	h.teachARP(tb)
	x := &echoFixture{h: h, frame: echoFrame(addrB, addrA, 1, 1, bytes.Repeat([]byte{0x42}, 56))}
	for i := 0; i < 10; i++ {
		if !x.once() {
			tb.Fatal("warm-up echo not answered")
		}
	}
	return x
}

func (x *echoFixture) once() bool {
	buf, ok := x.h.peer.Transmit()
	if !ok {
		return false
	}
	x.h.peer.Commit(copy(buf, x.frame))
	x.h.r.RunFor(0)
	f, ok := x.h.peer.Receive()
	if !ok {
		return false
	}
	good := len(f) == len(x.frame) && f[wire.EthernetHeaderLen+wire.IPv4HeaderLen] == byte(wire.ICMPv4EchoReply)
	x.h.peer.ReleaseRx()
	return good
}

// rrFixture is a UDP request and its echoed response between two stacks
// over the in-memory link.
type rrFixture struct {
	p        *pair
	cli      *udp.Socket
	msg, buf []byte
	ready    func() bool
}

func newRRFixture(tb testing.TB) *rrFixture {
	p := newPair(tb, Config{})
	echoServer(tb, p.b, 7)
	cli := p.a.NewUDPSocket(udp.Config{})
	if err := cli.Connect(netip.AddrPortFrom(addrB, 7)); err != nil {
		tb.Fatal(err)
	}
	x := &rrFixture{p: p, cli: cli, msg: bytes.Repeat([]byte{0x42}, fixturePayload), buf: make([]byte, 2048)}
	x.ready = func() bool { return cli.Readable() > 0 }
	// Warm-up: ARP resolves and every queue reaches its steady size.
	for i := 0; i < 10; i++ {
		if !x.once() {
			tb.Fatalf("warm-up round trip %d failed; A %+v", i, p.a.Counters())
		}
	}
	return x
}

func (x *rrFixture) once() bool {
	if x.cli.Send(x.msg) != nil {
		return false
	}
	if !x.p.r.RunUntil(time.Second, x.ready) {
		return false
	}
	n, _, _, err := x.cli.RecvFrom(x.buf)
	return err == nil && n == len(x.msg)
}
