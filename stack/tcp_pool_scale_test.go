package stack

import (
	"net/netip"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
)

// Ten thousand idle keep-alive connections accepted through a listener
// with a Pool, dialled with one too, hold no buffer: each costs its
// record, its entry in the stack and its slot in the table, and nothing
// is allocated for buffers at Accept. One of them then carries a request
// and a response on buffers borrowed for the exchange and given back.
func TestTCPTenThousandPooledConnections(t *testing.T) {
	const n = 10000
	if testing.Short() {
		t.Skip("-short: 10,000 connections take a few seconds")
	}
	p := newPair(t, Config{})
	serverPool, clientPool := tcp.NewBufferPool(16<<10, 64), tcp.NewBufferPool(16<<10, 64)
	l, err := p.b.ListenTCP(80, ListenConfig{Backlog: 256, SYNBacklog: 256, Pool: serverPool, Conn: tcp.Config{DelayedAck: -1}})
	if err != nil {
		t.Fatal(err)
	}
	// The test's own lists are made before measuring.
	clients, servers := make([]*tcp.Conn, 0, n), make([]*tcp.Conn, 0, n)
	l.OnAccept(func() {
		for {
			c, ok := l.Accept()
			if !ok {
				return
			}
			servers = append(servers, c)
		}
	})
	server := netip.AddrPortFrom(addrB, 80)
	cfg := tcp.Config{DelayedAck: -1, Pool: clientPool}

	before := heapInUse()
	for len(clients) < n {
		for i := 0; i < 200 && len(clients) < n; i++ {
			c, err := p.a.DialTCP(server, cfg)
			if err != nil {
				t.Fatal(err)
			}
			clients = append(clients, c)
		}
		want := len(clients)
		if !p.r.RunUntil(10*time.Second, func() bool { return len(servers) == want }) {
			t.Fatalf("%d of %d connections accepted; listener %+v", len(servers), want, l.Stats())
		}
	}
	p.r.RunUntil(time.Second, func() bool { return false })
	after := heapInUse()

	conns := 2 * n // both ends live on this heap, both pooled
	per := float64(after-before) / float64(conns)
	t.Logf("%d idle pooled connections (both ends): %d B of heap, %.0f B per connection "+
		"(tcp.Conn %d B, stack entry %d B, the rest the stack's table of connections); pools made %d and %d buffers",
		conns, after-before, per, unsafe.Sizeof(tcp.Conn{}), unsafe.Sizeof(tcpEntry{}), serverPool.Stats().Made, clientPool.Stats().Made)
	if per > 1100 {
		t.Errorf("%.0f B per idle pooled connection, want at most 1,100", per)
	}
	for _, pool := range []*tcp.BufferPool{serverPool, clientPool} {
		if st := pool.Stats(); st.Made != 0 {
			t.Fatalf("idle connections made buffers: %+v", st)
		}
	}
	for _, s := range []*Stack{p.a, p.b} {
		if s.tcp.run.len() != 0 || s.tcp.timers.top() != reactor.Never {
			t.Fatalf("idle connections still scheduled: %d queued, next timer %v", s.tcp.run.len(), s.tcp.timers.top())
		}
	}

	// A request and its response on one of them.
	c := clients[n/2]
	local, _ := c.Tuple()
	var srv *tcp.Conn
	for _, s := range servers {
		if _, remote := s.Tuple(); remote == local {
			srv = s
		}
	}
	if srv == nil {
		t.Fatal("no server side for the client")
	}
	var req, resp []byte
	buf := make([]byte, 64)
	srv.OnReadable(func() {
		k, _ := srv.Read(buf)
		req = append(req, buf[:k]...)
		if string(req) == "ping" {
			srv.Write([]byte("pong"))
		}
	})
	c.OnReadable(func() {
		k, _ := c.Read(buf)
		resp = append(resp, buf[:k]...)
	})
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if !p.r.RunUntil(time.Second, func() bool {
		return string(resp) == "pong" && serverPool.Stats().Lent == 0 && clientPool.Stats().Lent == 0
	}) {
		t.Fatalf("got %q; pools %+v %+v", resp, serverPool.Stats(), clientPool.Stats())
	}
	for _, pool := range []*tcp.BufferPool{serverPool, clientPool} {
		if st := pool.Stats(); st.Made != 1 || st.Lends != 2 {
			t.Fatalf("pool %+v, want one buffer made and lent twice (receive, then send)", st)
		}
	}
	runtime.KeepAlive(clients)
	runtime.KeepAlive(servers)
}

// A connection refused a send buffer by an exhausted pool is woken by the
// stack when another connection's buffer comes back, and its OnWritable
// sends what it could not before.
func TestTCPPoolWaiterWoken(t *testing.T) {
	p := newPair(t, Config{})
	pool := tcp.NewBufferPool(4096, 1)
	l, err := p.b.ListenTCP(80, ListenConfig{Pool: pool})
	if err != nil {
		t.Fatal(err)
	}
	var servers []*tcp.Conn
	l.OnAccept(func() {
		for c, ok := l.Accept(); ok; c, ok = l.Accept() {
			servers = append(servers, c)
		}
	})
	var clients [2]*tcp.Conn
	var got [2][]byte
	for i := range clients {
		c, err := p.a.DialTCP(netip.AddrPortFrom(addrB, 80), tcp.Config{})
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 1024)
		c.OnReadable(func() {
			for {
				n, _ := c.Read(buf)
				if n == 0 {
					return
				}
				got[i] = append(got[i], buf[:n]...)
			}
		})
		clients[i] = c
		if !p.r.RunUntil(time.Second, func() bool { return len(servers) == i+1 }) {
			t.Fatal("not accepted")
		}
	}
	big := make([]byte, 4000)
	for i := range big {
		big[i] = byte(i)
	}
	if n, err := servers[0].Write(big); n != len(big) || err != nil {
		t.Fatalf("write %d, %v", n, err)
	}
	if _, err := servers[1].Write([]byte("hello")); err != tcp.ErrWouldBlock {
		t.Fatalf("write with the pool exhausted: %v", err)
	}
	servers[1].OnWritable(func() {
		if len(got[1]) == 0 && servers[1].SendQueued() == 0 {
			servers[1].Write([]byte("hello"))
		}
	})
	if !p.r.RunUntil(time.Second, func() bool {
		return len(got[0]) == len(big) && string(got[1]) == "hello" && pool.Stats().Lent == 0
	}) {
		t.Fatalf("got %d and %q; pool %+v", len(got[0]), got[1], pool.Stats())
	}
	if string(got[0]) != string(big) {
		t.Fatal("data differ")
	}
	if st := pool.Stats(); st.Made != 1 || st.Misses != 1 || st.Waiting != 0 {
		t.Fatalf("pool %+v, want one buffer, one miss, nobody waiting", st)
	}
}
