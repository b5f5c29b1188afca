package stack

import (
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
)

// idleBuf is the ring size of each side of the many-connection tests: small,
// so that what the test measures beyond the buffers is not lost in them.
const idleBuf = 256

// manyConns opens n connections from a to a listener on b, accepting each
// with idleBuf rings, and returns both sides once all are established.
func manyConns(tb testing.TB, p *pair, n int) (clients, servers []*tcp.Conn) {
	tb.Helper()
	l, err := p.b.ListenTCP(80, ListenConfig{Backlog: 256, SYNBacklog: 256, Conn: tcp.Config{DelayedAck: -1}})
	if err != nil {
		tb.Fatal(err)
	}
	l.OnAccept(func() {
		for {
			c, ok := l.AcceptBuffers(make([]byte, idleBuf), make([]byte, idleBuf))
			if !ok {
				return
			}
			servers = append(servers, c)
		}
	})
	server := netip.AddrPortFrom(addrB, 80)
	cfg := tcp.Config{DelayedAck: -1}
	for len(clients) < n {
		// Dial in batches the listener's queues hold.
		for i := 0; i < 200 && len(clients) < n; i++ {
			cfg.RxBuffer, cfg.TxBuffer = make([]byte, idleBuf), make([]byte, idleBuf)
			c, err := p.a.DialTCP(server, cfg)
			if err != nil {
				tb.Fatal(err)
			}
			clients = append(clients, c)
		}
		want := len(clients)
		if !p.r.RunUntil(10*time.Second, func() bool { return len(servers) == want }) {
			tb.Fatalf("%d of %d connections accepted; listener %+v", len(servers), want, l.Stats())
		}
	}
	// Let the last ACKs and window updates settle.
	p.r.RunUntil(time.Second, func() bool { return false })
	return clients, servers
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// Ten thousand connections on one reactor: what each costs beyond its
// buffers, that idle ones cost a poll nothing, and that one of them still
// carries data at once.
func TestTCPTenThousandConnections(t *testing.T) {
	const n = 10000
	if testing.Short() {
		t.Skip("-short: 10,000 connections take a few seconds")
	}
	p := newPair(t, Config{})
	before := heapInUse()
	clients, servers := manyConns(t, p, n)
	after := heapInUse()
	conns := 2 * n // both ends live on this heap
	buffers := uint64(conns * 2 * idleBuf)
	per := float64(after-before-buffers) / float64(conns)
	t.Logf("%d connections (both ends): %d B of heap, %d B of it buffers: %.0f B per connection beyond its buffers", conns, after-before, buffers, per)
	if per > 1024 {
		t.Errorf("%.0f B per idle connection beyond its buffers, want under 1 KiB", per)
	}
	for _, s := range []*Stack{p.a, p.b} {
		if s.tcp.run.len() != 0 || s.tcp.timers.top() != reactor.Never {
			t.Fatalf("idle connections still scheduled: %d queued, next timer %v", s.tcp.run.len(), s.tcp.timers.top())
		}
	}
	// One connection among them carries data, and only it is touched.
	c := clients[n/2]
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 16)
	for _, s := range servers {
		s.OnReadable(func() {
			k, _ := s.Read(buf)
			got = append(got, buf[:k]...)
		})
	}
	if !p.r.RunUntil(time.Second, func() bool { return len(got) == 4 }) {
		t.Fatalf("ping not delivered among %d connections", n)
	}
	if string(got) != "ping" {
		t.Fatalf("got %q", got)
	}
	runtime.KeepAlive(clients)
}
