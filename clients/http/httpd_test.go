package http

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/fault"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/tcp"
)

// echoServer runs servers/httpd on the peer's port 80: /echo answers every
// method with "METHOD len sha256" of the body it got (streamed, so any
// size), /data?n=N sends N deterministic bytes (chunked when chunked=1),
// /hello a small text.
func echoServer(e *env) *httpd.Server {
	return e.httpd(80, httpd.Config{}, func(s *httpd.Server) {
		type upload struct {
			h hash.Hash
			n int
		}
		uploads := map[*httpd.Request]*upload{} // requests on several connections at once
		for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
			s.HandleStream(m, "/echo", &httpd.StreamHandler{
				MaxBody: -1,
				Start:   func(w *httpd.Response, r *httpd.Request) { uploads[r] = &upload{h: sha256.New()} },
				Data: func(r *httpd.Request, p []byte) {
					u := uploads[r]
					u.h.Write(p)
					u.n += len(p)
				},
				End: func(w *httpd.Response, r *httpd.Request) {
					u := uploads[r]
					delete(uploads, r)
					ua, _ := r.Header("User-Agent")
					x, _ := r.Header("X-Test")
					w.Send(200, "text/plain", fmt.Appendf(nil, "%s %d %x ua=%s x=%s", r.Method(), u.n, u.h.Sum(nil), ua, x))
				},
			})
		}
		s.Handle("GET", "/hello", func(w *httpd.Response, r *httpd.Request) {
			w.Send(200, "text/plain", []byte("hello, world\n"))
		})
		s.Handle("GET", "/data", func(w *httpd.Response, r *httpd.Request) {
			q, _ := r.Query("n")
			n, _ := strconv.Atoi(q)
			length := int64(n)
			if c, _ := r.Query("chunked"); c == "1" {
				length = -1
			}
			data := pattern(n)
			w.Stream(200, "application/octet-stream", length, func(p []byte) (int, bool) {
				k := copy(p, data)
				data = data[k:]
				return k, len(data) == 0
			})
		})
	})
}

// pattern returns n deterministic bytes.
func pattern(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// Every method with and without a body, over one kept-alive connection.
func TestMethodsAgainstHTTPD(t *testing.T) {
	e := newEnv(t, Config{})
	srv := echoServer(e)
	body := pattern(3000)
	for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
		for _, b := range [][]byte{nil, body} {
			req := &Request{Method: m, URL: url(80, "/echo"), Body: b, Into: make([]byte, 0, 512),
				Header: []Field{{"X-Test", "v1"}}}
			resp, err := e.do(req, time.Minute)
			if err != nil {
				t.Fatalf("%s: %v", m, err)
			}
			want := fmt.Sprintf("%s %d %s ua=legation x=v1", m, len(b), sum(b))
			if resp.Status != 200 || string(resp.Body) != want {
				t.Fatalf("%s: %d %q, want %q", m, resp.Status, resp.Body, want)
			}
		}
	}
	// HEAD: the head of GET /hello, no body.
	resp, err := e.do(&Request{Method: "HEAD", URL: url(80, "/hello"), Into: make([]byte, 0, 64)}, time.Minute)
	if err != nil || resp.Status != 200 || resp.ContentLength != 13 || len(resp.Body) != 0 || resp.BodyLen != 0 {
		t.Fatalf("HEAD: %v %+v", err, resp)
	}
	if st := srv.Stats(); st.Accepted != 1 {
		t.Fatalf("server accepted %d connections, want 1 kept alive", st.Accepted)
	}
	if st := e.c.Stats(); st.Dials != 1 || st.Reused != 12 || st.Completed != 13 {
		t.Fatalf("client stats %+v", st)
	}
}

// Bodies of many sizes, by Content-Length and chunked, each way.
func TestBodiesAgainstHTTPD(t *testing.T) {
	e := newEnv(t, Config{})
	echoServer(e)
	for _, n := range []int{0, 1, 1459, 1460, 16 << 10, 100 << 10} {
		for _, chunked := range []bool{false, true} {
			u := url(80, fmt.Sprintf("/data?n=%d", n))
			if chunked {
				u += "&chunked=1"
			}
			h := sha256.New()
			pieces := 0
			req := &Request{URL: u, OnData: func(p []byte) error { h.Write(p); pieces++; return nil }}
			resp, err := e.do(req, time.Minute)
			if err != nil {
				t.Fatalf("%s: %v", u, err)
			}
			if hex.EncodeToString(h.Sum(nil)) != sum(pattern(n)) || resp.BodyLen != int64(n) || resp.Chunked != chunked {
				t.Fatalf("%s: %d bytes in %d pieces, chunked %v", u, resp.BodyLen, pieces, resp.Chunked)
			}

			// Upload the same through BodyFunc, sized and chunked.
			data := pattern(n)
			src := data
			length := int64(n)
			if chunked {
				length = 0
			}
			up := &Request{Method: "PUT", URL: url(80, "/echo"), ContentLength: length, Into: make([]byte, 0, 256),
				BodyFunc: func(p []byte) (int, bool, error) {
					k := copy(p, src)
					src = src[k:]
					return k, len(src) == 0, nil
				}}
			resp, err = e.do(up, time.Minute)
			want := fmt.Sprintf("PUT %d %s", n, sum(data))
			if err != nil || !bytes.HasPrefix(resp.Body, []byte(want)) {
				t.Fatalf("PUT %d chunked=%v: %v %q, want %q", n, chunked, err, resp.Body, want)
			}
		}
	}
}

// Small TCP rings (borrowed from a pool of 700-byte buffers) wrap often:
// the head is written in pieces as room appears, chunk framing straddles
// the end of the ring, and the response arrives in many leases.
func TestSmallRings(t *testing.T) {
	e := newEnv(t, Config{TCP: tcp.Config{Pool: tcp.NewBufferPool(700, 0)}})
	echoServer(e)
	long := strings.Repeat("v", 1500)
	for _, n := range []int{0, 1, 699, 700, 5000, 33333} {
		data := pattern(n)
		for _, length := range []int64{int64(n), 0} {
			src := data
			step := 1
			req := &Request{Method: "POST", URL: url(80, "/echo"), ContentLength: length, Into: make([]byte, 0, 4096),
				Header: []Field{{"X-Test", long}},
				BodyFunc: func(p []byte) (int, bool, error) {
					// Vary the piece sizes so chunks of every length meet every ring position.
					step = step%97 + 13
					k := copy(p[:min(len(p), step)], src)
					src = src[k:]
					return k, len(src) == 0, nil
				}}
			if n == 0 && length == 0 {
				req.BodyFunc = func(p []byte) (int, bool, error) { return 0, true, nil }
			}
			resp, err := e.do(req, time.Minute)
			want := fmt.Sprintf("POST %d %s ua=legation x=%s", n, sum(data), long)
			if err != nil || string(resp.Body) != want {
				t.Fatalf("n=%d length=%d: %v %q", n, length, err, resp.Body)
			}
		}
		h := sha256.New()
		resp, err := e.do(&Request{URL: url(80, fmt.Sprintf("/data?n=%d&chunked=1", n)),
			OnData: func(p []byte) error { h.Write(p); return nil }}, time.Minute)
		if err != nil || hex.EncodeToString(h.Sum(nil)) != sum(pattern(n)) || resp.BodyLen != int64(n) {
			t.Fatalf("GET %d: %v, %d bytes", n, err, resp.BodyLen)
		}
	}
}

// Over a link that loses, duplicates and reorders frames, concurrent
// requests to two origins all complete with the right bodies, TCP
// repairing what the link breaks underneath the client.
func TestLossyLink(t *testing.T) {
	var fd *fault.Device
	e := newEnvLink(t, Config{MaxConnsPerHost: 3}, func(d hal.Device) hal.Device {
		fd = fault.New(d, fault.Config{Loss: 0.03, Duplicate: 0.01, Reorder: 0.03, Seed: 7})
		return fd
	})
	echoServer(e)
	e.httpd(8080, httpd.Config{}, func(s *httpd.Server) {
		s.Handle("GET", "/x", func(w *httpd.Response, r *httpd.Request) { w.Send(200, "text/plain", []byte("other")) })
	})
	type job struct {
		req  *Request
		want string
		h    hash.Hash
		n    int
	}
	var jobs []*job
	for i := range 24 {
		j := &job{h: sha256.New()}
		switch i % 3 {
		case 0:
			j.n = 1000 + 7919*i
			j.req = &Request{URL: url(80, fmt.Sprintf("/data?n=%d&chunked=%d", j.n, i%2)),
				OnData: func(p []byte) error { j.h.Write(p); return nil }}
		case 1:
			body := pattern(500 * i)
			j.req = &Request{Method: "PUT", URL: url(80, "/echo"), Body: body, Into: make([]byte, 0, 256)}
			j.want = fmt.Sprintf("PUT %d %s", len(body), sum(body))
		default:
			j.req = &Request{URL: url(8080, "/x"), Into: make([]byte, 0, 16)}
			j.want = "other"
		}
		jobs = append(jobs, j)
	}
	reqs := make([]*Request, len(jobs))
	for i, j := range jobs {
		reqs[i] = j.req
	}
	start := e.r.Now()
	errs := e.startAll(reqs, 10*time.Minute)
	t.Logf("%v of virtual time; link faults %+v", e.r.Now().Sub(start), fd.Stats())
	for i, j := range jobs {
		resp := j.req.Response()
		switch {
		case errs[i] != nil:
			t.Fatalf("job %d: %v", i, errs[i])
		case j.want != "" && !strings.HasPrefix(string(resp.Body), j.want):
			t.Fatalf("job %d: %q, want %q", i, resp.Body, j.want)
		case j.want == "" && hex.EncodeToString(j.h.Sum(nil)) != sum(pattern(j.n)):
			t.Fatalf("job %d: wrong body of %d bytes", i, resp.BodyLen)
		}
	}
	if open, _ := e.c.Conns(); open > 5 {
		t.Fatalf("%d connections open", open)
	}
}
