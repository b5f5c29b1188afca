package http

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/udp"
	"golang.org/x/net/dns/dnsmessage"
)

// serveZone answers A queries on the peer's UDP port 53: web.test is the
// peer, anything else NXDOMAIN.
func (e *env) serveZone() {
	sock := e.srv.NewUDPSocket(udp.Config{})
	if err := sock.Bind(netip.AddrPortFrom(netip.Addr{}, 53)); err != nil {
		e.t.Fatal(err)
	}
	sock.OnReadable(func() {
		for {
			from, p, ok := sock.Peek()
			if !ok {
				return
			}
			var m dnsmessage.Message
			if err := m.Unpack(p); err == nil && len(m.Questions) == 1 {
				q := m.Questions[0]
				m.Response, m.Authoritative = true, true
				if strings.EqualFold(q.Name.String(), "web.test.") && q.Type == dnsmessage.TypeA {
					m.Answers = []dnsmessage.Resource{{
						Header: dnsmessage.ResourceHeader{Name: q.Name, Type: q.Type, Class: q.Class, TTL: 60},
						Body:   &dnsmessage.AResource{A: serverAddr.As4()},
					}}
				} else {
					m.RCode = dnsmessage.RCodeNameError
				}
				out, _ := m.Pack()
				sock.Discard()
				sock.SendTo(out, from)
				continue
			}
			sock.Discard()
		}
	})
}

func TestDNS(t *testing.T) {
	e := newEnv(t, Config{})
	e.serveZone()
	res, err := dns.New(e.r, e.cli, dns.Config{Servers: []netip.AddrPort{netip.AddrPortFrom(serverAddr, 53)}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	e.c.cfg.Resolver = res
	s := e.raw(80, func(c *rawConn, head string, body []byte) { c.ok(head) })
	resp := e.get("http://WEB.test/path")
	if !strings.HasPrefix(string(resp.Body), "GET /path HTTP/1.1\r\nHost: WEB.test\r\n") {
		t.Fatalf("%q", resp.Body)
	}
	// The origin's idle connection serves the name again, without a lookup.
	e.get("http://web.test/again")
	if s.accepted != 1 || res.Stats().Lookups != 1 {
		t.Fatalf("%d connections, %d lookups", s.accepted, res.Stats().Lookups)
	}
	_, err = e.do(&Request{URL: "http://nope.test/"}, time.Minute)
	var de DNSError
	if !errors.Is(err, ErrDNS) || !errors.Is(err, dns.ErrNotFound) || !errors.As(err, &de) {
		t.Fatalf("%v", err)
	}
	if err.Error() != "http: DNS lookup failed: "+dns.ErrNotFound.Error() {
		t.Fatalf("%q", err.Error())
	}
	// Without a resolver, names fail at once.
	e.c.cfg.Resolver = nil
	if _, err = e.do(&Request{URL: "http://other.test/"}, time.Minute); !errors.Is(err, ErrNoResolver) {
		t.Fatalf("%v", err)
	}
}

// A request canceled while its lookup is in flight leaves the slot clean
// for the next one, even when the lookup's answer comes later.
func TestCancelDuringLookup(t *testing.T) {
	e := newEnv(t, Config{MaxConns: 1})
	e.serveZone()
	res, err := dns.New(e.r, e.cli, dns.Config{Servers: []netip.AddrPort{netip.AddrPortFrom(serverAddr, 53)}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	e.c.cfg.Resolver = res
	e.raw(80, func(c *rawConn, head string, body []byte) { c.ok("ok") })
	req := &Request{URL: "http://web.test/"}
	f := e.c.Do(req)
	e.r.Step() // the lookup goes out
	e.c.Cancel(req)
	e.r.Step()
	if !f.Done() || !errors.Is(f.Err(), ErrCanceled) {
		t.Fatalf("%v %v", f.Done(), f.Err())
	}
	if resp := e.get("http://10.9.0.1/"); string(resp.Body) != "ok" {
		t.Fatalf("%q", resp.Body)
	}
	e.r.RunFor(time.Second) // the late answer arrives
	if resp := e.get("http://10.9.0.1/"); string(resp.Body) != "ok" || !resp.Reused {
		t.Fatalf("%q", resp.Body)
	}
}

// What Do refuses before sending anything.
func TestRefusedRequests(t *testing.T) {
	e := newEnv(t, Config{})
	for _, tc := range []struct {
		req  Request
		want error
	}{
		{Request{URL: "ftp://10.9.0.1/"}, ErrUnsupportedScheme},
		{Request{URL: "https://10.9.0.1/"}, ErrNoTLS},
		{Request{URL: "10.9.0.1/x"}, ErrBadURL},
		{Request{URL: "http:/10.9.0.1/"}, ErrBadURL},
		{Request{URL: "http://"}, ErrBadURL},
		{Request{URL: "http://user:pw@10.9.0.1/"}, ErrBadURL},
		{Request{URL: "http://10.9.0.1:0/"}, ErrBadURL},
		{Request{URL: "http://10.9.0.1:65536/"}, ErrBadURL},
		{Request{URL: "http://10.9.0.1:8o/"}, ErrBadURL},
		{Request{URL: "http://10.9.0.1/a b"}, ErrBadURL},
		{Request{URL: "http://10.9.0.1/\r\nX: y"}, ErrBadURL},
		{Request{URL: "http://10.9.0.1/caf\xc3\xa9"}, ErrBadURL},
		{Request{URL: "http://exa mple/"}, ErrBadURL},
		{Request{URL: "http://1.2.3/"}, ErrBadURL},
		{Request{URL: "http://[::1/"}, ErrBadURL},
		{Request{URL: "http://" + strings.Repeat("a", 3000) + "/"}, ErrBadURL},
		{Request{Method: "GE T", URL: "http://10.9.0.1/"}, ErrBadMethod},
		{Request{Method: "CONNECT", URL: "http://10.9.0.1/"}, ErrBadMethod},
		{Request{Method: "GET\r\n", URL: "http://10.9.0.1/"}, ErrBadMethod},
		{Request{URL: "http://10.9.0.1/", Header: []Field{{"X", "a\r\nEvil: 1"}}}, ErrBadHeader},
		{Request{URL: "http://10.9.0.1/", Header: []Field{{"X", "a\nb"}}}, ErrBadHeader},
		{Request{URL: "http://10.9.0.1/", Header: []Field{{"X: y", "a"}}}, ErrBadHeader},
		{Request{URL: "http://10.9.0.1/", Header: []Field{{"", "a"}}}, ErrBadHeader},
		{Request{URL: "http://10.9.0.1/", Header: []Field{{"Content-Length", "5"}}}, ErrBadHeader},
		{Request{URL: "http://10.9.0.1/", Header: []Field{{"transfer-encoding", "chunked"}}}, ErrBadHeader},
		{Request{URL: "http://10.9.0.1/", Header: []Field{{"Host", "a"}, {"host", "b"}}}, ErrBadHeader},
	} {
		f := e.c.Do(&tc.req)
		if !f.Done() || !errors.Is(f.Err(), tc.want) {
			t.Errorf("%q %q %v: %v, want %v", tc.req.Method, tc.req.URL, tc.req.Header, f.Err(), tc.want)
		}
	}
	// A request in flight cannot be started again.
	e.raw(80, func(c *rawConn, head string, body []byte) { c.ok("ok") })
	req := &Request{URL: url(80, "/")}
	f := e.c.Do(req)
	if g := e.c.Do(req); !errors.Is(g.Err(), ErrBusy) || g == f {
		t.Fatal("second Do of a request in flight")
	}
	if !e.r.RunUntil(time.Second, f.Done) || f.Err() != nil {
		t.Fatal(f.Err())
	}
}

// The head the client writes: request line, Host (with the port as the
// URL has it), User-Agent, the caller's fields, framing.
func TestRequestHead(t *testing.T) {
	e := newEnv(t, Config{UserAgent: "probe/1"})
	s := e.raw(80, func(c *rawConn, head string, body []byte) { c.ok("") })
	for _, tc := range []struct {
		req  Request
		want string
	}{
		{Request{URL: "http://10.9.0.1"},
			"GET / HTTP/1.1\r\nHost: 10.9.0.1\r\nUser-Agent: probe/1\r\n\r\n"},
		{Request{URL: "http://10.9.0.1:80?q=%20x#frag"},
			"GET /?q=%20x HTTP/1.1\r\nHost: 10.9.0.1:80\r\nUser-Agent: probe/1\r\n\r\n"},
		{Request{Method: "POST", URL: "HTTP://10.9.0.1/a%2Fb?x=1&y"},
			"POST /a%2Fb?x=1&y HTTP/1.1\r\nHost: 10.9.0.1\r\nUser-Agent: probe/1\r\nContent-Length: 0\r\n\r\n"},
		{Request{Method: "PUT", URL: "http://10.9.0.1/p", Body: []byte("abc"),
			Header: []Field{{"Host", "virtual.test"}, {"User-Agent", "mine"}, {"X-A", " spaced "}}},
			"PUT /p HTTP/1.1\r\nHost: virtual.test\r\nUser-Agent: mine\r\nX-A:  spaced \r\nContent-Length: 3\r\n\r\n"},
		{Request{Method: "M-SEARCH", URL: "http://10.9.0.1/", BodyFunc: func(p []byte) (int, bool, error) { return copy(p, "hi"), true, nil }},
			"M-SEARCH / HTTP/1.1\r\nHost: 10.9.0.1\r\nUser-Agent: probe/1\r\nTransfer-Encoding: chunked\r\n\r\n"},
	} {
		if _, err := e.do(&tc.req, time.Minute); err != nil {
			t.Fatal(err)
		}
		if got := s.heads[len(s.heads)-1]; got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.req.URL, got, tc.want)
		}
	}
	e2 := newEnv(t, Config{UserAgent: "-"})
	s2 := e2.raw(80, func(c *rawConn, head string, body []byte) { c.ok("") })
	e2.do(&Request{URL: url(80, "/")}, time.Minute)
	if strings.Contains(s2.heads[0], "User-Agent") {
		t.Fatalf("%q", s2.heads[0])
	}
}

// OnHead sees the head first; errors from OnHead and OnData end the
// request with them; a failed Into leaves the head readable.
func TestCallbacks(t *testing.T) {
	e := newEnv(t, Config{})
	s := e.raw(80, func(c *rawConn, head string, body []byte) { c.ok(strings.Repeat("b", 5000)) })
	var order []string
	req := &Request{URL: url(80, "/"),
		OnHead: func(r *Response) error {
			ct, _ := r.Header("Content-Length")
			order = append(order, "head "+ct)
			return nil
		},
		OnData: func(p []byte) error { order = append(order, "data"); return nil },
	}
	if _, err := e.do(req, time.Minute); err != nil || order[0] != "head 5000" || len(order) < 2 {
		t.Fatalf("%v %v", err, order)
	}
	stop := errors.New("stop")
	if _, err := e.do(&Request{URL: url(80, "/"), OnHead: func(*Response) error { return stop }}, time.Minute); err != stop {
		t.Fatalf("%v", err)
	}
	if _, err := e.do(&Request{URL: url(80, "/"), OnData: func([]byte) error { return stop }}, time.Minute); err != stop {
		t.Fatalf("%v", err)
	}
	resp, err := e.do(&Request{URL: url(80, "/"), Into: make([]byte, 0, 100)}, time.Minute)
	if !errors.Is(err, ErrBodyTooLarge) || resp.Status != 200 || resp.Reason() != "OK" || resp.ContentLength != 5000 {
		t.Fatalf("%v %+v", err, resp)
	}
	// The first connection carried the first two requests; each failure
	// closed its connection, so the next opened another.
	if s.accepted != 3 {
		t.Fatalf("%d connections: a failed exchange must not leave its connection", s.accepted)
	}
}

// The future's callback may start the same request again.
func TestReuseFromCallback(t *testing.T) {
	e := newEnv(t, Config{})
	e.raw(80, func(c *rawConn, head string, body []byte) { c.ok("x") })
	req := &Request{URL: url(80, "/"), Into: make([]byte, 0, 8)}
	n := 0
	var cb func(*Response, error)
	cb = func(resp *Response, err error) {
		if err != nil || string(resp.Body) != "x" {
			t.Errorf("%v %q", err, resp.Body)
		}
		if n++; n < 10 {
			e.c.Do(req).OnComplete(cb)
		}
	}
	e.c.Do(req).OnComplete(cb)
	e.r.RunUntil(time.Minute, func() bool { return n == 10 })
	if n != 10 || e.c.Stats().Dials != 1 {
		t.Fatalf("%d requests, %+v", n, e.c.Stats())
	}
}

func TestCancelAndClose(t *testing.T) {
	e := newEnv(t, Config{MaxConns: 1})
	s := e.raw(80, func(c *rawConn, head string, body []byte) {})
	a, b := &Request{URL: url(80, "/a")}, &Request{URL: url(80, "/b")}
	fa, fb := e.c.Do(a), e.c.Do(b)
	e.r.RunFor(time.Second)
	e.c.Cancel(b) // queued
	e.c.Cancel(a) // in flight
	e.r.RunFor(time.Millisecond)
	if !errors.Is(fa.Err(), ErrCanceled) || !errors.Is(fb.Err(), ErrCanceled) {
		t.Fatalf("%v %v", fa.Err(), fb.Err())
	}
	if s.conns[0].c.Err() == nil {
		e.r.RunFor(time.Second)
	}
	if open, _ := e.c.Conns(); open != 0 || s.conns[0].c.Err() == nil {
		t.Fatal("canceled request's connection not reset")
	}
	fa, fb = e.c.Do(a), e.c.Do(b)
	e.r.RunFor(time.Second)
	e.c.Close()
	if !errors.Is(fa.Err(), ErrClosed) || !errors.Is(fb.Err(), ErrClosed) {
		t.Fatalf("%v %v", fa.Err(), fb.Err())
	}
	if f := e.c.Do(a); !errors.Is(f.Err(), ErrClosed) {
		t.Fatal(f.Err())
	}
	// Close from inside a callback waits for the end of the turn.
	e2 := newEnv(t, Config{})
	e2.raw(80, func(c *rawConn, head string, body []byte) { c.ok("x") })
	other := &Request{URL: url(80, "/")}
	e2.c.Do(&Request{URL: url(80, "/")}).OnComplete(func(*Response, error) { e2.c.Do(other); e2.c.Close() })
	e2.r.RunFor(time.Second)
	if !errors.Is(other.Future().Err(), ErrClosed) {
		t.Fatal(other.Future().Err())
	}
}

// A streamed body that pauses is resumed; one that ends short of its
// length fails.
func TestStreamedBodyPauseAndShort(t *testing.T) {
	e := newEnv(t, Config{})
	e.raw(80, func(c *rawConn, head string, body []byte) { c.ok(string(body)) })
	parts := []string{"abc", "", "def", ""}
	var req *Request
	req = &Request{Method: "POST", URL: url(80, "/"), Into: make([]byte, 0, 64), ContentLength: 6,
		BodyFunc: func(p []byte) (int, bool, error) {
			if len(parts) == 0 {
				return 0, true, nil
			}
			s := parts[0]
			parts = parts[1:]
			if s == "" {
				e.r.Spawn(oneShot(e.r.Now().Add(time.Second), func() { e.c.Resume(req) }))
			}
			return copy(p, s), len(parts) == 0, nil
		}}
	resp, err := e.do(req, time.Minute)
	if err != nil || string(resp.Body) != "abcdef" {
		t.Fatalf("%v %q", err, resp.Body)
	}
	short := &Request{Method: "POST", URL: url(80, "/"), ContentLength: 10,
		BodyFunc: func(p []byte) (int, bool, error) { return copy(p, "abc"), true, nil }}
	if _, err := e.do(short, time.Minute); !errors.Is(err, ErrBodySource) {
		t.Fatalf("%v", err)
	}
	bad := errors.New("disk on fire")
	failing := &Request{Method: "POST", URL: url(80, "/"),
		BodyFunc: func(p []byte) (int, bool, error) { return 0, false, bad }}
	if _, err := e.do(failing, time.Minute); err != bad {
		t.Fatalf("%v", err)
	}
}

// The TLS seam: https goes to the TLSDialer with the URL's host as the
// server name, and a stream's own errors come back wrapped.
func TestTLSDialerSeam(t *testing.T) {
	e := newEnv(t, Config{})
	e.raw(443, func(c *rawConn, head string, body []byte) { c.ok("secure") })
	d := &recordingDialer{inner: &stream.TCP{Host: e.cli, Config: e.c.cfg.TCP}}
	e.c.cfg.TLSDialer = d
	resp := e.get("https://10.9.0.1/x")
	if string(resp.Body) != "secure" || d.names[0] != "10.9.0.1" || d.remotes[0].Port() != 443 {
		t.Fatalf("%q %v %v", resp.Body, d.names, d.remotes)
	}
	// An https origin is not an http one, even on the same port.
	e.raw(8443, func(c *rawConn, head string, body []byte) { c.ok("plain") })
	if resp := e.get("http://10.9.0.1:8443/"); string(resp.Body) != "plain" || len(d.names) != 1 {
		t.Fatalf("%q, %d TLS dials", resp.Body, len(d.names))
	}
	d.err = errors.New("handshake failure")
	_, err := e.do(&Request{URL: "https://10.9.0.1:444/"}, time.Minute)
	var se *StreamError
	if !errors.As(err, &se) || !errors.Is(err, ErrRefused) || !errors.Is(err, d.err) {
		t.Fatalf("%v", err)
	}
}

type recordingDialer struct {
	inner   stream.Dialer
	names   []string
	remotes []netip.AddrPort
	err     error
}

func (d *recordingDialer) Dial(remote netip.AddrPort, name string) (stream.Conn, error) {
	if d.err != nil {
		return nil, d.err
	}
	d.names = append(d.names, name)
	d.remotes = append(d.remotes, remote)
	return d.inner.Dial(remote, name)
}

func TestErrors(t *testing.T) {
	for e := Error(1); e < numErrors; e++ {
		if !strings.HasPrefix(e.Error(), "http: ") || e.Error() == "http: unknown error" {
			t.Errorf("%d: %q", e, e.Error())
		}
	}
	if Error(200).Error() != "http: unknown error" {
		t.Error("unknown error text")
	}
	if !ErrHeaderTimeout.Timeout() || ErrMalformed.Timeout() || errors.Is(ErrHeaderTimeout, ErrTimeout) {
		t.Error("timeouts")
	}
	if !DNSError(dns.ErrTimeout).Timeout() {
		t.Error("DNS timeout")
	}
	var err error = DNSError(dns.ErrNotFound)
	if a := testing.AllocsPerRun(100, func() { err = DNSError(dns.ErrServerFailure); _ = err.Error() }); a != 0 {
		t.Errorf("%v allocations for a DNSError", a)
	}
	_ = reactor.Never
}
