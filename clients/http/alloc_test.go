package http

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd"
)

// A keep-alive GET with a small gathered body, both stacks and the server
// included, allocates nothing once the connection is up: the Request, its
// Response, its future and its buffers are reused.
func TestKeepAliveGetAllocatesNothing(t *testing.T) {
	e := newEnv(t, Config{})
	hello := []byte("hello, world\n")
	srv := e.httpd(80, httpd.Config{}, func(s *httpd.Server) {
		s.Handle("GET", "/hello", func(w *httpd.Response, r *httpd.Request) {
			w.Send(200, "text/plain", hello)
		})
	})
	req := &Request{URL: url(80, "/hello"), Into: make([]byte, 0, 256)}
	var f *reactor.Future[*Response]
	done := func() bool { return f.Done() } // made once: a method value per call would allocate
	roundTrip := func() {
		f = e.c.Do(req)
		if !e.r.RunUntil(time.Second, done) {
			t.Fatal("no response")
		}
		if resp, err := f.Result(); err != nil || resp.Status != 200 || string(resp.Body) != "hello, world\n" {
			t.Fatalf("%v %+v", err, resp)
		}
	}
	for range 10 {
		roundTrip()
	}
	if a := testing.AllocsPerRun(200, roundTrip); a != 0 {
		t.Fatalf("%v allocations per keep-alive request", a)
	}
	if st := srv.Stats(); st.Accepted != 1 {
		t.Fatalf("%d connections, want 1", st.Accepted)
	}
}

// The same for a POST with its body streamed back to OnData and a header
// looked up.
func TestKeepAliveOnDataAllocatesNothing(t *testing.T) {
	e := newEnv(t, Config{})
	e.httpd(80, httpd.Config{}, func(s *httpd.Server) {
		s.Handle("POST", "/echo", func(w *httpd.Response, r *httpd.Request) {
			w.Send(200, "text/plain", r.Body())
		})
	})
	got := 0
	req := &Request{
		Method: "POST", URL: url(80, "/echo"), Body: []byte("some body"),
		Header: []Field{{"X-Test", "1"}},
		OnData: func(p []byte) error { got += len(p); return nil },
	}
	var f *reactor.Future[*Response]
	done := func() bool { return f.Done() }
	roundTrip := func() {
		f = e.c.Do(req)
		if !e.r.RunUntil(time.Second, done) {
			t.Fatal("no response")
		}
		resp, err := f.Result()
		if ct, _ := resp.Header("content-type"); err != nil || ct != "text/plain" {
			t.Fatalf("%v %q", err, ct)
		}
	}
	for range 10 {
		roundTrip()
	}
	if a := testing.AllocsPerRun(200, roundTrip); a != 0 {
		t.Fatalf("%v allocations per keep-alive request", a)
	}
	if got == 0 {
		t.Fatal("no body delivered")
	}
}

// BenchmarkKeepAliveGet is one small GET on a kept-alive connection, both
// stacks and servers/httpd included, in virtual time (so ns/op is CPU).
func BenchmarkKeepAliveGet(b *testing.B) {
	e := newEnv(b, Config{})
	hello := []byte("hello, world\n")
	e.httpd(80, httpd.Config{}, func(s *httpd.Server) {
		s.Handle("GET", "/hello", func(w *httpd.Response, r *httpd.Request) { w.Send(200, "text/plain", hello) })
	})
	req := &Request{URL: url(80, "/hello"), Into: make([]byte, 0, 256)}
	var f *reactor.Future[*Response]
	done := func() bool { return f.Done() }
	b.ReportAllocs()
	for b.Loop() {
		f = e.c.Do(req)
		if !e.r.RunUntil(time.Second, done) || f.Err() != nil {
			b.Fatal("no response", f.Err())
		}
	}
}
