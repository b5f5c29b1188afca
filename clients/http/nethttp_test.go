package http

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	nethttp "net/http"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/netconn"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

// realEnv is the pair of stacks on a reactor turning on its own goroutine
// on the real clock, so that Go's net/http server can run on the peer
// through netconn; the client under test lives on that reactor and the
// test reaches it through Post, waiting on futures through channels.
type realEnv struct {
	t   *testing.T
	r   *reactor.Reactor
	srv *stack.Stack
	cli *stack.Stack
	c   *Client
}

func newRealEnv(t *testing.T, cfg Config) *realEnv {
	t.Helper()
	devA, devB := loopback.NewPair(loopback.Config{})
	r := reactor.New(reactor.NewRealClock())
	a, err := stack.New(devA, stack.Config{Addr: netip.PrefixFrom(serverAddr, 24)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := stack.New(devB, stack.Config{Addr: netip.PrefixFrom(clientAddr, 24)})
	if err != nil {
		t.Fatal(err)
	}
	a.Spawn(r)
	b.Spawn(r)
	c, err := New(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Spawn(r)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return &realEnv{t: t, r: r, srv: a, cli: b, c: c}
}

// do runs req on the reactor and waits for its result; check runs on the
// reactor goroutine too, while the response's strings are valid.
func (e *realEnv) do(req *Request, check func(resp *Response, err error)) {
	e.t.Helper()
	done := make(chan struct{})
	e.r.Post(func() {
		e.c.Do(req).OnComplete(func(resp *Response, err error) {
			check(resp, err)
			close(done)
		})
	})
	select {
	case <-done:
	case <-time.After(30 * time.Second): // a guard against a hang, not a wait
		e.t.Fatalf("%s %s: no result", req.Method, req.URL)
	}
}

// Go's own net/http server, on the peer stack through netconn: every
// method, bodies both ways by length and chunked, keep-alive reuse counted
// by the server's ConnState hook.
func TestAgainstNetHTTPServer(t *testing.T) {
	e := newRealEnv(t, Config{})
	l, err := netconn.New(e.srv, e.r, netconn.Config{}).Listen("tcp", ":8080")
	if err != nil {
		t.Fatal(err)
	}
	newConns := make(chan struct{}, 100)
	mux := nethttp.NewServeMux()
	mux.HandleFunc("/echo", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		h := sha256.New()
		n, _ := io.Copy(h, r.Body)
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-TE", fmt.Sprint(r.TransferEncoding))
		fmt.Fprintf(w, "%s %d %x %s", r.Method, n, h.Sum(nil), r.Header.Get("X-Test"))
	})
	mux.HandleFunc("/data", func(w nethttp.ResponseWriter, r *nethttp.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		chunked := r.URL.Query().Get("chunked") != ""
		if chunked {
			w.Header().Set("Trailer", "X-Sum")
		} else {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		w.Write(pattern(n))
		if chunked {
			w.Header().Set("X-Sum", sum(pattern(n)))
		}
	})
	hs := &nethttp.Server{Handler: mux, ConnState: func(_ net.Conn, s nethttp.ConnState) {
		if s == nethttp.StateNew {
			newConns <- struct{}{}
		}
	}}
	go hs.Serve(l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
	})

	body := pattern(20000)
	for _, m := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		for _, streamed := range []bool{false, true} {
			req := &Request{Method: m, URL: "http://10.9.0.1:8080/echo", Into: make([]byte, 0, 512),
				Header: []Field{{"X-Test", "hi"}}}
			want := 0
			if m != "GET" && m != "HEAD" {
				want = len(body)
				if streamed {
					src := body
					req.BodyFunc = func(p []byte) (int, bool, error) {
						k := copy(p, src[:min(len(src), 1000)])
						src = src[k:]
						return k, len(src) == 0, nil
					}
				} else {
					req.Body = body
				}
			}
			e.do(req, func(resp *Response, err error) {
				if err != nil {
					t.Errorf("%s streamed=%v: %v", m, streamed, err)
					return
				}
				wantBody := fmt.Sprintf("%s %d %s hi", m, want, sum(body[:want]))
				if m == "HEAD" {
					wantBody = ""
				}
				xm, _ := resp.Header("x-method")
				if resp.Status != 200 || string(resp.Body) != wantBody || xm != m {
					t.Errorf("%s streamed=%v: %d %q (X-Method %q), want %q", m, streamed, resp.Status, resp.Body, xm, wantBody)
				}
				if te, _ := resp.Header("X-TE"); m != "HEAD" && want > 0 && (te == "[chunked]") != streamed {
					t.Errorf("%s streamed=%v: server saw transfer encoding %s", m, streamed, te)
				}
			})
		}
	}
	for _, n := range []int{0, 5, 70000} {
		for _, chunked := range []bool{false, true} {
			u := fmt.Sprintf("http://10.9.0.1:8080/data?n=%d", n)
			if chunked {
				u += "&chunked=1"
			}
			h := sha256.New()
			req := &Request{URL: u, OnData: func(p []byte) error { h.Write(p); return nil }}
			e.do(req, func(resp *Response, err error) {
				tr, _ := resp.Trailer("X-Sum")
				switch {
				case err != nil:
					t.Errorf("%s: %v", u, err)
				case hex.EncodeToString(h.Sum(nil)) != sum(pattern(n)) || resp.BodyLen != int64(n):
					t.Errorf("%s: %d bytes, wrong hash", u, resp.BodyLen)
				case resp.Chunked != chunked:
					t.Errorf("%s: chunked %v", u, resp.Chunked)
				case chunked && tr != sum(pattern(n)):
					t.Errorf("%s: trailer %q", u, tr)
				}
			})
		}
	}
	if n := len(newConns); n != 1 {
		t.Fatalf("server saw %d connections, want 1 kept alive", n)
	}
}
