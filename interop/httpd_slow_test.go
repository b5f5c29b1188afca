package interop

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
	"golang.org/x/sys/unix"
)

// Slowloris against servers/httpd: 1,000 kernel connections each send one
// byte of a request head per second, and every one the server evicts (408)
// connects again at once, so a thousand heads are always trickling in. A
// new client must still be served: curl fetches /hello several times
// while they trickle, each within a few seconds. The server has room for
// all the connections (MaxConns 1,200) but only its default 16 request
// buffers, so what protects the new client is the eviction of the slowest
// head.
func TestHTTPDSlowClients(t *testing.T) {
	requireCurl(t)
	const (
		slowClients = 1000
		fetches     = 5
		fetchLimit  = 5 * time.Second
	)
	ns, d := tcpKernelSetup(t, nil)
	pool := tcp.NewBufferPool(16<<10, 1024)
	hs := startHTTPD(t, d, 80, httpd.Config{MaxConns: 1200, Listen: stack.ListenConfig{Pool: pool}})
	start := time.Now()

	// Each eviction leaves the server's side in TIME-WAIT (it closes
	// first), and the kernel, walking its ephemeral ports for one source
	// address, comes back to ports still in TIME-WAIT there after some
	// 5,700 connections: such a SYN draws a challenge ACK, the kernel
	// answers with a reset and sends its SYN again, and when the stack
	// reads both in one batch the closed connection refuses the SYN
	// (stack/tcp.go receiveTCP; see the report). The slow clients come
	// from addresses of their own, as from many attacking hosts, so that
	// neither they nor curl meet that within the test.
	var sources []netip.Addr
	for i := range slowSources {
		a := netip.AddrFrom4([4]byte{10, 77, 0, byte(11 + i)})
		ns.Run(t, "ip", "addr", "add", a.String()+"/24", "dev", "tap0")
		sources = append(sources, a)
	}
	sl := newSlowloris(t, ns, httpdAddr+":80", sources, slowClients)
	defer sl.stop()
	// Every client connects once in the first second (they are spread
	// over it) and then trickles.
	timeout := time.After(10 * time.Second)
	for i := range slowClients {
		select {
		case <-sl.connected:
		case <-timeout:
			t.Fatalf("only %d of %d slow clients connected within 10 s (%d dial errors)", i, slowClients, sl.dialErrors.Load())
		}
	}
	t.Logf("%d slow clients connected after %v", slowClients, time.Since(start).Round(time.Millisecond))

	// One trickle period between fetches, so each meets a fresh round
	// of slow bytes: the peers' pace, real time.
	pace := time.NewTicker(time.Second)
	defer pace.Stop()
	var first httpd.Stats
	for i := range fetches {
		<-pace.C
		live := sl.live.Load()
		out, _, took := runCurl(t, ns, "-sS", "--max-time", "30", "-o", "/dev/null",
			"-w", "%{http_code} %{time_connect} %{time_starttransfer}", httpdURL("/hello"))
		f := strings.Fields(string(out))
		if len(f) != 3 || f[0] != "200" || took > fetchLimit {
			t.Fatalf("fetch %d with %d slow clients connected: curl printed %q after %v; want 200 within %v (server %+v)",
				i, live, out, took, fetchLimit, hs.stats())
		}
		t.Logf("fetch %d: 200 in %v (connect %ss, first byte %ss) with %d slow clients connected",
			i, took.Round(time.Millisecond), f[1], f[2], live)
		if i == 0 {
			first = hs.stats()
		}
	}

	st := hs.stats()
	// The attack went on while curl fetched: heads were evicted all
	// along (about one per slow client per second when the machine
	// keeps up).
	if during := st.Evicted - first.Evicted; during < slowClients/2 {
		t.Fatalf("only %d heads evicted while curl fetched: the slow clients did not keep the buffers busy (server %+v)", during, st)
	} else {
		t.Logf("%d heads evicted while curl fetched", during)
	}
	sl.stop()
	t.Logf("server %+v", st)
	t.Logf("slow clients: %d connections made, %d answered 408, %d answered otherwise, %d closed without answer, %d dial errors",
		sl.dials.Load(), sl.got408.Load(), sl.gotOther.Load(), sl.gotNothing.Load(), sl.dialErrors.Load())
	t.Logf("pool %+v; listener %+v; %v in all", poolStats(d, pool), listenerStats(d, hs), time.Since(start).Round(time.Millisecond))
	if st.Evicted == 0 || sl.got408.Load() == 0 {
		t.Fatalf("no slow head was evicted (server %+v, %d 408s seen)", st, sl.got408.Load())
	}
	if st.Overflow != 0 || sl.gotOther.Load() != 0 {
		t.Fatalf("slow clients met other refusals than 408: server %+v, %d other answers", st, sl.gotOther.Load())
	}
}

func listenerStats(d *device, hs *httpdServer) tcp.ListenerStats {
	var st tcp.ListenerStats
	d.do(func() { st = hs.srv.Listener().Stats() })
	return st
}

// slowloris runs the slow clients: each connects, sends one byte of an
// endless request head per second, and when the server answers or closes,
// connects again.
type slowloris struct {
	t      *testing.T
	addr   string
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	dial   chan chan net.Conn
	// connected gets one value per client, when it first connects.
	connected chan struct{}

	live, dials, dialErrors, got408, gotOther, gotNothing atomic.Int64
}

// slowHead is what a slow client sends, a byte a second; it never ends.
const slowHead = "GET /hello HTTP/1.1\r\nHost: 10.77.0.2\r\nUser-Agent: slowloris\r\nX-Padding: "

// slowDialers open the slow clients' sockets: a socket belongs to the
// namespace of the thread that made it, so dialing is done by a few
// goroutines that stay inside the namespace.
const slowDialers = 32

// slowSources is how many source addresses the slow clients use.
const slowSources = 4

func newSlowloris(t *testing.T, ns *netnstest.NS, addr string, sources []netip.Addr, n int) *slowloris {
	ctx, cancel := context.WithCancel(context.Background())
	sl := &slowloris{t: t, addr: addr, ctx: ctx, cancel: cancel, dial: make(chan chan net.Conn),
		connected: make(chan struct{}, n)}
	for i := range slowDialers {
		sl.wg.Add(1)
		go func() {
			defer sl.wg.Done()
			err := netnstest.Enter(ns.Name, func() {
				dialer := net.Dialer{Timeout: 5 * time.Second}
				if len(sources) > 0 {
					dialer.LocalAddr = &net.TCPAddr{IP: sources[i%len(sources)].AsSlice()}
					// Let connect pick the port, walking the range for
					// this address as it does without a bind, rather
					// than bind picking one at random (which soon meets
					// a port the server still has in TIME-WAIT).
					dialer.Control = func(_, _ string, rc syscall.RawConn) error {
						var serr error
						err := rc.Control(func(fd uintptr) {
							serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
						})
						return errors.Join(err, serr)
					}
				}
				for {
					select {
					case <-ctx.Done():
						return
					case reply := <-sl.dial:
						c, err := dialer.DialContext(ctx, "tcp4", addr)
						if err != nil {
							if ctx.Err() == nil && sl.dialErrors.Add(1) <= 3 {
								t.Logf("slow client dial: %v", err)
							}
							c = nil
						}
						reply <- c
					}
				}
			})
			if err != nil {
				t.Errorf("entering %s: %v", ns.Name, err)
			}
		}()
	}
	for i := range n {
		sl.wg.Add(1)
		go sl.client(time.Duration(i) * time.Second / time.Duration(n))
	}
	return sl
}

// stop ends every client and waits for them.
func (sl *slowloris) stop() {
	sl.cancel()
	sl.wg.Wait()
}

// connect asks a dialer for a connection; nil if none came.
func (sl *slowloris) connect() net.Conn {
	reply := make(chan net.Conn, 1)
	select {
	case sl.dial <- reply:
	case <-sl.ctx.Done():
		return nil
	}
	select {
	case c := <-reply:
		return c
	case <-sl.ctx.Done():
		go func() { // the dialer still answers; do not leak its socket
			if c := <-reply; c != nil {
				c.Close()
			}
		}()
		return nil
	}
}

// client is one slow client; it starts after offset, so that the clients'
// bytes are spread over each second rather than sent in one burst.
func (sl *slowloris) client(offset time.Duration) {
	defer sl.wg.Done()
	select {
	case <-time.After(offset):
	case <-sl.ctx.Done():
		return
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	first := true
	for sl.ctx.Err() == nil {
		c := sl.connect()
		if c == nil {
			select { // dial failed: try again on the next tick
			case <-tick.C:
				continue
			case <-sl.ctx.Done():
				return
			}
		}
		sl.dials.Add(1)
		if first {
			sl.connected <- struct{}{}
			first = false
		}
		sl.live.Add(1)
		sl.trickle(c, tick)
		sl.live.Add(-1)
	}
}

// trickle sends c a byte per tick until the server answers or closes, or
// the test ends; then it closes c.
func (sl *slowloris) trickle(c net.Conn, tick *time.Ticker) {
	var closing atomic.Bool
	answered := make(chan struct{})
	go func() {
		defer close(answered)
		line, err := bufio.NewReader(c).ReadString('\n')
		switch {
		case strings.HasPrefix(line, "HTTP/1.1 408 "):
			sl.got408.Add(1)
		case line != "":
			sl.gotOther.Add(1)
			sl.t.Logf("slow client answered %q", line)
		case err != nil && !closing.Load():
			sl.gotNothing.Add(1)
		}
	}()
	defer func() {
		closing.Store(true)
		c.Close() // ends the reader if the server said nothing
		<-answered
	}()
	for i := 0; ; i++ {
		select {
		case <-sl.ctx.Done():
			return
		case <-answered:
			return
		case <-tick.C:
		}
		b := byte('a' + i%26)
		if i < len(slowHead) {
			b = slowHead[i]
		}
		c.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := c.Write([]byte{b}); err != nil {
			return
		}
	}
}
