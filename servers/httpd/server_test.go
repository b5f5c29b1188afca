package httpd

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func helloServer(t testing.TB, cfg Config) *testNet {
	n := newTestNet(t, cfg)
	n.srv.Handle("GET", "/hello", func(w *Response, r *Request) {
		w.Send(200, "text/plain", []byte("hello, world\n"))
	})
	n.srv.Handle("GET", "/api/items/*", func(w *Response, r *Request) {
		b := w.Scratch()
		b = append(append(append(b, `{"id":"`...), r.Segment(0)...), `"}`...)
		w.JSON(200, b)
	})
	n.srv.Handle("POST", "/echo", func(w *Response, r *Request) {
		w.Send(200, "application/octet-stream", r.Body())
	})
	n.start()
	return n
}

func TestGetKeepAlive(t *testing.T) {
	n := helloServer(t, Config{})
	c := n.dial()
	for i := 1; i <= 3; i++ {
		c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
		n.run(time.Second, "response", func() bool { return c.responses() == i })
	}
	for _, resp := range splitResponses(c.got.Bytes()) {
		if !bytes.HasPrefix(resp, []byte("HTTP/1.1 200 OK\r\n")) || !bytes.HasSuffix(resp, []byte("\r\n\r\nhello, world\n")) {
			t.Fatalf("response:\n%s", resp)
		}
	}
	if c.eof {
		t.Fatal("keep-alive connection closed")
	}
	if st := n.srv.Stats(); st.Conns != 1 || st.Active != 0 || st.IdleConns != 1 {
		t.Fatalf("stats %+v: want one idle connection holding no buffer", st)
	}
}

func TestPipelinedRequestsAnsweredInOrder(t *testing.T) {
	n := helloServer(t, Config{})
	c := n.dial()
	c.send("GET /api/items/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /api/items/2 HTTP/1.1\r\nHost: x\r\n\r\n" +
		"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcdeGET /api/items/3 HTTP/1.1\r\nHost: x\r\n\r\n")
	n.run(time.Second, "responses", func() bool { return c.responses() == 4 })
	resps := splitResponses(c.got.Bytes())
	for i, want := range []string{`{"id":"1"}`, `{"id":"2"}`, `abcde`, `{"id":"3"}`} {
		if !bytes.HasSuffix(resps[i], []byte("\r\n\r\n"+want)) {
			t.Fatalf("response %d:\n%s", i, resps[i])
		}
	}
}

func TestRefusals(t *testing.T) {
	long := strings.Repeat("a", 3000)
	cases := []struct {
		name, req string
		want      int
	}{
		{"no host", "GET /hello HTTP/1.1\r\n\r\n", 400},
		{"two hosts", "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"not found", "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404},
		{"method", "DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n", 405},
		{"uri", "GET /" + long + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"header size", "GET /hello HTTP/1.1\r\nHost: x\r\nX: " + long + long + "\r\n\r\n", 431},
		{"header count", "GET /hello HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("A: b\r\n", 40) + "\r\n", 431},
		{"body too large", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", 413},
		{"cl and te", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400},
		{"two cl", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400},
		{"cl list", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc", 400},
		{"bad chunk size", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400},
		{"chunk size overflow", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000003\r\nabc\r\n0\r\n\r\n", 400},
		{"te gzip", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"space before colon", "GET /hello HTTP/1.1\r\nHost : x\r\n\r\n", 400},
		{"obs-fold", "GET /hello HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400},
		{"bare lf", "GET /hello HTTP/1.1\nHost: x\r\n\r\n", 400},
		{"bare lf only", "GET /hello HTTP/1.1\nHost: x\n\n", 400},
		{"version", "GET /hello HTTP/2.0\r\nHost: x\r\n\r\n", 505},
		{"dot segment", "GET /a/../hello HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"encoded slash", "GET /api/items/a%2Fb HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"expect", "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: magic\r\nContent-Length: 1\r\n\r\na", 417},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := helloServer(t, Config{})
			c := n.dial()
			c.send(tc.req)
			n.run(5*time.Second, "answer", func() bool { return c.responses() >= 1 })
			resp := splitResponses(c.got.Bytes())[0]
			if got := status(resp); got != tc.want {
				t.Fatalf("status %d, want %d:\n%s", got, tc.want, resp)
			}
			if tc.want == 405 && !bytes.Contains(resp, []byte("\r\nAllow: GET, HEAD, OPTIONS\r\n")) {
				t.Fatalf("405 without Allow:\n%s", resp)
			}
		})
	}
}
