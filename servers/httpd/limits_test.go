package httpd

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
	"time"
)

func TestSlowHeadGets408(t *testing.T) {
	n := helloServer(t, Config{HeaderTimeout: 3 * time.Second})
	c := n.dial()
	c.send("GET /hello HTTP/1.1\r\nHo")
	start := n.clk.Now()
	n.run(10*time.Second, "408", func() bool { return c.eof })
	if status(c.got.Bytes()) != 408 {
		t.Fatalf("%s", c.got.String())
	}
	if el := n.clk.Now().Sub(start); el < 3*time.Second || el > 4*time.Second {
		t.Fatalf("408 after %v, want 3 s", el)
	}
}

func TestIdleKeepAliveClosed(t *testing.T) {
	n := helloServer(t, Config{IdleTimeout: 5 * time.Second})
	c := n.dial()
	c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
	n.run(time.Second, "answer", func() bool { return c.responses() == 1 })
	start := n.clk.Now()
	n.run(10*time.Second, "idle close", func() bool { return c.eof })
	if el := n.clk.Now().Sub(start); el < 5*time.Second || el > 6*time.Second {
		t.Fatalf("closed after %v idle, want 5 s", el)
	}
	if st := n.srv.Stats(); st.Conns != 0 {
		t.Fatalf("%+v", st)
	}
}

func TestConnectionLimitAnswers503(t *testing.T) {
	n := helloServer(t, Config{MaxConns: 2})
	a, b := n.dial(), n.dial()
	a.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
	b.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
	n.run(time.Second, "answers", func() bool { return a.responses() == 1 && b.responses() == 1 })
	c := n.dial()
	c.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
	n.run(time.Second, "503", func() bool { return c.eof })
	if status(c.got.Bytes()) != 503 {
		t.Fatalf("%s", c.got.String())
	}
	n.run(time.Second, "refused connection gone", func() bool { return n.srv.Stats().Conns == 2 })
	if st := n.srv.Stats(); st.Overflow != 1 {
		t.Fatalf("%+v", st)
	}
}

// Slow clients holding every request buffer do not keep a new client
// out: the slowest head is evicted with 408.
func TestSlowHeadsDoNotStarveNewClient(t *testing.T) {
	n := helloServer(t, Config{MaxActive: 4, MaxConns: 100})
	var slow []*client
	for range 20 {
		c := n.dial()
		c.send("GET /hello HTTP/1.1\r\nHost")
		slow = append(slow, c)
	}
	n.r.RunFor(100 * time.Millisecond)
	fresh := n.dial()
	fresh.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
	n.run(time.Second, "fresh client answered", func() bool { return fresh.responses() == 1 })
	if status(fresh.got.Bytes()) != 200 {
		t.Fatalf("%s", fresh.got.String())
	}
	evicted := 0
	for _, c := range slow {
		if status(c.got.Bytes()) == 408 {
			evicted++
		}
	}
	if st := n.srv.Stats(); evicted == 0 || st.Evicted == 0 {
		t.Fatalf("no slow client evicted (%d, %+v)", evicted, st)
	}
}

func TestShutdownFinishesInFlight(t *testing.T) {
	n := newTestNet(t, Config{})
	var pending *Response
	n.srv.Handle("GET", "/slow", func(w *Response, r *Request) { pending = w })
	n.srv.Handle("GET", "/hello", func(w *Response, r *Request) { w.Send(200, "text/plain", []byte("hi")) })
	n.start()
	busy, idle := n.dial(), n.dial()
	idle.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
	busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	n.run(time.Second, "requests in", func() bool { return pending != nil && idle.responses() == 1 })
	done := n.srv.Shutdown()
	n.run(time.Second, "idle closed", func() bool { return idle.eof })
	if done.Done() {
		t.Fatal("shutdown done with a request in flight")
	}
	pending.Send(200, "text/plain", []byte("late"))
	n.run(time.Second, "shutdown", func() bool { return done.Done() && busy.eof })
	resp, body := readResponse(t, busy.got.Bytes(), "GET")
	if string(body) != "late" || !resp.Close {
		t.Fatalf("%v %q", resp.Header, body)
	}
}

func TestStaticGzip(t *testing.T) {
	page := []byte(strings.Repeat("<p>hello dashboard</p>\n", 200))
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write(page)
	zw.Close()
	st, err := NewStatic("text/html", gz.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	n := newTestNet(t, Config{})
	n.srv.HandleStatic("/", st)
	n.start()
	c := n.dial()
	c.send("GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: br, gzip;q=0.8\r\n\r\n")
	n.run(time.Second, "gzip", func() bool { return c.responses() == 1 })
	resp, body := readResponse(t, c.got.Bytes(), "GET")
	if resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(body, gz.Bytes()) {
		t.Fatalf("gzip: %v, %d bytes", resp.Header, len(body))
	}
	c.got.Reset()
	c.send("GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip;q=0\r\n\r\n")
	n.run(time.Second, "plain", func() bool { return c.responses() == 1 })
	resp, body = readResponse(t, c.got.Bytes(), "GET")
	if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, page) {
		t.Fatalf("plain: %v, %d bytes", resp.Header, len(body))
	}
	c.got.Reset()
	if resp.Header.Get("ETag") == st.ETag() {
		t.Fatal("identity representation has the gzip one's ETag")
	}
	c.got.Reset()
	c.send("GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nIf-None-Match: W/\"x\", " + st.ETag() + "\r\n\r\n")
	n.run(time.Second, "304", func() bool { return bytes.HasSuffix(c.got.Bytes(), []byte("\r\n\r\n")) })
	if status(c.got.Bytes()) != 304 {
		t.Fatalf("%s", c.got.String())
	}
}
