package websocket

import (
	"encoding/binary"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

// Ten thousand WebSocket connections on one Group: what each costs beyond
// its TCP connection, that keep-alive pings reach all of them and their
// pongs keep them open, and that a Poll with nothing due does not look at
// them (the timer lists are looked at by their heads only).
func TestTenThousandConnections(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 10,000 connections take a few seconds")
	}
	n := 10000
	if raceEnabled {
		n = 2000
	}
	const ring = 256
	cfg := Config{PingInterval: 30 * time.Second, PongTimeout: 10 * time.Second, MaxConns: -1}
	e := newEnv(t, cfg, Handler{}, envOptions{})
	e.l.Close()
	l, err := e.srv.ListenTCP(81, stack.ListenConfig{Backlog: 256, SYNBacklog: 256})
	if err != nil {
		t.Fatal(err)
	}
	var accepted []*tcp.Conn
	l.OnAccept(func() {
		for {
			tc, ok := l.AcceptBuffers(make([]byte, ring), make([]byte, ring))
			if !ok {
				return
			}
			accepted = append(accepted, tc)
		}
	})
	// The clients answer every ping (the server sends nothing else here)
	// with a masked pong, from one shared scratch buffer.
	var scratch [ring]byte
	pong := AppendFrameHeader(nil, FrameHeader{Fin: true, Opcode: OpPong, Masked: true, Mask: [4]byte{1, 2, 3, 4}})
	pings, bad := 0, 0
	var clients []*tcp.Conn
	for len(clients) < n {
		for i := 0; i < 200 && len(clients) < n; i++ {
			c, err := e.cli.DialTCP(netip.AddrPortFrom(srvAddr, 81), tcp.Config{RxBuffer: make([]byte, ring), TxBuffer: make([]byte, ring)})
			if err != nil {
				t.Fatal(err)
			}
			c.OnReadable(func() {
				for {
					k, _ := c.Read(scratch[:])
					if k == 0 {
						return
					}
					for j := 0; j+1 < k; j += 2 {
						if binary.BigEndian.Uint16(scratch[j:]) != 0x8900 {
							bad++
						}
						pings++
						c.Write(pong)
					}
				}
			})
			clients = append(clients, c)
		}
		want := len(clients)
		if !e.run(10*time.Second, func() bool { return len(accepted) == want }) {
			t.Fatalf("%d of %d accepted", len(accepted), want)
		}
	}
	before := heapInUse()
	for _, tc := range accepted {
		e.g.Adopt(e.clk.Now(), tc, nil)
	}
	after := heapInUse()
	t.Logf("%d connections adopted: %.0f B of heap each (the Conn record of %d B and the tcp.Conn's four callbacks)",
		n, float64(after-before)/float64(n), unsafeSizeofConn())
	if per := float64(after-before) / float64(n); per > 400 {
		t.Errorf("%.0f B per connection", per)
	}
	if e.g.Len() != n {
		t.Fatalf("%d in the group", e.g.Len())
	}

	// A Poll with nothing due is O(1): time it among 10,000 connections.
	now := e.clk.Now()
	next := e.g.Poll(now)
	if next <= now || next > now.Add(cfg.PingInterval) {
		t.Fatalf("next deadline %v at %v", next, now)
	}
	const polls = 10000
	start := time.Now()
	for i := 0; i < polls; i++ {
		e.g.Poll(now)
	}
	per := time.Since(start) / polls
	t.Logf("Poll with nothing due among %d connections: %v", n, per)
	if per > 5*time.Microsecond {
		t.Errorf("Poll takes %v with nothing due: does it scan the connections?", per)
	}

	// Three minutes of silence: every connection is pinged every 30 s or
	// so, answers, and stays.
	wall := time.Now()
	e.run(3*time.Minute, func() bool { return false })
	st := e.g.Stats()
	t.Logf("3 min of virtual time in %v: %d pings sent, %d answered; %+v", time.Since(wall).Round(time.Millisecond), st.PingsSent, pings, st)
	if st.PongTimeouts != 0 || e.g.Len() != n || bad != 0 {
		t.Fatalf("connections lost: %+v, %d bad frames", st, bad)
	}
	if st.PingsSent < uint64(5*n) || st.PingsSent > uint64(7*n) || uint64(pings) != st.PingsSent || st.PongsIn != st.PingsSent {
		t.Fatalf("pings sent %d, received %d, pongs %d", st.PingsSent, pings, st.PongsIn)
	}
	runtime.KeepAlive(clients)
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
