package http

import (
	"bytes"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/internal/stacktest"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

var (
	serverAddr = netip.MustParseAddr("10.9.0.1")
	clientAddr = netip.MustParseAddr("10.9.0.2")
)

// env is a server stack (the peer) and a client stack over the in-memory
// link, on one reactor in virtual time, with the client under test on the
// second.
type env struct {
	t   testing.TB
	clk *reactor.VirtualClock
	r   *reactor.Reactor
	srv *stack.Stack
	cli *stack.Stack
	c   *Client
}

func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	return newEnvLink(t, cfg, nil)
}

// newEnvLink is newEnv with the client's device wrapped by wrap (a fault
// injector, say).
func newEnvLink(t testing.TB, cfg Config, wrap func(hal.Device) hal.Device) *env {
	t.Helper()
	p := stacktest.NewPair(t,
		stack.Config{Addr: netip.PrefixFrom(serverAddr, 24), Seed: 1},
		stack.Config{Addr: netip.PrefixFrom(clientAddr, 24), Seed: 2}, wrap)
	e := &env{t: t, clk: p.Clock, r: p.R, srv: p.A, cli: p.B}
	if cfg.TCP.TimeWait == 0 {
		cfg.TCP.TimeWait = -1 // tests open many connections from few ports
	}
	var err error
	e.c, err = New(p.B, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.c.Spawn(p.R)
	return e
}

// do runs req to completion (failing the test after limit of virtual time)
// and returns the future's result.
func (e *env) do(req *Request, limit time.Duration) (*Response, error) {
	e.t.Helper()
	f := e.c.Do(req)
	if !e.r.RunUntil(limit, f.Done) {
		e.t.Fatalf("%s %s: no result within %v", req.Method, req.URL, limit)
	}
	return f.Result()
}

// get does a GET of url gathering up to 1 MiB and fails the test on error.
func (e *env) get(url string) *Response {
	e.t.Helper()
	resp, err := e.do(&Request{URL: url, Into: make([]byte, 0, 1<<20)}, time.Minute)
	if err != nil {
		e.t.Fatalf("GET %s: %v", url, err)
	}
	return resp
}

// httpd starts servers/httpd on the peer at port with routes set by setup.
func (e *env) httpd(port uint16, cfg httpd.Config, setup func(s *httpd.Server)) *httpd.Server {
	e.t.Helper()
	s := httpd.New(e.srv, cfg)
	setup(s)
	if err := s.Listen(port); err != nil {
		e.t.Fatal(err)
	}
	s.Spawn(e.r)
	return s
}

func url(port int, path string) string {
	return "http://" + serverAddr.String() + ":" + strconv.Itoa(port) + path
}

// rawServer is a TCP listener on the peer that reads requests (a head and a
// Content-Length or chunked body) and answers each through a script: the
// test's handler writes canned bytes, closes, resets or stays silent.
type rawServer struct {
	e        *env
	l        *stack.TCPListener
	handle   func(c *rawConn, head string, body []byte)
	accepted int
	conns    []*rawConn
	heads    []string
}

// rawConn is the server's side of one connection.
type rawConn struct {
	s          *rawServer
	c          *tcp.Conn
	in         []byte
	out        []byte
	closeAfter bool
	eof        bool
	requests   int
}

func (e *env) raw(port uint16, handle func(c *rawConn, head string, body []byte)) *rawServer {
	e.t.Helper()
	l, err := e.srv.ListenTCP(port, stack.ListenConfig{Conn: tcp.Config{NoDelay: true, TimeWait: -1}})
	if err != nil {
		e.t.Fatal(err)
	}
	s := &rawServer{e: e, l: l, handle: handle}
	l.OnAccept(func() {
		for {
			c, ok := l.Accept()
			if !ok {
				return
			}
			s.accepted++
			rc := &rawConn{s: s, c: c}
			s.conns = append(s.conns, rc)
			c.OnReadable(rc.readable)
			c.OnWritable(rc.flush)
		}
	})
	return s
}

func (rc *rawConn) readable() {
	var buf [4096]byte
	for {
		n, err := rc.c.Read(buf[:])
		rc.in = append(rc.in, buf[:n]...)
		if n > 0 {
			continue
		}
		if err != nil && err != tcp.ErrWouldBlock && !rc.eof {
			rc.eof = true
		}
		break
	}
	for {
		i := bytes.Index(rc.in, []byte("\r\n\r\n"))
		if i < 0 {
			return
		}
		head := string(rc.in[:i+4])
		rest := rc.in[i+4:]
		var body []byte
		lower := bytes.ToLower([]byte(head))
		if j := bytes.Index(lower, []byte("content-length: ")); j >= 0 {
			n := 0
			for _, ch := range lower[j+16:] {
				if ch < '0' || ch > '9' {
					break
				}
				n = n*10 + int(ch-'0')
			}
			if len(rest) < n {
				return
			}
			body, rest = rest[:n], rest[n:]
		} else if bytes.Contains(lower, []byte("transfer-encoding: chunked")) {
			k := bytes.Index(rest, []byte("0\r\n\r\n"))
			if k < 0 {
				return
			}
			body, rest = dechunk(rest[:k+5]), rest[k+5:]
		}
		rc.in = append([]byte(nil), rest...)
		rc.requests++
		rc.s.heads = append(rc.s.heads, head)
		rc.s.handle(rc, head, body)
	}
}

// dechunk decodes a whole chunked body (test helper: trusts its input).
func dechunk(b []byte) []byte {
	var out []byte
	for {
		i := bytes.Index(b, []byte("\r\n"))
		n, _ := strconv.ParseInt(string(b[:i]), 16, 64)
		b = b[i+2:]
		if n == 0 {
			return out
		}
		out = append(out, b[:n]...)
		b = b[n+2:]
	}
}

// send queues s to the client.
func (rc *rawConn) send(s string) {
	rc.out = append(rc.out, s...)
	rc.flush()
}

// close closes the server's side once everything queued is sent.
func (rc *rawConn) close() {
	rc.closeAfter = true
	rc.flush()
}

func (rc *rawConn) flush() {
	for len(rc.out) > 0 {
		n, _ := rc.c.Write(rc.out)
		if n == 0 {
			return
		}
		rc.out = rc.out[n:]
	}
	if rc.closeAfter && rc.c.State() != tcp.Closed {
		rc.c.Close()
	}
}

// ok answers 200 with body and a Content-Length.
func (rc *rawConn) ok(body string) {
	rc.send("HTTP/1.1 200 OK\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}
