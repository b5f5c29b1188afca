package httpd

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/stacktest"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
)

var (
	serverAddr = netip.MustParseAddr("10.9.0.1")
	clientAddr = netip.MustParseAddr("10.9.0.2")
)

// testNet is a server stack and a client stack over the in-memory link,
// on one reactor in virtual time.
type testNet struct {
	t        testing.TB
	clk      *reactor.VirtualClock
	r        *reactor.Reactor
	srvStack *stack.Stack
	cli      *stack.Stack
	srv      *Server
}

func newTestNet(t testing.TB, cfg Config) *testNet {
	t.Helper()
	p := stacktest.NewPair(t,
		stack.Config{Addr: netip.PrefixFrom(serverAddr, 24), Seed: 1},
		stack.Config{Addr: netip.PrefixFrom(clientAddr, 24), Seed: 2}, nil)
	return &testNet{t: t, clk: p.Clock, r: p.R, srvStack: p.A, cli: p.B, srv: New(p.A, cfg)}
}

// start listens on port 80 and spawns the server.
func (n *testNet) start() {
	n.t.Helper()
	if err := n.srv.Listen(80); err != nil {
		n.t.Fatal(err)
	}
	n.srv.Spawn(n.r)
}

// client is a raw TCP (or TLS) client that records everything it
// receives.
type client struct {
	n      *testNet
	tc     stream.Conn
	got    bytes.Buffer
	eof    bool
	closed bool
	err    error
	out    []byte
	outBuf []byte
}

func (n *testNet) dial() *client {
	n.t.Helper()
	tc, err := n.cli.DialTCP(netip.AddrPortFrom(serverAddr, 80), tcp.Config{TimeWait: -1})
	if err != nil {
		n.t.Fatal(err)
	}
	return n.attach(tc)
}

// attach makes a client of a stream.
func (n *testNet) attach(tc stream.Conn) *client {
	c := &client{n: n, tc: tc}
	buf := make([]byte, 64<<10)
	tc.OnReadable(func() {
		for {
			k, _ := tc.Read(buf)
			if k == 0 {
				return
			}
			c.got.Write(buf[:k])
		}
	})
	tc.OnWritable(c.push)
	tc.OnPeerClosed(func() {
		for {
			k, _ := tc.Read(buf)
			if k == 0 {
				break
			}
			c.got.Write(buf[:k])
		}
		c.eof = true
		tc.Close() // as curl and browsers do once the server has closed
	})
	tc.OnClosed(func(err error) { c.closed, c.err = true, err })
	return c
}

func (c *client) push() {
	for len(c.out) > 0 {
		k, _ := c.tc.Write(c.out)
		if k == 0 {
			return
		}
		c.out = c.out[k:]
	}
}

// send queues s to the server.
func (c *client) send(s string) {
	if len(c.out) == 0 {
		c.out = c.outBuf[:0] // reuse, so a test of allocations sees the server's only
	}
	c.out = append(c.out, s...)
	c.outBuf = c.out[:0]
	c.push()
}

// run turns the reactor until cond holds, failing after limit.
func (n *testNet) run(limit time.Duration, what string, cond func() bool) {
	n.t.Helper()
	if !n.r.RunUntil(limit, cond) {
		n.t.Fatalf("%s: not within %v", what, limit)
	}
}

// responses counts complete responses in got, assuming Content-Length
// framing.
func (c *client) responses() int {
	return len(splitResponses(c.got.Bytes()))
}

// splitResponses cuts a stream of responses with Content-Length framing.
func splitResponses(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.Index(b, []byte("\r\n\r\n"))
		if i < 0 {
			break
		}
		head := b[:i+4]
		n := 0
		if j := bytes.Index(bytes.ToLower(head), []byte("content-length: ")); j >= 0 {
			for _, ch := range head[j+16:] {
				if ch < '0' || ch > '9' {
					break
				}
				n = n*10 + int(ch-'0')
			}
		}
		if len(b) < i+4+n {
			break
		}
		out = append(out, b[:i+4+n])
		b = b[i+4+n:]
	}
	return out
}

// status returns the status code of a response.
func status(resp []byte) int {
	if len(resp) < 12 {
		return 0
	}
	return int(resp[9]-'0')*100 + int(resp[10]-'0')*10 + int(resp[11]-'0')
}
