package interop

import (
	"fmt"
	"testing"
	"time"

	lhttp "github.com/seed947b3480/legation/clients/http"
)

// Keep-alive as the server counts it: sequential requests share one
// connection (net/http's StateNew count grows by one), concurrent ones
// open no more than the per-host limit, a server's Connection: close and
// a server that closes idle connections behind the client's back are
// handled without a failed request, and bodiless answers (HEAD, 204, 304)
// leave the connection reusable.
func TestHTTPClientKeepAlive(t *testing.T) {
	env := hcSetup(t)
	srv := env.srv

	t.Run("sequential", func(t *testing.T) {
		hc := hcNewClient(t, env.d, lhttp.Config{})
		before := srv.newConns.Load()
		const n = 50
		for i := range n {
			r := hc.fetch(t, &lhttp.Request{URL: srv.url("/hello"), Into: make([]byte, 0, 64)})
			if r.err != nil || r.status != 200 || r.n != int64(len(hcHello)) || r.reused != (i > 0) {
				t.Fatalf("request %d: %v, status %d, %d bytes, reused %v", i, r.err, r.status, r.n, r.reused)
			}
		}
		if got := srv.newConns.Load() - before; got != 1 {
			t.Fatalf("%d sequential requests: the server accepted %d connections, want 1", n, got)
		}
		if st := hc.stats(); st.Dials != 1 || st.Reused != n-1 || st.Completed != n {
			t.Fatalf("client stats %+v", st)
		}
	})

	t.Run("disabled", func(t *testing.T) {
		// DisableKeepAlives, or a request's own Connection: close: one
		// connection per request, and the server is told so.
		hc := hcNewClient(t, env.d, lhttp.Config{DisableKeepAlives: true})
		plain := hcNewClient(t, env.d, lhttp.Config{})
		before := srv.newConns.Load()
		for i := range 3 {
			r := hc.fetch(t, &lhttp.Request{URL: srv.url("/echo")})
			if r.err != nil || r.status != 200 || r.reused || r.header.Get("X-Echo-Connection") != "close" {
				t.Fatalf("request %d: %v, status %d, reused %v, Connection %q", i, r.err, r.status, r.reused, r.header.Get("X-Echo-Connection"))
			}
			r = plain.fetch(t, &lhttp.Request{URL: srv.url("/echo"), Header: []lhttp.Field{{Name: "Connection", Value: "close"}}})
			if r.err != nil || r.status != 200 || r.reused {
				t.Fatalf("Connection: close, request %d: %v, status %d, reused %v", i, r.err, r.status, r.reused)
			}
		}
		if got := srv.newConns.Load() - before; got != 6 {
			t.Fatalf("6 requests without keep-alive made %d connections", got)
		}
	})

	t.Run("bodiless", func(t *testing.T) {
		hc := hcNewClient(t, env.d, lhttp.Config{})
		before := srv.newConns.Load()
		for _, code := range []int{204, 304, 200} {
			r := hc.fetch(t, &lhttp.Request{URL: srv.url(fmt.Sprintf("/status/%d", code))})
			if r.err != nil || r.status != code || (code == 200) != (r.n > 0) {
				t.Fatalf("status %d: %v, got %d with %d body bytes", code, r.err, r.status, r.n)
			}
			r = hc.fetch(t, &lhttp.Request{Method: "HEAD", URL: srv.url("/fixed/1048576")})
			if r.err != nil || r.status != 200 || r.n != 0 || r.contentLength != 1<<20 {
				t.Fatalf("HEAD: %v, status %d, %d body bytes, ContentLength %d", r.err, r.status, r.n, r.contentLength)
			}
			// HEAD of a resource a GET would get chunked.
			r = hc.fetch(t, &lhttp.Request{Method: "HEAD", URL: srv.url("/chunked/1024")})
			if r.err != nil || r.status != 200 || r.n != 0 {
				t.Fatalf("HEAD of chunked: %v, status %d, %d body bytes", r.err, r.status, r.n)
			}
		}
		if got := srv.newConns.Load() - before; got != 1 {
			t.Fatalf("the server accepted %d connections for 9 bodiless or small answers, want 1", got)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		// 12 requests at once to a server that takes 100 ms over each:
		// with the default limit of 2 connections per host, the server
		// sees 2 at a time and 2 connections, never more.
		hc := hcNewClient(t, env.d, lhttp.Config{})
		before := srv.newConns.Load()
		var calls []*hcCall
		for range 12 {
			calls = append(calls, hc.start(&lhttp.Request{URL: srv.url("/hold")}))
		}
		for i, c := range calls {
			if r := c.wait(t, 30*time.Second); r.err != nil || r.status != 200 {
				t.Fatalf("request %d: %v, status %d", i, r.err, r.status)
			}
		}
		conns, inflight := srv.newConns.Load()-before, srv.maxInflight.Load()
		if conns != lhttp.DefaultMaxConnsPerHost || inflight != lhttp.DefaultMaxConnsPerHost {
			t.Fatalf("the server accepted %d connections and ran at most %d requests at once, want %d and %d",
				conns, inflight, lhttp.DefaultMaxConnsPerHost, lhttp.DefaultMaxConnsPerHost)
		}
	})

	t.Run("idle-timeout", func(t *testing.T) {
		// The client closes a connection idle for IdleTimeout: the
		// server sees it go, and the next request opens another.
		const idle = 300 * time.Millisecond
		hc := hcNewClient(t, env.d, lhttp.Config{IdleTimeout: idle})
		hcAwaitServerIdle(t, srv)
		before := srv.newConns.Load()
		hc.get(t, srv.url("/hello"), 200)
		start := time.Now()
		for srv.open.Load() > 0 {
			if time.Since(start) > idle+3*time.Second {
				t.Fatalf("the server still has %d connections %v after the request", srv.open.Load(), time.Since(start))
			}
			<-time.After(5 * time.Millisecond)
		}
		if el := time.Since(start); el < idle-50*time.Millisecond {
			t.Fatalf("the connection closed %v after the request, before the idle timeout of %v", el, idle)
		}
		if r := hc.get(t, srv.url("/hello"), 200); r.reused || srv.newConns.Load()-before != 2 {
			t.Fatalf("after the idle close: reused %v, %d connections", r.reused, srv.newConns.Load()-before)
		}
		if st := hc.stats(); st.IdleClosed != 1 {
			t.Fatalf("client stats %+v: want 1 idle connection closed", st)
		}
	})

	t.Run("raw-fin", func(t *testing.T) { hcRawClose(t, env, "/fin-after") })
	t.Run("raw-reset", func(t *testing.T) { hcRawClose(t, env, "/rst-after") })

	t.Run("server-close", func(t *testing.T) {
		hc := hcNewClient(t, env.d, lhttp.Config{})
		before := srv.newConns.Load()
		// Connection: close from the server: the next request opens a
		// new connection.
		if r := hc.get(t, srv.url("/close"), 200); r.n != int64(len(hcHello)) {
			t.Fatalf("/close: %d bytes", r.n)
		}
		hc.get(t, srv.url("/hello"), 200)
		if got := srv.newConns.Load() - before; got != 2 {
			t.Fatalf("after Connection: close, %d connections in all, want 2", got)
		}
		// The server closes its idle connections (net/http does when
		// keep-alives are turned off): the client's kept connection is
		// stale, and the next GET must still succeed, on a new one.
		hcAwaitServerIdle(t, srv)
		for i := range 3 {
			hc.get(t, srv.url("/hello"), 200)
			if i == 0 && srv.newConns.Load()-before != 3 {
				t.Fatalf("after the server closed the idle connection: %d connections, want 3", srv.newConns.Load()-before)
			}
		}
		if got := srv.newConns.Load() - before; got != 3 {
			t.Fatalf("%d connections in all, want 3", got)
		}
		// A POST is not sent twice: after the server drops the idle
		// connection, it either goes out on a new one or fails typed,
		// and the server sees it at most once.
		for i := range 5 {
			hcAwaitServerIdle(t, srv)
			r := hc.fetch(t, &lhttp.Request{Method: "POST", URL: srv.url("/sink"), Body: []byte("once"), Into: make([]byte, 0, 128)})
			got := 0
			for drained := false; !drained; {
				select {
				case <-srv.sinks:
					got++
				default:
					drained = true
				}
			}
			if r.err == nil && (r.status != 200 || got != 1) || r.err != nil && got != 0 {
				t.Fatalf("POST %d after the server's close: %v, status %d; the server took it %d times", i, r.err, r.status, got)
			}
			if r.err != nil {
				t.Logf("POST %d after the server's close: %v", i, r.err)
			}
		}
		t.Logf("client stats %+v", hc.stats())
	})
}

// hcRawClose: a server that ends each connection after one answer without
// saying so (no Connection: close), with a FIN or with a reset: every
// request must succeed, on a connection of its own, whether the client
// noticed the end before picking the connection or only when its request
// got nothing back (then it sends the GET again on a fresh one).
func hcRawClose(t *testing.T, env *hcEnv, path string) {
	hc := hcNewClient(t, env.d, lhttp.Config{})
	before := env.raw.accepts.Load()
	const n = 20
	for i := range n {
		r := hc.fetch(t, &lhttp.Request{URL: env.raw.url(path), Into: make([]byte, 0, 16)})
		if r.err != nil || r.status != 200 || string(r.body) != "ok" {
			t.Fatalf("%s, request %d: %v, status %d, body %q", path, i, r.err, r.status, r.body)
		}
	}
	// Each request got a connection of its own (the one a request was
	// sent on in vain is the one its predecessor used).
	st := hc.stats()
	if got := env.raw.accepts.Load() - before; got != n || st.Dials != n || st.Completed != n {
		t.Fatalf("%s: %d connections for %d requests; client stats %+v", path, got, n, st)
	}
	t.Logf("%s: client stats %+v", path, st)
}

// hcAwaitServerIdle makes the server close every connection it holds idle
// (net/http does when keep-alives are turned off) and waits, bounded,
// until none is open. The server counts a connection idle only once it has
// finished with the response, maybe a moment after the client has it all,
// so it repeats until the count is 0.
func hcAwaitServerIdle(t *testing.T, srv *hcServer) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); srv.open.Load() > 0; {
		if time.Now().After(deadline) {
			t.Fatalf("the server still has %d connections open", srv.open.Load())
		}
		srv.srv.SetKeepAlivesEnabled(false)
		srv.srv.SetKeepAlivesEnabled(true)
		<-time.After(5 * time.Millisecond)
	}
}
