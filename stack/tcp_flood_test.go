package stack

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/wire"
)

// tcpFrame builds a frame carrying seg from src to dst.
func tcpFrame(src, dst netip.AddrPort, seg *tcp.Repr) []byte {
	b := make([]byte, 1500)
	n := seg.Emit(b, src.Port(), dst.Port(), src.Addr(), dst.Addr())
	return ipFrame(src.Addr(), dst.Addr(), wire.IPProtocolTCP, b[:n])
}

// parseTCPFrame returns the segment a stack frame carries, if it is TCP.
func parseTCPFrame(f []byte) (src, dst netip.AddrPort, seg tcp.Repr, ok bool) {
	ip, err := wire.NewIPv4Packet(f[wire.EthernetHeaderLen:])
	if err != nil || ip.Protocol() != wire.IPProtocolTCP {
		return src, dst, seg, false
	}
	p, err := wire.NewTCPPacket(ip.Payload())
	if err != nil || seg.Parse(p) != nil {
		return src, dst, seg, false
	}
	seg.Payload = bytes.Clone(seg.Payload)
	return netip.AddrPortFrom(ip.Src(), p.SrcPort()), netip.AddrPortFrom(ip.Dst(), p.DstPort()), seg, true
}

// 100,000 SYNs from spoofed sources: the listener answers beyond its SYN
// queue with cookies, the heap does not grow with the flood, and a real
// client that connects in the middle of it gets its data through.
func TestTCPSpoofedSYNFlood(t *testing.T) {
	gw := netip.MustParseAddr("10.0.0.254")
	h := newRaw(t, Config{Gateway: gw})
	h.inject(t, arpFrame(wire.ARPRequest, macB, gw, wire.HardwareAddr{}, addrA, wire.BroadcastHW))
	h.teachARP(t)
	l, err := h.s.ListenTCP(80, ListenConfig{SYNBacklog: 64})
	if err != nil {
		t.Fatal(err)
	}
	var accepted *tcp.Conn
	l.OnAccept(func() { accepted, _ = l.Accept() })
	server := netip.AddrPortFrom(addrA, 80)

	flood := func(from, to int) {
		for i := from; i < to; i++ {
			// Off-link sources, as a flood's are: the replies go to the
			// gateway and need no ARP.
			src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{172, byte(16 + i>>16&15), byte(i >> 8), byte(i)}), uint16(1024+i%60000))
			syn := tcp.Repr{Seq: tcp.Seq(i * 7919), Flags: wire.TCPSyn, Window: 65535, Options: wire.TCPOptions{MSS: 1460, HasMSS: true}}
			h.inject(t, tcpFrame(src, server, &syn))
			h.drain()
		}
	}
	flood(0, 1000)
	before := heapInUse()
	flood(1000, 50000)

	// A real client from the on-link peer, in the middle of the flood.
	cliAddr := netip.AddrPortFrom(addrB, 40000)
	cli := tcp.NewConn(tcp.Config{MSS: 1460, DelayedAck: -1})
	if err := cli.Connect(h.s.Now(), cliAddr, server, 12345); err != nil {
		t.Fatal(err)
	}
	cli.Write([]byte("through the flood"))
	buf := make([]byte, 1500)
	for i := 0; i < 20 && (accepted == nil || cli.SendQueued() > 0); i++ {
		for {
			n, ok := cli.Output(h.s.Now(), buf, cliAddr.Addr(), server.Addr())
			if !ok {
				break
			}
			var seg tcp.Repr
			p, _ := wire.NewTCPPacket(buf[:n])
			seg.Parse(p)
			h.inject(t, tcpFrame(cliAddr, server, &seg))
		}
		for f := h.out(); f != nil; f = h.out() {
			if _, dst, seg, ok := parseTCPFrame(f); ok && dst == cliAddr {
				cli.Input(h.s.Now(), &seg)
			}
		}
	}
	if accepted == nil {
		t.Fatalf("real client not accepted during the flood; listener %+v", l.Stats())
	}
	got := make([]byte, 64)
	n, _ := accepted.Read(got)
	if string(got[:n]) != "through the flood" {
		t.Fatalf("server read %q", got[:n])
	}

	flood(50000, 100000)
	after := heapInUse()
	st := l.Stats()
	t.Logf("100,000 spoofed SYNs: %d cookies sent, heap %d -> %d B; listener %+v", st.CookiesSent, before, after, st)
	if grew := int64(after) - int64(before); grew > 64<<10 {
		t.Errorf("heap grew %d B during the flood", grew)
	}
	if hs, _ := l.Pending(); hs > 64 {
		t.Errorf("%d handshakes held, backlog 64", hs)
	}
	if st.CookiesSent < 99000 {
		t.Errorf("only %d cookies sent", st.CookiesSent)
	}
}
