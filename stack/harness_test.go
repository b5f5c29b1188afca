package stack

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

var (
	addrA = netip.MustParseAddr("10.0.0.1")
	addrB = netip.MustParseAddr("10.0.0.2")
	macA  = wire.HardwareAddr(loopback.DefaultAddrA)
	macB  = wire.HardwareAddr(loopback.DefaultAddrB)
)

// pair is two stacks joined by the in-memory link on one virtual-time reactor.
type pair struct {
	r    *reactor.Reactor
	clk  *reactor.VirtualClock
	a, b *Stack
}

func newPair(t testing.TB, cfg Config) *pair {
	t.Helper()
	devA, devB := loopback.NewPair(loopback.Config{})
	clk := reactor.NewVirtualClock(0)
	r := reactor.New(clk)
	ca, cb := cfg, cfg
	ca.Addr, cb.Addr = netip.PrefixFrom(addrA, 24), netip.PrefixFrom(addrB, 24)
	ca.Seed, cb.Seed = 1, 2
	a, err := New(devA, ca)
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(devB, cb)
	if err != nil {
		t.Fatal(err)
	}
	a.Spawn(r)
	b.Spawn(r)
	return &pair{r: r, clk: clk, a: a, b: b}
}

// raw is one stack on the link with the test itself as the peer: frames the
// test injects arrive at the stack, frames the stack sends are read back.
type raw struct {
	r    *reactor.Reactor
	clk  *reactor.VirtualClock
	s    *Stack
	peer *loopback.Device
}

func newRaw(t testing.TB, cfg Config) *raw {
	t.Helper()
	devA, devB := loopback.NewPair(loopback.Config{})
	clk := reactor.NewVirtualClock(0)
	r := reactor.New(clk)
	if !cfg.Addr.IsValid() {
		cfg.Addr = netip.PrefixFrom(addrA, 24)
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.GratuitousARPs == 0 {
		cfg.GratuitousARPs = -1 // keep the wire quiet unless a test wants them
	}
	s, err := New(devA, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Spawn(r)
	return &raw{r: r, clk: clk, s: s, peer: devB}
}

// inject sends a frame to the stack and runs the reactor until it is quiet.
func (h *raw) inject(t testing.TB, frame []byte) {
	t.Helper()
	buf, ok := h.peer.Transmit()
	if !ok {
		t.Fatal("link full")
	}
	h.peer.Commit(copy(buf, frame))
	h.r.RunFor(0)
}

// out returns the next frame the stack sent, or nil.
func (h *raw) out() []byte {
	f, ok := h.peer.Receive()
	if !ok {
		return nil
	}
	c := append([]byte(nil), f...)
	h.peer.ReleaseRx()
	return c
}

// drain discards every frame the stack sent so far.
func (h *raw) drain() {
	for h.out() != nil {
	}
}

// ipFrame builds Ethernet+IPv4 around payload (already a complete L4 message).
func ipFrame(src, dst netip.Addr, proto wire.IPProtocol, payload []byte) []byte {
	b := make([]byte, wire.EthernetHeaderLen+wire.IPv4HeaderLen+len(payload))
	eth := wire.EthernetRepr{Dst: macA, Src: macB, EtherType: wire.EtherTypeIPv4}
	eth.Emit(b)
	ip := wire.IPv4Repr{Src: src, Dst: dst, Protocol: proto, TTL: 64, ID: 7, PayloadLen: len(payload)}
	ip.Emit(b[wire.EthernetHeaderLen:])
	copy(b[wire.EthernetHeaderLen+wire.IPv4HeaderLen:], payload)
	return b
}

func udpFrame(src netip.AddrPort, dst netip.AddrPort, data []byte) []byte {
	u := make([]byte, wire.UDPHeaderLen+len(data))
	copy(u[wire.UDPHeaderLen:], data)
	r := wire.UDPRepr{SrcPort: src.Port(), DstPort: dst.Port()}
	r.Emit(u, len(data), src.Addr(), dst.Addr())
	return ipFrame(src.Addr(), dst.Addr(), wire.IPProtocolUDP, u)
}

func echoFrame(src, dst netip.Addr, id, seq uint16, data []byte) []byte {
	r := wire.ICMPv4Repr{Type: wire.ICMPv4EchoRequest, ID: id, Seq: seq, Data: data}
	m := make([]byte, r.Len())
	r.Emit(m)
	return ipFrame(src, dst, wire.IPProtocolICMP, m)
}

func arpFrame(op wire.ARPOp, senderHW wire.HardwareAddr, senderIP netip.Addr, targetHW wire.HardwareAddr, targetIP netip.Addr, ethDst wire.HardwareAddr) []byte {
	b := make([]byte, 60)
	eth := wire.EthernetRepr{Dst: ethDst, Src: senderHW, EtherType: wire.EtherTypeARP}
	eth.Emit(b)
	r := wire.ARPRepr{Op: op, SenderHW: senderHW, SenderIP: senderIP, TargetHW: targetHW, TargetIP: targetIP}
	r.Emit(b[wire.EthernetHeaderLen:])
	return b
}

// teachARP tells the stack that addrB is at macB, so its replies go out at once.
func (h *raw) teachARP(t testing.TB) {
	h.inject(t, arpFrame(wire.ARPRequest, macB, addrB, wire.HardwareAddr{}, addrA, wire.BroadcastHW))
	h.drain()
}

// echoServer makes s answer every datagram on port with the same bytes.
func echoServer(t testing.TB, s *Stack, port uint16) *udp.Socket {
	sock := s.NewUDPSocket(udp.Config{})
	if err := sock.Bind(netip.AddrPortFrom(netip.Addr{}, port)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	sock.OnReadable(func() {
		for {
			n, from, _, err := sock.RecvFrom(buf)
			if err != nil {
				return
			}
			if err := sock.SendTo(buf[:n], from); err != nil {
				t.Errorf("echo send: %v", err)
			}
		}
	})
	return sock
}

const second = time.Second
