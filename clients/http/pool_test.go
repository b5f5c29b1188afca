package http

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
)

// startAll starts every request and runs until all have completed.
func (e *env) startAll(reqs []*Request, limit time.Duration) []error {
	e.t.Helper()
	fs := make([]*reactor.Future[*Response], len(reqs))
	for i, r := range reqs {
		fs[i] = e.c.Do(r)
	}
	all := func() bool {
		for _, f := range fs {
			if !f.Done() {
				return false
			}
		}
		return true
	}
	if !e.r.RunUntil(limit, all) {
		e.t.Fatal("requests did not complete")
	}
	errs := make([]error, len(reqs))
	for i, f := range fs {
		errs[i] = f.Err()
	}
	return errs
}

// Sequential requests share one connection; concurrent ones open at most
// MaxConnsPerHost and queue for them.
func TestPoolReuseAndLimit(t *testing.T) {
	e := newEnv(t, Config{})
	var pending []*rawConn // answers held back until all requests are in
	s := e.raw(80, func(c *rawConn, head string, body []byte) {
		if strings.Contains(head, "/slow") {
			pending = append(pending, c)
			return
		}
		c.ok("fast")
	})
	for range 5 {
		e.get(url(80, "/"))
	}
	if s.accepted != 1 {
		t.Fatalf("%d connections for 5 sequential requests", s.accepted)
	}
	reqs := make([]*Request, 6)
	for i := range reqs {
		reqs[i] = &Request{URL: url(80, "/slow"), Into: make([]byte, 0, 16)}
	}
	fs := make([]*reactor.Future[*Response], len(reqs))
	for i, r := range reqs {
		fs[i] = e.c.Do(r)
	}
	e.r.RunFor(time.Second)
	if s.accepted != 2 || len(pending) != 2 {
		t.Fatalf("%d connections, %d requests at the server; want 2 and 2", s.accepted, len(pending))
	}
	// Answer as they come: the queue drains two at a time over the two
	// connections.
	for answered := 0; answered < 6; answered++ {
		if !e.r.RunUntil(time.Second, func() bool { return len(pending) > 0 }) {
			t.Fatalf("after %d answers, nothing pending", answered)
		}
		c := pending[0]
		pending = pending[1:]
		c.ok("slow")
	}
	for i, f := range fs {
		if !e.r.RunUntil(time.Second, f.Done) || f.Err() != nil {
			t.Fatalf("request %d: %v", i, f.Err())
		}
	}
	if s.accepted != 2 {
		t.Fatalf("%d connections, want 2", s.accepted)
	}
	if open, idle := e.c.Conns(); open != 2 || idle != 2 {
		t.Fatalf("%d open, %d idle", open, idle)
	}
}

func TestQueueFull(t *testing.T) {
	e := newEnv(t, Config{MaxConns: 1, MaxQueued: 2})
	e.raw(80, func(c *rawConn, head string, body []byte) { c.ok("x") })
	reqs := make([]*Request, 4)
	for i := range reqs {
		reqs[i] = &Request{URL: url(80, "/")}
	}
	errs := e.startAll(reqs, time.Minute)
	if errs[0] != nil || errs[1] != nil || errs[2] != nil || !errors.Is(errs[3], ErrQueueFull) {
		t.Fatalf("%v", errs)
	}
	if e.c.Stats().QueueFull != 1 {
		t.Fatal("QueueFull not counted")
	}
}

// A kept-alive connection that the server closes just as the next request
// arrives (its idle timeout, say): an idempotent request goes again on a
// fresh connection, once; a POST fails.
func TestStaleConnectionRetry(t *testing.T) {
	for _, how := range []string{"close", "reset"} {
		e := newEnv(t, Config{})
		s := e.raw(80, func(c *rawConn, head string, body []byte) {
			if c.requests == 2 { // the second request on a connection finds it going away
				if how == "close" {
					c.close()
				} else {
					c.c.Abort()
				}
				return
			}
			c.ok("ok")
		})
		e.get(url(80, "/"))
		resp := e.get(url(80, "/"))
		if string(resp.Body) != "ok" || resp.Reused || s.accepted != 2 || e.c.Stats().Retries != 1 {
			t.Fatalf("%s: %q reused %v, %d connections, stats %+v", how, resp.Body, resp.Reused, s.accepted, e.c.Stats())
		}
		_, err := e.do(&Request{Method: "POST", URL: url(80, "/"), Body: []byte("x")}, time.Minute)
		want := ErrConnClosed
		if how == "reset" {
			want = ErrReset
		}
		if !errors.Is(err, want) || s.accepted != 2 {
			t.Fatalf("%s: POST on a stale connection: %v, %d connections", how, err, s.accepted)
		}
	}
}

// A server that closes every connection on the second request: the retry
// happens once, so a request that keeps meeting it fails rather than
// looping.
func TestStaleRetryOnce(t *testing.T) {
	e := newEnv(t, Config{})
	first := true
	e.raw(80, func(c *rawConn, head string, body []byte) {
		if first {
			first = false
			c.ok("ok")
			return
		}
		c.close()
	})
	e.get(url(80, "/"))
	_, err := e.do(&Request{URL: url(80, "/")}, time.Minute)
	if !errors.Is(err, ErrConnClosed) || e.c.Stats().Retries != 1 {
		t.Fatalf("%v, %d retries", err, e.c.Stats().Retries)
	}
}

// An idle connection the server closed is noticed before it is used.
func TestIdleConnectionClosedByServer(t *testing.T) {
	e := newEnv(t, Config{})
	s := e.raw(80, func(c *rawConn, head string, body []byte) {
		c.ok("ok")
		c.close() // without Connection: close
	})
	e.get(url(80, "/"))
	e.r.RunFor(time.Second)
	e.get(url(80, "/"))
	if st := e.c.Stats(); s.accepted != 2 || st.Retries != 0 || st.IdleClosed != 1 {
		t.Fatalf("%d connections, stats %+v", s.accepted, st)
	}
}

// Idle connections close after IdleTimeout, and no more than MaxIdleConns
// stay open.
func TestIdleLimits(t *testing.T) {
	e := newEnv(t, Config{IdleTimeout: 5 * time.Second, MaxIdleConns: 1, MaxConnsPerHost: 4})
	var pending []*rawConn
	e.raw(80, func(c *rawConn, head string, body []byte) { pending = append(pending, c) })
	reqs := []*Request{{URL: url(80, "/")}, {URL: url(80, "/")}, {URL: url(80, "/")}}
	fs := make([]*reactor.Future[*Response], len(reqs))
	for i, r := range reqs {
		fs[i] = e.c.Do(r)
	}
	if !e.r.RunUntil(time.Second, func() bool { return len(pending) == 3 }) {
		t.Fatalf("%d requests at the server", len(pending))
	}
	for _, c := range pending {
		c.ok("x")
	}
	e.r.RunUntil(time.Second, func() bool { return fs[0].Done() && fs[1].Done() && fs[2].Done() })
	if open, idle := e.c.Conns(); open != 1 || idle != 1 {
		t.Fatalf("%d open, %d idle; want 1 kept", open, idle)
	}
	e.r.RunFor(6 * time.Second)
	if open, _ := e.c.Conns(); open != 0 {
		t.Fatalf("%d open after the idle timeout", open)
	}
}

// With every slot busy or idle for other origins, an idle connection is
// closed to make room.
func TestEvictIdleForOtherOrigin(t *testing.T) {
	e := newEnv(t, Config{MaxConns: 2})
	e.raw(80, func(c *rawConn, head string, body []byte) { c.ok("80") })
	e.raw(81, func(c *rawConn, head string, body []byte) { c.ok("81") })
	e.raw(82, func(c *rawConn, head string, body []byte) { c.ok("82") })
	for _, p := range []int{80, 81, 82, 80} {
		if resp := e.get(url(p, "/")); string(resp.Body) != strings.TrimPrefix(url(p, ""), "http://10.9.0.1:") {
			t.Fatalf("port %d: %q", p, resp.Body)
		}
	}
	if open, _ := e.c.Conns(); open != 2 {
		t.Fatalf("%d open", open)
	}
}

func TestDisableKeepAlives(t *testing.T) {
	e := newEnv(t, Config{DisableKeepAlives: true})
	s := e.raw(80, func(c *rawConn, head string, body []byte) {
		if !strings.Contains(head, "\r\nConnection: close\r\n") {
			t.Errorf("head without Connection: close:\n%s", head)
		}
		c.ok("x")
	})
	e.get(url(80, "/"))
	e.get(url(80, "/"))
	if s.accepted != 2 {
		t.Fatalf("%d connections", s.accepted)
	}
	// Connection: close from the request itself works the same.
	e2 := newEnv(t, Config{})
	s2 := e2.raw(80, func(c *rawConn, head string, body []byte) { c.ok("x") })
	for range 2 {
		e2.do(&Request{URL: url(80, "/"), Header: []Field{{"Connection", "close"}}}, time.Minute)
	}
	if s2.accepted != 2 || strings.Count(s2.heads[0], "Connection") != 1 {
		t.Fatalf("%d connections; head:\n%s", s2.accepted, s2.heads[0])
	}
}
