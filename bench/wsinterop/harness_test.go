package wsinterop

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/netconn"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/servers/httpd/websocket"
	"github.com/seed947b3480/legation/servers/httpd/websocket/wstest"
	"github.com/seed947b3480/legation/stack"
)

var (
	clientAddr = netip.MustParseAddr("10.0.0.1")
	serverAddr = netip.MustParseAddr("10.0.0.2")
)

// waitLimit bounds every wait for the peer; the cases take milliseconds.
const waitLimit = 20 * time.Second

// harness is the echo server on one stack and a peer stack joined to it by
// hal/loopback, both turning on one reactor on the real clock on its own
// goroutine; net is the peer stack as the standard library's network.
type harness struct {
	r                   *reactor.Reactor
	srv                 *httpd.Server
	echo                *wstest.Echo
	echoGroup, byeGroup *websocket.Group
	net                 *netconn.Net
}

// startHarness starts the server; opts adjust the groups' configuration.
func startHarness(t *testing.T, opts ...func(*websocket.Config)) *harness {
	t.Helper()
	devA, devB := loopback.NewPair(loopback.Config{})
	r := reactor.New(reactor.NewRealClock())
	peer, err := stack.New(devA, stack.Config{Addr: netip.PrefixFrom(clientAddr, 24)})
	if err != nil {
		t.Fatal(err)
	}
	server, err := stack.New(devB, stack.Config{Addr: netip.PrefixFrom(serverAddr, 24)})
	if err != nil {
		t.Fatal(err)
	}
	peer.Spawn(r)
	server.Spawn(r)
	h := &harness{r: r, echo: wstest.NewEcho(256), net: netconn.New(peer, r, netconn.Config{})}
	// The reactor is not turning yet: setting up from here is safe.
	wcfg := websocket.Config{MaxMessage: wstest.MaxMessage, Clock: server}
	for _, o := range opts {
		o(&wcfg)
	}
	h.echoGroup = websocket.NewGroup(wcfg, h.echo.Handler())
	h.byeGroup = websocket.NewGroup(wcfg, h.echo.ByeHandler())
	h.srv = httpd.New(server, httpd.Config{})
	h.srv.WebSocket("/ws", h.echoGroup)
	h.srv.WebSocket("/bye", h.byeGroup)
	if err := h.srv.Listen(80); err != nil {
		t.Fatal(err)
	}
	h.srv.Spawn(r)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

// do runs fn on the reactor goroutine and waits for it.
func (h *harness) do(fn func()) {
	done := make(chan struct{})
	h.r.Post(func() { fn(); close(done) })
	<-done
}

func (h *harness) stats() (echo, bye websocket.Stats) {
	h.do(func() { echo, bye = h.echoGroup.Stats(), h.byeGroup.Stats() })
	return echo, bye
}

// partFrames reads the echo application's counters.
func (h *harness) partFrames() (frames, backlogged uint64) {
	h.do(func() { frames, backlogged = h.echo.PartFrames, h.echo.Backlogged })
	return frames, backlogged
}

// serverMessage waits for the server's record of the next message.
func (h *harness) serverMessage(t *testing.T) wstest.ServerMessage {
	t.Helper()
	return recv(t, h.echo.Messages, "the server's record of a message")
}

// serverClose waits for the server's OnClose of the next connection.
func (h *harness) serverClose(t *testing.T) wstest.ServerClose {
	t.Helper()
	return recv(t, h.echo.Closes, "the server's OnClose")
}

// waitClosed waits until both groups have released every connection.
func (h *harness) waitClosed(t *testing.T) {
	t.Helper()
	released := func() bool {
		echo, bye := h.echoGroup.Stats(), h.byeGroup.Stats()
		return echo.Open == 0 && bye.Open == 0 && echo.Closed == echo.Adopted && bye.Closed == bye.Adopted
	}
	if !h.waitFor(waitLimit, released) {
		echo, bye := h.stats()
		t.Fatalf("connections not released within %v: echo %+v, bye %+v", waitLimit, echo, bye)
	}
}

// waitFor checks cond on the reactor goroutine every 5 ms of reactor time
// and reports whether it held within limit.
func (h *harness) waitFor(limit time.Duration, cond func() bool) bool {
	ok := make(chan struct{})
	var hd *reactor.Handle
	h.do(func() {
		hd = h.r.Spawn(reactor.TaskFunc(func(now reactor.Instant) reactor.Instant {
			if cond() {
				close(ok)
				hd.Cancel()
				return reactor.Never
			}
			return now.Add(5 * time.Millisecond)
		}))
	})
	select {
	case <-ok:
		return true
	case <-time.After(limit):
		h.do(func() { hd.Cancel() })
		return false
	}
}

// recv waits for the next value on ch.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitLimit):
		t.Fatalf("no %s within %v", what, waitLimit)
		panic("unreachable")
	}
}
