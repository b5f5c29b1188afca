package stack

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/fault"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
)

// tcpEchoServer accepts connections on port and writes back what it reads.
func tcpEchoServer(t testing.TB, s *Stack, port uint16) *TCPListener {
	l, err := s.ListenTCP(port, ListenConfig{})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	l.OnAccept(func() {
		for {
			c, ok := l.Accept()
			if !ok {
				return
			}
			peerDone := false
			pump := func() {
				for {
					n, err := c.Read(buf[:min(len(buf), writeRoom(c))])
					if n == 0 || err != nil {
						break
					}
					if w, _ := c.Write(buf[:n]); w != n {
						t.Errorf("echo wrote %d of %d", w, n)
					}
				}
				// Close once everything the peer sent has been echoed:
				// closing with unread data would reset the connection.
				if peerDone && c.Buffered() == 0 {
					c.Close()
				}
			}
			c.OnReadable(pump)
			c.OnWritable(pump)
			c.OnPeerClosed(func() { peerDone = true; pump() })
			pump()
		}
	})
	return l
}

// writeRoom is how much an echo may read so that its write cannot fail.
func writeRoom(c *tcp.Conn) int {
	first, second, err := c.WriteLease()
	if err != nil {
		return 0
	}
	return len(first) + len(second)
}

// transfer sends data over a fresh connection to the echo service and
// returns what came back.
func transfer(t *testing.T, r *reactor.Reactor, cli *Stack, server netip.AddrPort, data []byte, limit time.Duration) []byte {
	t.Helper()
	c, err := cli.DialTCP(server, tcp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var got []byte
	sent := 0
	buf := make([]byte, 4096)
	push := func() {
		for sent < len(data) {
			n, _ := c.Write(data[sent:])
			if n == 0 {
				return
			}
			sent += n
		}
		c.CloseWrite()
	}
	pull := func() {
		for {
			n, _ := c.Read(buf)
			if n == 0 {
				return
			}
			got = append(got, buf[:n]...)
		}
	}
	c.ConnectFuture().OnComplete(func(_ struct{}, err error) {
		if err != nil {
			t.Errorf("connect: %v", err)
			return
		}
		push()
	})
	c.OnWritable(push)
	c.OnReadable(pull)
	done := false
	c.OnPeerClosed(func() { pull(); done = true; c.Close() })
	if !r.RunUntil(limit, func() bool { return done }) {
		t.Fatalf("transfer incomplete: sent %d, got %d of %d; state %v err %v", sent, len(got), len(data), c.State(), c.Err())
	}
	return got
}

// Two stacks over the in-memory link, in virtual time: 1 MiB through the
// TCP echo service arrives intact, over a clean link and over one that
// loses, duplicates and reorders frames.
func TestTCPEchoBetweenStacks(t *testing.T) {
	data := make([]byte, 1<<20)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	want := sha256.Sum256(data)
	for _, loss := range []float64{0, 0.01, 0.05} {
		devA, devB := loopback.NewPair(loopback.Config{})
		faulty := fault.New(devA, fault.Config{Loss: loss, Duplicate: loss / 5, Reorder: loss, Delay: time.Millisecond, Seed: 9})
		clk := reactor.NewVirtualClock(0)
		r := reactor.New(clk)
		a, _ := New(faulty, Config{Addr: netip.PrefixFrom(addrA, 24), Seed: 1})
		b, _ := New(devB, Config{Addr: netip.PrefixFrom(addrB, 24), Seed: 2})
		a.Spawn(r)
		b.Spawn(r)
		tcpEchoServer(t, b, 7)
		start := clk.Now()
		got := transfer(t, r, a, netip.AddrPortFrom(addrB, 7), data, 10*time.Minute)
		if sha256.Sum256(got) != want || !bytes.Equal(got, data) {
			t.Fatalf("loss %v: echo differs (%d bytes back)", loss, len(got))
		}
		el := clk.Now().Sub(start)
		t.Logf("loss %4.1f%%: 1 MiB echoed in %v of virtual time (%.1f Mbit/s each way); A %+v", loss*100, el,
			float64(len(data)*8)/el.Seconds()/1e6, a.Counters().Drops)
	}
}
