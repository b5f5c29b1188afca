package netconn_test

import (
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/netconn"
)

// A Write on one end and the ReadFull of it on the other allocate nothing
// in steady state, across both stacks, both reactors and the link; nor does
// moving the deadlines before each, as net/http does per request.
func TestNoAllocsReadWrite(t *testing.T) {
	a, b := newPair(t, netconn.Config{})
	c, s := pipe(t, a, b)
	msg := randomBytes(1024, 4)
	buf := make([]byte, len(msg))
	failed := 0
	once := func() {
		s.SetReadDeadline(time.Now().Add(time.Minute))
		c.SetWriteDeadline(time.Now().Add(time.Minute))
		if _, err := c.Write(msg); err != nil {
			failed++
		}
		if _, err := io.ReadFull(s, buf); err != nil {
			failed++
		}
	}
	for i := 0; i < 100; i++ { // warm up: ARP, rings, timers
		once()
	}
	allocs := testing.AllocsPerRun(1000, once)
	t.Logf("%.2f allocations per 1 KiB Write + Read", allocs)
	if failed > 0 || allocs != 0 {
		t.Fatalf("%.2f allocations per Write + Read; %d calls failed", allocs, failed)
	}
}

// A datagram sent and received through the netip forms allocates nothing.
func TestNoAllocsDatagram(t *testing.T) {
	a, b := newPair(t, netconn.Config{})
	srv, err := b.net.ListenPacket("udp", ":9")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cli, err := a.net.ListenPacket("udp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	rx, tx := srv.(*netconn.PacketConn), cli.(*netconn.PacketConn)
	dst := netip.AddrPortFrom(addrB, 9)
	msg := randomBytes(512, 6)
	buf := make([]byte, 1500)
	failed := 0
	once := func() {
		if _, err := tx.WriteToUDPAddrPort(msg, dst); err != nil {
			failed++
		}
		if n, _, err := rx.ReadFromUDPAddrPort(buf); err != nil || n != len(msg) {
			failed++
		}
	}
	for i := 0; i < 100; i++ {
		once()
	}
	allocs := testing.AllocsPerRun(1000, once)
	if failed > 0 || allocs != 0 {
		t.Fatalf("%.2f allocations per datagram; %d calls failed", allocs, failed)
	}
}
