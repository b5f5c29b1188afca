package dashboard

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/stacktest"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

var (
	deviceAddr = netip.MustParseAddr("10.9.0.1")
	clientAddr = netip.MustParseAddr("10.9.0.2")
)

// testNet is a device stack with the dashboard and a client stack over the
// in-memory link, on one reactor in virtual time.
type testNet struct {
	t   testing.TB
	clk *reactor.VirtualClock
	r   *reactor.Reactor
	dev *stack.Stack
	cli *stack.Stack
	srv *httpd.Server
	d   *Dashboard
}

func newTestNet(t testing.TB, cfg Config) *testNet {
	t.Helper()
	p := stacktest.NewPair(t, stack.Config{
		Addr:    netip.PrefixFrom(deviceAddr, 24),
		Gateway: clientAddr,
		DNS:     []netip.Addr{clientAddr, netip.MustParseAddr("192.0.2.53")},
		Seed:    1,
	}, stack.Config{Addr: netip.PrefixFrom(clientAddr, 24), Seed: 2}, nil)
	clk, r, a, b := p.Clock, p.R, p.A, p.B
	r.RunFor(time.Millisecond) // the stacks' first poll dates the dashboard's start
	if cfg.Clock == nil {
		cfg.Clock = r
	}
	srv := httpd.New(a, httpd.Config{})
	d := Register(srv, a, cfg)
	if err := srv.Listen(80); err != nil {
		t.Fatal(err)
	}
	srv.Spawn(r)
	return &testNet{t: t, clk: clk, r: r, dev: a, cli: b, srv: srv, d: d}
}

// run turns the reactor until cond holds, failing after limit of virtual
// time.
func (n *testNet) run(limit time.Duration, what string, cond func() bool) {
	n.t.Helper()
	if !n.r.RunUntil(limit, cond) {
		n.t.Fatalf("%s: not within %v", what, limit)
	}
}

// client is a raw TCP client that records everything it receives.
type client struct {
	n   *testNet
	tc  *tcp.Conn
	got bytes.Buffer
	eof bool
	out []byte // out[off:] is still to be sent
	off int
	buf []byte
}

func (n *testNet) dial() *client {
	n.t.Helper()
	tc, err := n.cli.DialTCP(netip.AddrPortFrom(deviceAddr, 80), tcp.Config{TimeWait: -1})
	if err != nil {
		n.t.Fatal(err)
	}
	c := &client{n: n, tc: tc, buf: make([]byte, 64<<10)}
	tc.OnReadable(c.drain)
	tc.OnWritable(c.push)
	tc.OnPeerClosed(func() { c.drain(); c.eof = true })
	return c
}

func (c *client) drain() {
	for {
		k, _ := c.tc.Read(c.buf)
		if k == 0 {
			return
		}
		c.got.Write(c.buf[:k])
	}
}

func (c *client) push() {
	for c.off < len(c.out) {
		k, _ := c.tc.Write(c.out[c.off:])
		if k == 0 {
			return
		}
		c.off += k
	}
	c.out, c.off = c.out[:0], 0
}

func (c *client) send(s string) {
	c.out = append(c.out, s...)
	c.push()
}

// response parses the first complete response in got, or returns nil.
func (c *client) response() (*http.Response, []byte) {
	br := bufio.NewReader(bytes.NewReader(c.got.Bytes()))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, nil
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil
	}
	return resp, body
}

// get sends a request on a fresh connection and returns the response.
func (n *testNet) get(target string, headers ...string) (*http.Response, []byte) {
	n.t.Helper()
	c := n.dial()
	req := "GET " + target + " HTTP/1.1\r\nHost: device\r\n"
	for _, h := range headers {
		req += h + "\r\n"
	}
	c.send(req + "\r\n")
	var resp *http.Response
	var body []byte
	n.run(5*time.Second, "response to "+target, func() bool {
		resp, body = c.response()
		return resp != nil
	})
	return resp, body
}

// getJSON fetches target and decodes its JSON body into v.
func (n *testNet) getJSON(target string, v any) {
	n.t.Helper()
	resp, body := n.get(target)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		n.t.Fatalf("%s: %s %q\n%s", target, resp.Status, resp.Header.Get("Content-Type"), body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		n.t.Fatalf("%s: %v\n%s", target, err, body)
	}
}
