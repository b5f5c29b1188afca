package gvisorpeer

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/fault"
	"github.com/seed947b3480/legation/servers/echo"
	"github.com/seed947b3480/legation/udp"
)

// udpRounds is how many datagrams each test echoes, one at a time, with
// sizes from 1 byte to the largest unfragmented payload (1472 bytes).
const udpRounds = 200

func udpSize(i int) int {
	if i == 0 {
		return 1472
	}
	return 1 + (i*97)%1472
}

func udpPayload(i int) []byte {
	b := make([]byte, udpSize(i))
	for j := range b {
		b[j] = byte(i*31 + j)
	}
	return b
}

// TestUDPLegationToGVisor sends datagrams from a legation socket to an echo
// service on gVisor's UDP and checks every reply.
func TestUDPLegationToGVisor(t *testing.T) {
	h := newHarness(t, fault.Config{})
	const port = 7007
	srv, err := h.peer.ListenUDP(port)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := srv.ReadFrom(buf)
			if err != nil {
				return // closed
			}
			if _, err := srv.WriteTo(buf[:n], from); err != nil {
				return
			}
		}
	}()

	// The exchange runs on the reactor goroutine: send datagram i, and on
	// its echo compare it and send i+1.
	result := make(chan error, 1)
	h.do(func() {
		sock := h.s.NewUDPSocket(udp.Config{})
		if err := sock.Connect(netip.AddrPortFrom(gvisorAddr, port)); err != nil {
			result <- err
			return
		}
		i, buf := 0, make([]byte, 2048)
		send := func() {
			if err := sock.Send(udpPayload(i)); err != nil {
				result <- fmt.Errorf("send %d: %w", i, err)
			}
		}
		sock.OnReadable(func() {
			n, from, _, err := sock.RecvFrom(buf)
			if err != nil {
				return
			}
			if want := udpPayload(i); from != netip.AddrPortFrom(gvisorAddr, port) || !bytes.Equal(buf[:n], want) {
				result <- fmt.Errorf("reply %d from %v: %d bytes, want %d", i, from, n, len(want))
				return
			}
			if i++; i == udpRounds {
				result <- nil
				return
			}
			send()
		})
		send()
	})
	select {
	case err := <-result:
		if err != nil {
			t.Fatalf("%v; %s", err, h.report())
		}
	case <-h.ctx.Done():
		t.Fatalf("echoes stopped; %s", h.report())
	}
}

// TestUDPGVisorToLegation sends datagrams from gVisor's UDP to legation's
// echo service (servers/echo) and checks every reply.
func TestUDPGVisorToLegation(t *testing.T) {
	h := newHarness(t, fault.Config{})
	h.do(func() {
		if _, err := echo.Serve(h.s, echo.Port); err != nil {
			t.Error(err)
		}
	})
	cli, err := h.peer.ListenUDP(40000)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	server := &net.UDPAddr{IP: legationAddr.AsSlice(), Port: echo.Port}
	buf := make([]byte, 2048)
	for i := 0; i < udpRounds; i++ {
		want := udpPayload(i)
		if _, err := cli.WriteTo(want, server); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		// No loss on this link: a missing echo is a failure, not a retry.
		cli.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, from, err := cli.ReadFrom(buf)
		if err != nil {
			t.Fatalf("echo %d: %v; %s", i, err, h.report())
		}
		if from.String() != server.String() || !bytes.Equal(buf[:n], want) {
			t.Fatalf("echo %d from %v: %d bytes, want %d from %v", i, from, n, len(want), server)
		}
	}
}
