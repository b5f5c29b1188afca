package netconn_test

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/seed947b3480/legation/netconn"
)

// UDP echo: B echoes on port 7, A sends datagrams of 1 to 1472 bytes and
// checks each answer and its source.
func TestPacketConnEcho(t *testing.T) {
	a, b := newPair(t, netconn.Config{})
	srv, err := b.net.ListenPacket("udp", ":7")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := srv.ReadFrom(buf)
			if err != nil {
				return
			}
			srv.WriteTo(buf[:n], from)
		}
	}()
	defer srv.Close()
	if got := srv.LocalAddr().String(); got != "10.0.0.2:7" {
		t.Errorf("server LocalAddr %s", got)
	}

	cli, err := a.net.ListenPacket("udp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	dst := &net.UDPAddr{IP: net.IPv4(10, 0, 0, 2), Port: 7}
	buf := make([]byte, 2048)
	for i, size := range []int{1, 100, 512, 1000, 1472} {
		msg := randomBytes(size+8, uint64(i))[:size]
		if _, err := cli.WriteTo(msg, dst); err != nil {
			t.Fatal(err)
		}
		cli.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, from, err := cli.ReadFrom(buf)
		if err != nil {
			t.Fatalf("datagram of %d bytes: %v", size, err)
		}
		if !bytes.Equal(buf[:n], msg) || from.String() != "10.0.0.2:7" {
			t.Fatalf("datagram of %d bytes came back as %d bytes from %v", size, n, from)
		}
	}

	// The netip forms, and a read deadline with nothing to read.
	pc := cli.(*netconn.PacketConn)
	if _, err := pc.WriteToUDPAddrPort([]byte("ping"), netip.MustParseAddrPort("10.0.0.2:7")); err != nil {
		t.Fatal(err)
	}
	n, from, err := pc.ReadFromUDPAddrPort(buf)
	if err != nil || string(buf[:n]) != "ping" || from != netip.MustParseAddrPort("10.0.0.2:7") {
		t.Fatalf("netip echo: %q from %v, %v", buf[:n], from, err)
	}
	cli.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	if _, _, err := cli.ReadFrom(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("ReadFrom past deadline: %v", err)
	}
	var ne net.Error
	if _, err := cli.WriteTo(make([]byte, 9000), dst); err == nil || !errors.As(err, &ne) {
		t.Errorf("oversized datagram: %v", err)
	}

	// Close wakes a waiting ReadFrom.
	cli.SetReadDeadline(time.Time{})
	errc := make(chan error, 1)
	go func() {
		_, _, err := cli.ReadFrom(buf)
		errc <- err
	}()
	cli.Close()
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("ReadFrom on a closed PacketConn: %v", err)
	}
}
