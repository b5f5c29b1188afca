package stack

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// fragHarness is a raw stack with a socket on port 7 large enough for
// reassembled datagrams.
func fragHarness(t *testing.T, cfg Config) (*raw, *udp.Socket) {
	t.Helper()
	h := newRaw(t, cfg)
	sock := h.s.NewUDPSocket(udp.Config{RxBuffer: make([]byte, 16384)})
	if err := sock.Bind(netip.AddrPortFrom(netip.Addr{}, 7)); err != nil {
		t.Fatal(err)
	}
	return h, sock
}

// bigDatagram returns size bytes of data and the UDP datagram from B:5000
// to A:7 carrying them.
func bigDatagram(seed uint64, size int) (data, l4 []byte) {
	rng := rand.New(rand.NewPCG(seed, 1))
	data = make([]byte, size)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	return data, udpBytes(netip.AddrPortFrom(addrB, 5000), netip.AddrPortFrom(addrA, 7), data)
}

// A 3000-byte datagram in fragments arrives whole, once, whatever the order
// of its fragments, and not before the last one is in.
func TestReassemblyOrders(t *testing.T) {
	h, sock := fragHarness(t, Config{})
	orders := map[string]func([][]byte){
		"in order": func([][]byte) {},
		"reversed": func(fs [][]byte) {
			for i, j := 0, len(fs)-1; i < j; i, j = i+1, j-1 {
				fs[i], fs[j] = fs[j], fs[i]
			}
		},
		"shuffled": func(fs [][]byte) {
			rand.New(rand.NewPCG(3, 4)).Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
		},
	}
	id := uint16(100)
	for _, name := range []string{"in order", "reversed", "shuffled"} {
		for _, size := range []int{1480, 512, 8} {
			id++
			data, l4 := bigDatagram(uint64(id), 3000)
			fs := fragments(addrB, addrA, wire.IPProtocolUDP, id, l4, size)
			orders[name](fs)
			before := h.s.Counters()
			for i, f := range fs {
				h.inject(t, f)
				if i < len(fs)-1 && sock.Readable() != 0 {
					t.Fatalf("%s/%d: delivered after %d of %d fragments", name, size, i+1, len(fs))
				}
			}
			buf := make([]byte, 4000)
			n, src, _, err := sock.RecvFrom(buf)
			if err != nil || src != netip.AddrPortFrom(addrB, 5000) || !bytes.Equal(buf[:n], data) {
				t.Fatalf("%s/%d: got %d bytes from %v (%v), equal=%v", name, size, n, src, err, bytes.Equal(buf[:n], data))
			}
			if sock.Readable() != 0 {
				t.Fatalf("%s/%d: delivered twice", name, size)
			}
			c := h.s.Counters()
			if c.RxFragments-before.RxFragments != uint64(len(fs)) || c.Reassembled-before.Reassembled != 1 || c.Dropped != 0 {
				t.Fatalf("%s/%d: %d fragments, %d reassembled, drops %v", name, size,
					c.RxFragments-before.RxFragments, c.Reassembled-before.Reassembled, dropsOf(c))
			}
		}
	}
}

// Overlapping fragments drop the whole datagram, counted once as
// DropFragmentOverlap, and deliver nothing.
func TestReassemblyOverlap(t *testing.T) {
	_, l4 := bigDatagram(1, 3000)
	frag := func(id uint16, off, end int) []byte {
		return fragment(addrB, addrA, wire.IPProtocolUDP, id, off, l4[off:end], end < len(l4))
	}
	cases := map[string][][]byte{
		"second overlaps first":     {frag(1, 0, 1480), frag(1, 1472, 2952)},
		"first overlaps second":     {frag(2, 1480, 2960), frag(2, 8, 1488)},
		"duplicate":                 {frag(3, 0, 1480), frag(3, 0, 1480)},
		"two different ends":        {frag(4, 2960, len(l4)), fragment(addrB, addrA, wire.IPProtocolUDP, 4, 2960, l4[2960:2968], false)},
		"middle past the end":       {frag(5, 2960, len(l4)), fragment(addrB, addrA, wire.IPProtocolUDP, 5, 2952, l4[2952:2968], true)},
		"end inside received data":  {frag(6, 1480, 2960), fragment(addrB, addrA, wire.IPProtocolUDP, 6, 8, l4[8:16], false)},
		"overlap then the rest too": {frag(7, 0, 1480), frag(7, 8, 16), frag(7, 1480, 2960), frag(7, 2960, len(l4))},
	}
	for name, fs := range cases {
		t.Run(name, func(t *testing.T) {
			h, sock := fragHarness(t, Config{})
			for _, f := range fs {
				h.inject(t, f)
			}
			c := h.s.Counters()
			if c.Drop(DropFragmentOverlap) != 1 || c.Dropped != 1 || c.Reassembled != 0 || sock.Readable() != 0 {
				t.Fatalf("drops %v, reassembled %d, readable %d", dropsOf(c), c.Reassembled, sock.Readable())
			}
		})
	}
}

// A fragment reaching past ReassemblyMaxSize drops its datagram as
// DropReassemblyTooBig; a datagram within the limit still arrives.
func TestReassemblyTooBig(t *testing.T) {
	h, sock := fragHarness(t, Config{ReassemblyMaxSize: 3008})
	_, l4 := bigDatagram(2, 3000) // exactly 3008 bytes of IP payload
	for _, f := range fragments(addrB, addrA, wire.IPProtocolUDP, 1, l4, 1480) {
		h.inject(t, f)
	}
	if sock.Readable() != 1 {
		t.Fatalf("a datagram at the limit was not delivered; drops %v", dropsOf(h.s.Counters()))
	}
	_, l4 = bigDatagram(3, 3001)
	fs := fragments(addrB, addrA, wire.IPProtocolUDP, 2, l4, 1480)
	h.inject(t, fs[0])
	h.inject(t, fs[2]) // ends at 3009
	h.inject(t, fs[1])
	c := h.s.Counters()
	if c.Drop(DropReassemblyTooBig) != 1 || c.Dropped != 1 || sock.Readable() != 1 {
		t.Fatalf("drops %v, readable %d", dropsOf(c), sock.Readable())
	}
}

// With every slot holding an incomplete datagram, the first fragment of
// another is dropped as DropReassemblyFull; a slot freed by completion takes
// the next one. Negative ReassemblySlots turns reassembly off.
func TestReassemblySlots(t *testing.T) {
	h, sock := fragHarness(t, Config{ReassemblySlots: 2})
	var fs [4][][]byte
	for i := range fs {
		_, l4 := bigDatagram(uint64(i), 2000)
		fs[i] = fragments(addrB, addrA, wire.IPProtocolUDP, uint16(10+i), l4, 1480)
	}
	h.inject(t, fs[0][0])
	h.inject(t, fs[1][0])
	h.inject(t, fs[2][0])
	if c := h.s.Counters(); c.Drop(DropReassemblyFull) != 1 || c.Dropped != 1 {
		t.Fatalf("drops %v, want one reassembly_full", dropsOf(c))
	}
	h.inject(t, fs[0][1]) // completes datagram 0 and frees its slot
	h.inject(t, fs[3][0])
	h.inject(t, fs[3][1])
	h.inject(t, fs[1][1])
	if c := h.s.Counters(); sock.Readable() != 3 || c.Dropped != 1 {
		t.Fatalf("readable %d, drops %v; want 3 datagrams and the one drop", sock.Readable(), dropsOf(c))
	}

	h, sock = fragHarness(t, Config{ReassemblySlots: -1})
	h.inject(t, fs[0][0])
	h.inject(t, fs[0][1])
	if c := h.s.Counters(); c.Drop(DropReassemblyFull) != 2 || sock.Readable() != 0 {
		t.Fatalf("reassembly off: drops %v, readable %d", dropsOf(c), sock.Readable())
	}
}

// An incomplete datagram is dropped as DropReassemblyTimeout exactly
// ReassemblyTimeout after its first fragment, in virtual time; its late
// fragments start over and do not complete it.
func TestReassemblyTimeout(t *testing.T) {
	timeout := 5 * time.Second
	h, sock := fragHarness(t, Config{ReassemblyTimeout: timeout})
	_, l4 := bigDatagram(4, 2000)
	fs := fragments(addrB, addrA, wire.IPProtocolUDP, 1, l4, 1480)
	h.inject(t, fs[0])
	start := h.clk.Now()
	h.r.RunFor(timeout - time.Nanosecond)
	if c := h.s.Counters(); c.Dropped != 0 {
		t.Fatalf("dropped before the timeout: %v", dropsOf(c))
	}
	h.r.RunUntil(time.Minute, func() bool { return h.s.Counters().Dropped > 0 })
	if at := h.clk.Now(); at != start.Add(timeout) {
		t.Fatalf("timed out at %v, want %v", at, start.Add(timeout))
	}
	c := h.s.Counters()
	if c.Drop(DropReassemblyTimeout) != 1 || c.Dropped != 1 {
		t.Fatalf("drops %v", dropsOf(c))
	}
	h.inject(t, fs[1])
	h.r.RunFor(time.Minute)
	if c := h.s.Counters(); sock.Readable() != 0 || c.Drop(DropReassemblyTimeout) != 2 {
		t.Fatalf("late fragment: readable %d, drops %v", sock.Readable(), dropsOf(c))
	}
}

// A ping with 4000 bytes of data arrives in fragments and is answered with a
// fragmented reply (the stack fragments on egress) that reassembles to the
// right message; every fragment fits the link.
func TestFragmentedEcho(t *testing.T) {
	for _, resolved := range []bool{true, false} {
		h := newRaw(t, Config{})
		if resolved {
			h.teachARP(t)
		}
		data, _ := bigDatagram(5, 4000)
		req := echoBytes(0x4242, 7, data)
		for _, f := range fragments(addrB, addrA, wire.IPProtocolICMP, 77, req, 1480) {
			h.inject(t, f)
		}
		if !resolved {
			checkRequest(t, h.out(), addrB)
			h.inject(t, arpFrame(wire.ARPReply, macB, addrB, macA, addrA, macA))
		}
		out := h.all()
		if len(out) != 3 {
			t.Fatalf("resolved=%v: %d frames, want 3 fragments; counters %+v", resolved, len(out), h.s.Counters())
		}
		for i, f := range out {
			eth, ip := ipOf(t, f)
			if len(f) > 1514 || eth.Dst() != macB || ip.DontFrag() || ip.Src() != addrA || ip.Dst() != addrB {
				t.Fatalf("fragment %d: %d bytes to %v, DF=%v", i, len(f), eth.Dst(), ip.DontFrag())
			}
			if ip.MoreFrags() != (i < 2) || ip.FragOffset() != i*1480 {
				t.Fatalf("fragment %d: offset %d MF=%v", i, ip.FragOffset(), ip.MoreFrags())
			}
		}
		first, payload := reassemble(t, out)
		m, err := wire.NewICMPv4Packet(payload)
		if err != nil || !m.VerifyChecksum() || m.Type() != wire.ICMPv4EchoReply || m.EchoID() != 0x4242 ||
			m.EchoSeq() != 7 || !bytes.Equal(m.Data(), data) || first.Protocol() != wire.IPProtocolICMP {
			t.Fatalf("resolved=%v: reply does not reassemble to the echo (%v)", resolved, err)
		}
		if c := h.s.Counters(); c.EchoRequests != 1 || c.Dropped != 0 || c.Reassembled != 1 {
			t.Fatalf("counters %+v", c)
		}
	}
}

// A datagram that needs more fragments than the pending queue can hold is
// refused whole while its next hop resolves (DropARPPendingFull, no partial
// datagram parked), and the resolution it started lets the next one through.
func TestFragmentsBeyondPending(t *testing.T) {
	h := newRaw(t, Config{ARPPendingPackets: 2})
	data, _ := bigDatagram(6, 4000)
	req := echoBytes(1, 1, data)
	for _, f := range fragments(addrB, addrA, wire.IPProtocolICMP, 1, req, 1480) {
		h.inject(t, f)
	}
	checkRequest(t, h.out(), addrB)
	if c := h.s.Counters(); c.Drop(DropARPPendingFull) != 1 || c.Dropped != 1 || h.s.freePending() != 2 {
		t.Fatalf("drops %v, %d pending slots free", dropsOf(c), h.s.freePending())
	}
	h.inject(t, arpFrame(wire.ARPReply, macB, addrB, macA, addrA, macA))
	if f := h.out(); f != nil {
		t.Fatalf("a partial datagram went out: % x", f[:42])
	}
	for _, f := range fragments(addrB, addrA, wire.IPProtocolICMP, 2, echoBytes(1, 2, data), 1480) {
		h.inject(t, f)
	}
	if out := h.all(); len(out) != 3 {
		t.Fatalf("%d fragments answered the second ping, want 3", len(out))
	}
}
