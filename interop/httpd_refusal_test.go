package interop

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/stack"
)

// Every refusal of servers/httpd, each request written byte for byte from
// a kernel TCP socket in the namespace, where curl would not send it: the
// status, the Connection: close and a clean close (FIN, not reset) after
// the answer; or, for 404 and 405 on a request without a body, the
// connection kept for the next request.
func TestHTTPDRefusals(t *testing.T) {
	ns, d, hs, pool := httpdSetup(t)
	addr := httpdAddr + ":80"
	start := time.Now()

	chunked := func(n int) string {
		body := strings.Repeat("x", n)
		return fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", n, body)
	}
	manyFields := ""
	for i := range 40 {
		manyFields += fmt.Sprintf("X-Field-%d: %d\r\n", i, i)
	}
	for _, c := range []struct {
		name, req string
		status    int
		keep      bool // the connection stays open for the next request
		allow     string
	}{
		{name: "no-host", req: "GET /hello HTTP/1.1\r\n\r\n", status: 400},
		{name: "two-hosts", req: "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", status: 400},
		{name: "bad-chunk-size", req: "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", status: 400},
		{name: "bad-chunk-size-streamed", req: "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n-1\r\nabc\r\n0\r\n\r\n", status: 400},
		{name: "length-and-chunked", req: "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", status: 400},
		{name: "duplicate-length", req: "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", status: 400},
		{name: "length-list", req: "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc", status: 400},
		{name: "space-before-colon", req: "GET /hello HTTP/1.1\r\nHost : x\r\n\r\n", status: 400},
		{name: "bare-lf", req: "GET /hello HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", status: 400},
		{name: "bare-lf-only", req: "GET /hello HTTP/1.1\nHost: x\n\n", status: 400},
		{name: "not-found", req: "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", status: 404, keep: true},
		{name: "method", req: "DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n", status: 405, keep: true, allow: "GET, HEAD, OPTIONS"},
		// The body of a request refused by route is not read: its end
		// is not worth finding, so the connection closes.
		{name: "method-with-body", req: "POST /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", status: 405, allow: "GET, HEAD, OPTIONS"},
		{name: "length-over-buffer", req: "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", status: 413},
		{name: "length-over-max-body", req: "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n", status: 413},
		{name: "chunked-over-buffer", req: "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(8000), status: 413},
		{name: "uri-too-long", req: "GET /" + strings.Repeat("a", 3000) + " HTTP/1.1\r\nHost: x\r\n\r\n", status: 414},
		{name: "request-line-fills-buffer", req: "GET /" + strings.Repeat("a", 5000), status: 414},
		{name: "too-many-fields", req: "GET /hello HTTP/1.1\r\nHost: x\r\n" + manyFields + "\r\n", status: 431},
		{name: "head-over-buffer", req: "GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("b", 5000) + "\r\n\r\n", status: 431},
		{name: "unknown-coding", req: "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", status: 501},
		{name: "coding-list", req: "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", status: 501},
		{name: "version", req: "GET /hello HTTP/2.0\r\nHost: x\r\n\r\n", status: 505},
		{name: "expectation", req: "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx", status: 417},
	} {
		t.Run(fmt.Sprint(c.status, "-", c.name), func(t *testing.T) {
			rc := dialRaw(t, ns, addr)
			rc.send(c.req)
			method, _, _ := strings.Cut(c.req, " ")
			resp, body := rc.response(method)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d %q, want %d", resp.StatusCode, body, c.status)
			}
			if c.allow != "" && resp.Header.Get("Allow") != c.allow {
				t.Fatalf("Allow %q, want %q", resp.Header.Get("Allow"), c.allow)
			}
			if c.keep {
				if resp.Close {
					t.Fatalf("%d closes the connection: %v", c.status, resp.Header)
				}
				rc.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
				if resp, body := rc.response("GET"); resp.StatusCode != 200 || string(body) != httpdHello {
					t.Fatalf("next request on the connection: %d %q", resp.StatusCode, body)
				}
				return
			}
			if !resp.Close {
				t.Fatalf("%d without Connection: close: %v", c.status, resp.Header)
			}
			rc.expectEOF()
		})
	}

	t.Run("408-head-timeout", func(t *testing.T) {
		before := hs.stats()
		rc := dialRaw(t, ns, addr)
		sent := time.Now()
		rc.send("GET /hello HTTP/1.1\r\nHost: x\r\n")
		resp, _ := rc.response("GET")
		el := time.Since(sent)
		if resp.StatusCode != 408 || !resp.Close {
			t.Fatalf("%d %v", resp.StatusCode, resp.Header)
		}
		rc.expectEOF()
		// HeaderTimeout is 2 s; the reactor's timers are not late by
		// more than a little.
		if el < 2*time.Second || el > 3500*time.Millisecond {
			t.Fatalf("408 after %v, want 2 s", el)
		}
		if st := hs.stats(); st.TimedOut != before.TimedOut+1 {
			t.Fatalf("TimedOut %d -> %d", before.TimedOut, st.TimedOut)
		}
		t.Logf("408 after %v", el.Round(time.Millisecond))
	})

	t.Run("503-max-conns", func(t *testing.T) {
		small := startHTTPD(t, d, 8081, httpd.Config{MaxConns: 2, Listen: stack.ListenConfig{Pool: pool}})
		addr := httpdAddr + ":8081"
		a, b := dialRaw(t, ns, addr), dialRaw(t, ns, addr)
		if !d.waitFor(10*time.Second, func() bool { return small.srv.Stats().Conns == 2 }) {
			t.Fatalf("server holds %+v, want 2 connections", small.stats())
		}
		c := dialRaw(t, ns, addr)
		c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, _ := c.response("GET")
		if resp.StatusCode != 503 || !resp.Close {
			t.Fatalf("third connection: %d %v", resp.StatusCode, resp.Header)
		}
		c.expectEOF()
		if st := small.stats(); st.Overflow != 1 || st.Accepted != 3 {
			t.Fatalf("%+v; want 3 accepted, 1 overflow", st)
		}
		// The two within the limit are served.
		for _, rc := range []*rawConn{a, b} {
			rc.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
			if resp, body := rc.response("GET"); resp.StatusCode != 200 || string(body) != httpdHello {
				t.Fatalf("connection within the limit: %d %q", resp.StatusCode, body)
			}
		}
		// Once one goes, a new one is served.
		c.c.Close()
		b.c.Close()
		if !d.waitFor(10*time.Second, func() bool { return small.srv.Stats().Conns == 1 }) {
			t.Fatalf("server holds %+v, want 1 connection", small.stats())
		}
		e := dialRaw(t, ns, addr)
		e.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, body := e.response("GET"); resp.StatusCode != 200 || string(body) != httpdHello {
			t.Fatalf("after a connection closed: %d %q", resp.StatusCode, body)
		}
		t.Logf("small server: %+v", small.stats())
	})

	st := hs.stats()
	t.Logf("TestHTTPDRefusals: %v; server %+v; pool %+v", time.Since(start).Round(time.Millisecond), st, poolStats(d, pool))
	if st.Active != 0 {
		t.Errorf("request buffers still lent: %+v", st)
	}
}
