package httpd

import (
	"bytes"
	"testing"
	"time"
)

var headSeeds = []string{
	"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /api/items/7?full=1&x=%20 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
	"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
	"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
	"GET http://example.com/hello HTTP/1.1\r\nHost: example.com\r\n\r\n",
	"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
	"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
	"GET /a/%2e%2E/b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n",
}

// FuzzParseHead checks that no head makes the parser panic or point
// outside its buffer, and that what it accepts is well framed.
func FuzzParseHead(f *testing.F) {
	for _, s := range headSeeds {
		f.Add([]byte(s))
	}
	var r Request
	r.fields = make([]field, 0, DefaultMaxHeaders)
	f.Fuzz(func(t *testing.T, b []byte) {
		i := bytes.Index(b, headEnd)
		if i < 0 {
			return
		}
		h := i + 4
		buf := bytes.Clone(b)
		code := parseHead(&r, buf, h, limits{maxHeaders: DefaultMaxHeaders, maxURI: DefaultMaxURI})
		if code != 0 {
			if code < 400 || code > 505 {
				t.Fatalf("refusal status %d", code)
			}
			return
		}
		for _, s := range []span{r.target, r.path, r.query} {
			if int(s.off+s.n) > h {
				t.Fatalf("span %v outside head of %d", s, h)
			}
		}
		for i := range r.NumHeaders() {
			name, _ := r.HeaderAt(i)
			if name == "" {
				t.Fatal("empty field name accepted")
			}
		}
		if r.chunked && r.contentLength != -1 {
			t.Fatal("chunked with a length")
		}
		if r.Path() == "" || r.Path()[0] != '/' && r.Path() != "*" {
			t.Fatalf("path %q", r.Path())
		}
	})
}

// FuzzServer sends arbitrary bytes as a client and checks that the
// server survives, answers or closes, and lends out no buffer once the
// connection is gone.
func FuzzServer(f *testing.F) {
	for _, s := range headSeeds {
		f.Add([]byte(s + s))
	}
	n := helloServer(f, Config{HeaderTimeout: time.Second, IOTimeout: time.Second, IdleTimeout: time.Second})
	f.Fuzz(func(t *testing.T, b []byte) {
		n.t = t
		c := n.dial()
		c.send(string(b))
		n.r.RunUntil(5*time.Second, func() bool { return c.closed })
		if !c.closed {
			t.Fatalf("connection still open: %q", c.got.Bytes())
		}
		if st := n.srv.Stats(); st.Active != 0 || st.Conns != 0 {
			t.Fatalf("after close: %+v", st)
		}
	})
}
