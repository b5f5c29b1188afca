package wsbench

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/servers/httpd/websocket"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

var (
	clientAddr = netip.MustParseAddr("10.0.0.1")
	serverAddr = netip.MustParseAddr("10.0.0.2")
)

const (
	serverPort = 80
	// stallLimit is how much virtual time an op may take before it counts
	// as stalled.
	stallLimit = 10 * time.Second
)

var errStalled = errors.New("stalled: no progress within 10 s of virtual time")

// legationClient is the WebSocket client on a tcp.Conn of the client stack,
// driven by its callbacks: it writes what is left of the current frame
// when the send ring has room and collects the echo when data arrives.
type legationClient struct {
	r        *reactor.Reactor
	clk      *reactor.VirtualClock
	c        *tcp.Conn
	msg      []byte
	frame    []byte // msg, framed and masked
	out      []byte // what is left to write: the upgrade request or a frame
	buf      []byte
	have     int
	upgraded bool
	done     bool
	err      error
	cond     func() bool
	virtNs   int64
}

// startLegation serves /ws with a websocket.Group behind httpd on a
// server stack, and connects a client from a second stack over
// hal/loopback; both stacks and the server run on one reactor with a
// virtual clock, turned by the op.
func startLegation(tb testing.TB, msg []byte) func() error {
	devA, devB := loopback.NewPair(loopback.Config{})
	clk := reactor.NewVirtualClock(0)
	r := reactor.New(clk)
	a, err := stack.New(devA, stack.Config{Addr: netip.PrefixFrom(clientAddr, 24), Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	b, err := stack.New(devB, stack.Config{Addr: netip.PrefixFrom(serverAddr, 24), Seed: 2})
	if err != nil {
		tb.Fatal(err)
	}
	a.Spawn(r)
	b.Spawn(r)
	g := websocket.NewGroup(websocket.Config{}, websocket.Handler{
		OnMessage: func(c *websocket.Conn, text bool, m []byte) { c.Send(text, m) },
	})
	srv := httpd.New(b, httpd.Config{})
	srv.WebSocket("/ws", g)
	if err := srv.Listen(serverPort); err != nil {
		tb.Fatal(err)
	}
	srv.Spawn(r)

	// Nagle off, as Go sets TCP_NODELAY on the kernel client.
	c, err := a.DialTCP(netip.AddrPortFrom(serverAddr, serverPort), tcp.Config{NoDelay: true})
	if err != nil {
		tb.Fatal(err)
	}
	k := &legationClient{r: r, clk: clk, c: c, msg: msg, frame: maskedFrame(msg, maskKey),
		out: upgradeRequest, buf: make([]byte, len(msg)+64)}
	k.cond = k.finished
	c.OnWritable(k.writable)
	c.OnReadable(k.readable)
	c.OnPeerClosed(func() { k.fail(errors.New("the server closed the connection")) })
	if err := k.run(); err != nil {
		tb.Fatalf("upgrade: %v", err)
	}
	if b, ok := tb.(*testing.B); ok {
		k.virtNs = 0
		tb.Cleanup(func() {
			b.ReportMetric(float64(k.virtNs)/float64(max(b.N, 1)), "virtual-ns/op")
		})
	}
	return k.op
}

func (k *legationClient) op() error {
	k.out, k.have, k.done = k.frame, 0, false
	k.writable()
	return k.run()
}

// run turns the reactor until the upgrade or the echo is complete.
func (k *legationClient) run() error {
	start := k.clk.Now()
	ok := k.r.RunUntil(stallLimit, k.cond)
	k.virtNs += int64(k.clk.Now().Sub(start))
	if k.err != nil {
		return k.err
	}
	if !ok {
		return fmt.Errorf("%d bytes left to write, %d read: %w", len(k.out), k.have, errStalled)
	}
	return nil
}

func (k *legationClient) finished() bool { return k.done || k.err != nil }

func (k *legationClient) fail(err error) {
	if k.err == nil {
		k.err = err
	}
}

func (k *legationClient) writable() {
	if len(k.out) == 0 {
		return
	}
	n, _ := k.c.Write(k.out)
	k.out = k.out[n:]
}

func (k *legationClient) readable() {
	for k.have < len(k.buf) {
		n, _ := k.c.Read(k.buf[k.have:])
		if n == 0 {
			break
		}
		k.have += n
	}
	var total int
	var err error
	if k.upgraded {
		total, err = frameLen(k.buf[:k.have], k.msg)
	} else {
		total, err = parseUpgrade(k.buf[:k.have])
	}
	switch {
	case err != nil:
		k.fail(err)
	case total == 0:
	case total != k.have:
		k.fail(errors.New("bytes after the frame"))
	default:
		k.upgraded, k.done = true, true
	}
}
