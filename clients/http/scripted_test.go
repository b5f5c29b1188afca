package http

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
)

// A chunked body with chunk extensions and trailers, in pieces.
func TestChunkedWithTrailers(t *testing.T) {
	e := newEnv(t, Config{})
	e.raw(80, func(c *rawConn, head string, body []byte) {
		c.send("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n")
		c.send("5;name=value\r\nhello\r\n")
		c.send("0007 \t;x\r\n, world\r\n")
		c.send("0\r\nX-Sum: abc\r\nX-Other:  two words \r\n\r\n")
	})
	resp := e.get(url(80, "/"))
	if string(resp.Body) != "hello, world" || !resp.Chunked || resp.ContentLength != -1 {
		t.Fatalf("body %q chunked %v", resp.Body, resp.Chunked)
	}
	if v, ok := resp.Trailer("x-sum"); !ok || v != "abc" {
		t.Fatalf("trailer %q %v", v, ok)
	}
	if v, _ := resp.Trailer("X-Other"); v != "two words" || resp.NumTrailers() != 2 {
		t.Fatalf("trailer %q, %d trailers", v, resp.NumTrailers())
	}
	if _, ok := resp.Header("X-Sum"); ok {
		t.Fatal("a trailer among the headers")
	}
	if n, v := resp.TrailerAt(1); n != "X-Other" || v != "two words" {
		t.Fatalf("TrailerAt(1) = %q %q", n, v)
	}
	// And the connection is kept.
	e.get(url(80, "/"))
	if st := e.c.Stats(); st.Dials != 1 || st.Reused != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// A body delimited by the server's close: the connection is not reused.
func TestCloseDelimited(t *testing.T) {
	for _, proto := range []string{"HTTP/1.0", "HTTP/1.1"} {
		e := newEnv(t, Config{})
		s := e.raw(80, func(c *rawConn, head string, body []byte) {
			c.send(proto + " 200 OK\r\nContent-Type: text/plain\r\n\r\n" + strings.Repeat("x", 5000))
			c.close()
		})
		for range 2 {
			resp := e.get(url(80, "/"))
			if resp.BodyLen != 5000 || len(resp.Body) != 5000 || resp.ContentLength != -1 {
				t.Fatalf("%s: %d bytes", proto, resp.BodyLen)
			}
		}
		if s.accepted != 2 {
			t.Fatalf("%s: %d connections, want 2 (one per response)", proto, s.accepted)
		}
	}
}

// HTTP/1.0 keeps the connection only when asked to, with a length;
// Connection: close from an HTTP/1.1 server ends it.
func TestConnectionReuseRules(t *testing.T) {
	for _, tc := range []struct {
		resp  string
		conns int
	}{
		{"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", 1},
		{"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 3},
		{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", 3},
		{"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Foo\r\nContent-Length: 2\r\n\r\nok", 1},
		{"HTTP/1.1 204 No Content\r\n\r\n", 1},
		{"HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n", 1},
		{"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 1},
	} {
		e := newEnv(t, Config{})
		s := e.raw(80, func(c *rawConn, head string, body []byte) { c.send(tc.resp) })
		for range 3 {
			e.get(url(80, "/"))
		}
		if s.accepted != tc.conns {
			t.Fatalf("%q: %d connections, want %d", tc.resp, s.accepted, tc.conns)
		}
	}
}

// Interim responses are skipped; 101 is refused; an endless stream of
// them is malformed.
func TestInterimResponses(t *testing.T) {
	e := newEnv(t, Config{})
	e.raw(80, func(c *rawConn, head string, body []byte) {
		switch {
		case strings.HasPrefix(head, "GET /interim "):
			c.send("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n")
			c.send("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone")
		case strings.HasPrefix(head, "GET /upgrade "):
			c.send("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")
		default:
			c.send(strings.Repeat("HTTP/1.1 102 Processing\r\n\r\n", 20))
		}
	})
	resp := e.get(url(80, "/interim"))
	if resp.Status != 200 || string(resp.Body) != "done" {
		t.Fatalf("%d %q", resp.Status, resp.Body)
	}
	if _, ok := resp.Header("Link"); ok {
		t.Fatal("an interim response's field in the final head")
	}
	if _, err := e.do(&Request{URL: url(80, "/upgrade")}, time.Minute); !errors.Is(err, ErrUpgrade) {
		t.Fatalf("101: %v", err)
	}
	if _, err := e.do(&Request{URL: url(80, "/forever")}, time.Minute); !errors.Is(err, ErrMalformed) {
		t.Fatalf("endless 1xx: %v", err)
	}
}

// Responses that must be refused as malformed, or too large, end the
// exchange at once with the right error and never panic.
func TestBadResponses(t *testing.T) {
	big := strings.Repeat("a", 9000)
	for _, tc := range []struct {
		name, resp string
		want       error
	}{
		{"garbage", "SSH-2.0-OpenSSH_9.2\r\n", ErrMalformed},
		{"http2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ErrMalformed},
		{"http/2.0", "HTTP/2.0 200 OK\r\n\r\n", ErrMalformed},
		{"bad status", "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n", ErrMalformed},
		{"long status", "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", ErrMalformed},
		{"bare lf", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", ErrMalformed},
		{"bare cr", "HTTP/1.1 200 OK\rContent-Length: 0\r\n\r\n", ErrMalformed},
		{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", ErrMalformed},
		{"length list", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok", ErrMalformed},
		{"signed length", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok", ErrMalformed},
		{"length and chunked", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", ErrMalformed},
		{"gzip coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", ErrMalformed},
		{"chunked 1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", ErrMalformed},
		{"obs-fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n", ErrMalformed},
		{"space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", ErrMalformed},
		{"control in value", "HTTP/1.1 200 OK\r\nX: a\x01b\r\nContent-Length: 0\r\n\r\n", ErrMalformed},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", ErrMalformed},
		{"chunk size overflow", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000003\r\nabc\r\n", ErrMalformed},
		{"chunk without crlf", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", ErrMalformed},
		{"bad trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n", ErrMalformed},
		{"head too large", "HTTP/1.1 200 OK\r\nX: " + big + "\r\n\r\n", ErrHeadTooLarge},
		{"too many fields", "HTTP/1.1 200 OK\r\n" + strings.Repeat("A: b\r\n", 70) + "\r\n", ErrHeadTooLarge},
		{"trailers too large", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " + big + "\r\n\r\n", ErrHeadTooLarge},
		{"body too large", "HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + strings.Repeat("b", 2000), ErrBodyTooLarge},
		{"cut head", "HTTP/1.1 200 OK\r\nContent-", ErrConnClosed},
		{"cut body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", ErrConnClosed},
		{"cut chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", ErrConnClosed},
	} {
		e := newEnv(t, Config{})
		e.raw(80, func(c *rawConn, head string, body []byte) {
			c.send(tc.resp)
			c.close()
		})
		resp, err := e.do(&Request{URL: url(80, "/"), Into: make([]byte, 0, 1000)}, time.Minute)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		if resp == nil {
			t.Errorf("%s: nil response", tc.name)
		}
		if open, _ := e.c.Conns(); open != 0 {
			t.Errorf("%s: %d connections left open", tc.name, open)
		}
	}
}

// A reset in the middle of a body is ErrReset; what came before was
// delivered.
func TestResetMidBody(t *testing.T) {
	e := newEnv(t, Config{})
	e.raw(80, func(c *rawConn, head string, body []byte) {
		c.send("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("z", 3000))
		// Let the bytes go before the reset.
		e.r.Spawn(oneShot(e.r.Now().Add(100*time.Millisecond), c.c.Abort))
	})
	got := 0
	resp, err := e.do(&Request{URL: url(80, "/"), OnData: func(p []byte) error { got += len(p); return nil }}, time.Minute)
	if !errors.Is(err, ErrReset) || resp.Status != 200 || got != 3000 || resp.BodyLen != 3000 {
		t.Fatalf("%v: status %d, %d bytes delivered", err, resp.Status, got)
	}
}

// A server that accepts and never answers: the header timeout, in
// virtual time.
func TestHeaderTimeout(t *testing.T) {
	e := newEnv(t, Config{HeaderTimeout: 5 * time.Second})
	e.raw(80, func(c *rawConn, head string, body []byte) {})
	start := e.r.Now()
	_, err := e.do(&Request{URL: url(80, "/")}, time.Minute)
	if !errors.Is(err, ErrHeaderTimeout) || !err.(Error).Timeout() {
		t.Fatalf("%v", err)
	}
	if d := e.r.Now().Sub(start); d < 5*time.Second || d > 6*time.Second {
		t.Fatalf("failed after %v", d)
	}
}

// A body that stalls: the I/O timeout; a body that trickles past the
// request's own timeout: the overall one.
func TestBodyTimeouts(t *testing.T) {
	e := newEnv(t, Config{IOTimeout: 3 * time.Second})
	e.raw(80, func(c *rawConn, head string, body []byte) {
		c.send("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")
		if strings.Contains(head, "trickle") {
			for i := range 20 {
				d := time.Duration(i+1) * time.Second
				e.r.Spawn(oneShot(e.r.Now().Add(d), func() { c.send("x") }))
			}
		}
	})
	start := e.r.Now()
	_, err := e.do(&Request{URL: url(80, "/stall")}, time.Minute)
	if !errors.Is(err, ErrIOTimeout) || e.r.Now().Sub(start) > 4*time.Second {
		t.Fatalf("stall: %v after %v", err, e.r.Now().Sub(start))
	}
	start = e.r.Now()
	_, err = e.do(&Request{URL: url(80, "/trickle"), Timeout: 10 * time.Second}, time.Minute)
	if d := e.r.Now().Sub(start); !errors.Is(err, ErrTimeout) || d < 10*time.Second || d > 11*time.Second {
		t.Fatalf("trickle: %v after %v", err, d)
	}
}

// The overall timeout counts from the reactor's clock even for a request
// made before the stacks ran their first turn (when the stack's own
// reading is still zero).
func TestTimeoutBeforeFirstTurn(t *testing.T) {
	e := newEnv(t, Config{Timeout: 7 * time.Second})
	e.raw(80, func(c *rawConn, head string, body []byte) {})
	start := e.r.Now()
	_, err := e.do(&Request{URL: url(80, "/")}, time.Minute)
	if d := e.r.Now().Sub(start); !errors.Is(err, ErrTimeout) || d != 7*time.Second {
		t.Fatalf("%v after %v", err, d)
	}
}

// oneShot is a task that runs fn once at instant at.
func oneShot(at reactor.Instant, fn func()) reactor.TaskFunc {
	done := false
	return func(now reactor.Instant) reactor.Instant {
		if done {
			return reactor.Never
		}
		if now < at {
			return at
		}
		done = true
		fn()
		return reactor.Never
	}
}

// No listener on the port: the peer's stack answers the SYN with a reset.
func TestRefused(t *testing.T) {
	e := newEnv(t, Config{})
	_, err := e.do(&Request{URL: url(81, "/")}, time.Minute)
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("%v", err)
	}
}

// An address on the link that nobody has: no ARP answer, no handshake,
// the connect timeout.
func TestConnectTimeout(t *testing.T) {
	e := newEnv(t, Config{ConnectTimeout: 4 * time.Second})
	start := e.r.Now()
	_, err := e.do(&Request{URL: "http://10.9.0.77/"}, time.Minute)
	if d := e.r.Now().Sub(start); !errors.Is(err, ErrConnectTimeout) || d != 4*time.Second {
		t.Fatalf("%v after %v", err, d)
	}
	if open, _ := e.c.Conns(); open != 0 {
		t.Fatalf("%d connections left", open)
	}
}
