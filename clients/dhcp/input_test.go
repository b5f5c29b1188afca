package dhcp

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/dhcp/dhcptest"
	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// selecting returns a harness whose client is in SELECTING with a silent
// server, and a socket on the server's stack to send it crafted replies.
func selecting(t testing.TB) (*harness, *udp.Socket) {
	h := newHarness(t, Config{Timeout: -1}, dhcptest.Config{})
	h.script = func(*wire.DHCPv4Repr) dhcptest.Action { return dhcptest.Drop }
	h.record = false
	h.c.Start()
	h.runUntilState(time.Second, StateSelecting)
	sock := h.ss.NewUDPSocket(udp.Config{})
	if err := sock.Bind(netip.AddrPortFrom(netip.IPv4Unspecified(), 6767)); err != nil {
		t.Fatal(err)
	}
	return h, sock
}

// offer builds a valid OFFER for the client in h, for tests to spoil.
func (h *harness) offer() wire.DHCPv4Repr {
	m := wire.DHCPv4Repr{
		Op: wire.DHCPv4BootReply, MessageType: wire.DHCPOffer, XID: h.c.xid, Broadcast: true,
		ClientHW: h.cs.HardwareAddr(), YourAddr: poolIP, ServerID: serverIP,
		SubnetMask: netip.MustParseAddr("255.255.255.0"), LeaseTime: 3600,
	}
	m.Routers.Add(serverIP)
	return m
}

func send(t testing.TB, h *harness, sock *udp.Socket, b []byte) {
	t.Helper()
	if err := sock.SendTo(b, netip.AddrPortFrom(bcast, wire.DHCPv4ClientPort)); err != nil {
		t.Fatal(err)
	}
	h.r.RunFor(10 * time.Millisecond)
}

// Replies that are not for this client and transaction, or that offer an
// unusable address or mask, are counted and ignored; a good one is taken.
func TestIgnoresBadReplies(t *testing.T) {
	h, sock := selecting(t)
	emit := func(m wire.DHCPv4Repr) []byte {
		b := make([]byte, m.Len())
		m.Emit(b)
		return b
	}
	bad := map[string][]byte{}
	for name, spoil := range map[string]func(*wire.DHCPv4Repr){
		"other xid":         func(m *wire.DHCPv4Repr) { m.XID++ },
		"other client":      func(m *wire.DHCPv4Repr) { m.ClientHW[5]++ },
		"a request":         func(m *wire.DHCPv4Repr) { m.Op = wire.DHCPv4BootRequest },
		"an ACK":            func(m *wire.DHCPv4Repr) { m.MessageType = wire.DHCPAck },
		"address 0.0.0.0":   func(m *wire.DHCPv4Repr) { m.YourAddr = netip.IPv4Unspecified() },
		"loopback address":  func(m *wire.DHCPv4Repr) { m.YourAddr = netip.MustParseAddr("127.0.0.9") },
		"multicast address": func(m *wire.DHCPv4Repr) { m.YourAddr = netip.MustParseAddr("224.0.0.9") },
		"holey mask":        func(m *wire.DHCPv4Repr) { m.SubnetMask = netip.MustParseAddr("255.0.255.0") },
		"zero mask":         func(m *wire.DHCPv4Repr) { m.SubnetMask = netip.MustParseAddr("0.0.0.0") },
	} {
		m := h.offer()
		spoil(&m)
		bad[name] = emit(m)
	}
	good := emit(h.offer())
	bad["truncated"] = good[:200]
	noCookie := append([]byte(nil), good...)
	noCookie[236] = 0
	bad["no cookie"] = noCookie
	overrun := append([]byte(nil), good[:wire.DHCPv4MinLen+3]...)
	overrun = append(overrun, byte(wire.DHCPv4OptHostname), 200, 'x')
	bad["option past the end"] = overrun

	for name, b := range bad {
		before := h.c.Stats().Ignored
		send(t, h, sock, b)
		if h.c.State() != StateSelecting || h.c.Stats().Ignored != before+1 {
			t.Fatalf("%s: state %v, ignored %d -> %d", name, h.c.State(), before, h.c.Stats().Ignored)
		}
	}
	send(t, h, sock, good)
	if h.c.State() != StateRequesting || h.c.Stats().Offers != 1 {
		t.Fatalf("good offer: state %v stats %+v", h.c.State(), h.c.Stats())
	}
}

// An ACK without a lease time, or from a server other than the one
// chosen, does not bind.
func TestIgnoresBadAcks(t *testing.T) {
	h, sock := selecting(t)
	m := h.offer()
	b := make([]byte, m.Len())
	m.Emit(b)
	send(t, h, sock, b)
	for _, spoil := range []func(*wire.DHCPv4Repr){
		func(m *wire.DHCPv4Repr) { m.LeaseTime = 0 },
		func(m *wire.DHCPv4Repr) { m.ServerID = netip.MustParseAddr("10.0.0.9") },
	} {
		a := h.offer()
		a.MessageType = wire.DHCPAck
		spoil(&a)
		b := make([]byte, a.Len())
		a.Emit(b)
		send(t, h, sock, b)
		if h.c.State() != StateRequesting {
			t.Fatalf("state %v after a bad ACK", h.c.State())
		}
	}
	if h.c.Stats().Ignored != 2 {
		t.Fatalf("stats %+v", h.c.Stats())
	}
}

// Whatever arrives on port 68, the client neither panics nor ends up
// claiming a lease the stack does not hold. Inputs long enough get the
// client's xid and MAC patched in so the fuzzer reaches the state machine.
func FuzzClientInput(f *testing.F) {
	seed := func(t wire.DHCPv4MessageType, lease uint32) []byte {
		m := wire.DHCPv4Repr{Op: wire.DHCPv4BootReply, MessageType: t, YourAddr: poolIP, ServerID: serverIP, LeaseTime: lease}
		m.Routers.Add(serverIP)
		b := make([]byte, m.Len())
		m.Emit(b)
		return b
	}
	f.Add(seed(wire.DHCPOffer, 3600), seed(wire.DHCPAck, 60))
	f.Add(seed(wire.DHCPOffer, 0), seed(wire.DHCPNak, 0))
	f.Add([]byte{2, 1, 6}, []byte{})
	f.Fuzz(func(t *testing.T, first, second []byte) {
		h, sock := selecting(t)
		for _, b := range [][]byte{first, second} {
			b = append([]byte(nil), b[:min(len(b), 1400)]...)
			if len(b) >= 34 {
				binary.BigEndian.PutUint32(b[4:8], h.c.xid)
				mac := h.cs.HardwareAddr()
				copy(b[28:34], mac[:])
			}
			send(t, h, sock, b)
			h.r.RunFor(5 * time.Second)
			l, ok := h.c.Lease()
			if ok != h.cs.Addr().IsValid() || ok && l.Addr != h.cs.Addr() {
				t.Fatalf("lease %+v (%v) but stack %v", l, ok, h.cs.Addr())
			}
		}
	})
}
