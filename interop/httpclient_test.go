package interop

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	lhttp "github.com/seed947b3480/legation/clients/http"
)

// The legation HTTP client on the device (10.77.0.2, over TAP) against Go's
// net/http server on the kernel side, every answer compared with what curl
// gets from the same server: responses of 0 B to 64 MiB, fixed-length and
// chunked, SHA-256 equal, streamed through OnData (and gathered into a
// buffer for the small ones); every method with a body; uploads from a
// byte slice and from a streaming source, sized and chunked.
func TestHTTPClientTransfers(t *testing.T) {
	requireCurl(t)
	env := hcSetup(t)
	// IOTimeout short of the default: a stall here is a failure, and it
	// should not cost 30 s to see.
	hc := hcNewClient(t, env.d, lhttp.Config{IOTimeout: 5 * time.Second})
	srv := env.srv

	t.Run("download", func(t *testing.T) {
		for _, size := range hcSizes {
			for _, framing := range []string{"fixed", "chunked"} {
				u := srv.url(fmt.Sprintf("/%s/%d", framing, size))
				r := hc.fetch(t, &lhttp.Request{URL: u})
				want := hcBodySum(size)
				if r.err != nil || r.status != 200 || r.n != int64(size) || r.sum != want {
					t.Fatalf("%s %d: %v, status %d, %d bytes, SHA-256 match %v", framing, size, r.err, r.status, r.n, r.sum == want)
				}
				if framing == "fixed" && (r.chunked || r.contentLength != int64(size)) || framing == "chunked" && (!r.chunked || r.contentLength != -1) {
					t.Fatalf("%s %d: Chunked %v, ContentLength %d", framing, size, r.chunked, r.contentLength)
				}
				cv := hcCurl(t, env.ns, u)
				if cv.status != r.status || cv.n != int(r.n) || cv.sum != r.sum {
					t.Fatalf("%s %d: curl got %d, %d bytes; the client %d, %d bytes; SHA-256 equal %v", framing, size, cv.status, cv.n, r.status, r.n, cv.sum == r.sum)
				}
				if size >= 1<<20 {
					c := env.d.counters()
					t.Logf("%-7s %8d bytes in %v (%.0f MB/s); stack: rx %d frames, tx %d, %d dropped",
						framing, size, r.took.Round(time.Millisecond), float64(size)/r.took.Seconds()/1e6, c.RxFrames, c.TxFrames, c.Dropped)
				}
			}
		}
	})

	t.Run("gather", func(t *testing.T) {
		for _, size := range hcSizes[:3] {
			for _, framing := range []string{"fixed", "chunked"} {
				req := &lhttp.Request{URL: srv.url(fmt.Sprintf("/%s/%d", framing, size)), Into: make([]byte, 0, 4096)}
				r := hc.fetch(t, req)
				if r.err != nil || r.status != 200 || r.n != int64(size) || r.sum != hcBodySum(size) {
					t.Fatalf("%s %d into a buffer: %v, status %d, %d bytes, SHA-256 match %v", framing, size, r.err, r.status, r.n, r.sum == hcBodySum(size))
				}
			}
		}
		// A body that fills the buffer exactly fits; one byte more does not.
		for _, framing := range []string{"fixed", "chunked"} {
			u := srv.url(fmt.Sprintf("/%s/%d", framing, 1024))
			if r := hc.fetch(t, &lhttp.Request{URL: u, Into: make([]byte, 0, 1024)}); r.err != nil || r.n != 1024 || r.sum != hcBodySum(1024) {
				t.Fatalf("%s 1 KiB into 1 KiB: %v, %d bytes", framing, r.err, r.n)
			}
			if r := hc.fetch(t, &lhttp.Request{URL: u, Into: make([]byte, 0, 1023)}); !errors.Is(r.err, lhttp.ErrBodyTooLarge) {
				t.Fatalf("%s 1 KiB into 1023 bytes: %v, %d bytes; want ErrBodyTooLarge", framing, r.err, r.n)
			}
		}
		// A body larger than the buffer is a typed error, and the client
		// goes on working.
		for _, framing := range []string{"fixed", "chunked"} {
			req := &lhttp.Request{URL: srv.url(fmt.Sprintf("/%s/%d", framing, 1<<20)), Into: make([]byte, 0, 64<<10)}
			if r := hc.fetch(t, req); !errors.Is(r.err, lhttp.ErrBodyTooLarge) {
				t.Fatalf("%s 1 MiB into 64 KiB: status %d, %d bytes, %v; want ErrBodyTooLarge", framing, r.status, r.n, r.err)
			}
		}
		hc.get(t, srv.url("/hello"), 200)
	})

	t.Run("trailers", func(t *testing.T) {
		r := hc.fetch(t, &lhttp.Request{URL: srv.url("/trailers")})
		want := sha256.Sum256(hcBody(100000))
		if r.err != nil || r.status != 200 || !r.chunked || r.n != 100000 || r.sum != want {
			t.Fatalf("%v, status %d, chunked %v, %d bytes, SHA-256 match %v", r.err, r.status, r.chunked, r.n, r.sum == want)
		}
		if got := r.trailer.Get("X-Body-Sha256"); got != hex.EncodeToString(want[:]) {
			t.Fatalf("trailer X-Body-Sha256 %q, trailers %v", got, r.trailer)
		}
	})

	t.Run("interim", func(t *testing.T) {
		// 103 Early Hints, then the answer: the client skips the interim
		// head (its Link field is not the final response's).
		r := hc.fetch(t, &lhttp.Request{URL: srv.url("/early-hints"), Into: make([]byte, 0, 64)})
		if r.err != nil || r.status != 200 || r.n != int64(len(hcHello)) || r.sum != sha256.Sum256([]byte(hcHello)) || r.header.Get("Link") != "" {
			t.Fatalf("%v, status %d, %d bytes, Link %q", r.err, r.status, r.n, r.header.Get("Link"))
		}
		cv := hcCurl(t, env.ns, srv.url("/early-hints"))
		if cv.status != r.status || cv.sum != r.sum || cv.heads != 2 {
			t.Fatalf("curl: status %d after %d heads, body equal %v", cv.status, cv.heads, cv.sum == r.sum)
		}
	})

	t.Run("close-delimited", func(t *testing.T) {
		// A body that ends with the server's FIN, HTTP/1.0 and 1.1.
		want := hcBodySum(100000)
		for _, p := range []string{"/http10", "/eof-body"} {
			r := hc.fetch(t, &lhttp.Request{URL: env.raw.url(p)})
			if r.err != nil || r.status != 200 || r.n != 100000 || r.sum != want || r.contentLength != -1 || r.chunked {
				t.Fatalf("%s: %v, status %d, %d bytes, SHA-256 match %v", p, r.err, r.status, r.n, r.sum == want)
			}
			cv := hcCurl(t, env.ns, env.raw.url(p))
			if cv.status != r.status || cv.sum != r.sum {
				t.Fatalf("%s: curl got %d, %d bytes", p, cv.status, cv.n)
			}
		}
	})

	t.Run("early-answer", func(t *testing.T) {
		// The server answers 413 and closes without reading a 4 MiB
		// body: the client reports the answer, as curl does, whatever
		// became of the rest of its body.
		big := pseudoRandom(4<<20, 14)
		r := hc.fetch(t, &lhttp.Request{Method: "POST", URL: srv.url("/reject"), Body: big, Into: make([]byte, 0, 64)})
		cv := hcCurl(t, env.ns, srv.url("/reject"), "--data-binary", hcCurlUpload(t, big))
		t.Logf("client: status %d, %v; curl: status %d", r.status, r.err, cv.status)
		if r.err != nil || r.status != 413 || string(r.body) != "too big!\n" || cv.status != 413 {
			t.Fatalf("client: %v, status %d, body %q; curl: status %d", r.err, r.status, r.body, cv.status)
		}
		hc.get(t, srv.url("/hello"), 200)
	})

	t.Run("methods", func(t *testing.T) {
		dials := hc.stats().Dials
		body := pseudoRandom(3000, 11)
		sum := sha256.Sum256(body)
		for _, m := range []string{"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
			req := &lhttp.Request{Method: m, URL: srv.url("/echo"), Header: []lhttp.Field{{Name: "X-Test", Value: "value " + m}}}
			curlArgs := []string{"-X", m, "-H", "X-Test: value " + m}
			wantLen, wantSum := 0, sha256.Sum256(nil)
			switch m {
			case "HEAD":
				curlArgs = []string{"-I", "-H", "X-Test: value " + m}
			case "GET":
			default:
				req.Body = body
				curlArgs = append(curlArgs, "--data-binary", hcCurlUpload(t, body))
				wantLen, wantSum = len(body), sum
			}
			r := hc.fetch(t, req)
			h := r.header
			if r.err != nil || r.status != 200 || h.Get("X-Method") != m || h.Get("X-Body-Length") != strconv.Itoa(wantLen) ||
				h.Get("X-Body-Sha256") != hex.EncodeToString(wantSum[:]) || h.Get("X-Echo-X-Test") != "value "+m {
				t.Fatalf("%s: %v, status %d, fields %v", m, r.err, r.status, h)
			}
			if ua, host := h.Get("X-Echo-User-Agent"), h.Get("X-Request-Host"); ua != lhttp.DefaultUserAgent || host != strings.TrimPrefix(srv.base, "http://") {
				t.Fatalf("%s: the server saw User-Agent %q, Host %q", m, ua, host)
			}
			// HEAD: the length a GET would have, and no body read.
			wantBody := len(fmt.Sprintf("%s %d %x\n", m, wantLen, wantSum))
			if m == "HEAD" && (r.n != 0 || r.contentLength != int64(wantBody)) || m != "HEAD" && r.n != int64(wantBody) {
				t.Fatalf("%s: %d body bytes, ContentLength %d", m, r.n, r.contentLength)
			}
			cv := hcCurl(t, env.ns, srv.url("/echo"), curlArgs...)
			for _, f := range []string{"X-Method", "X-Body-Length", "X-Body-Sha256", "X-Echo-X-Test", "Content-Length"} {
				if cv.header.Get(f) != h.Get(f) || cv.status != r.status {
					t.Fatalf("%s: curl saw %s %q (status %d), the client %q (status %d)", m, f, cv.header.Get(f), cv.status, h.Get(f), r.status)
				}
			}
		}
		// Every request went over one kept-alive connection, HEAD's
		// included: the client did not wait for a body after it.
		if st := hc.stats(); st.Dials-dials > 1 {
			t.Fatalf("client stats %+v: %d connections for 7 requests, want at most 1", st, st.Dials-dials)
		}
	})

	t.Run("target-and-host", func(t *testing.T) {
		// The path and query go out as written, escapes and all; a
		// fragment does not; a Host field replaces the URL's.
		const target = "/echo?q=a%20b&slash=%2F&utf8=%C3%A9&empty="
		r := hc.fetch(t, &lhttp.Request{URL: srv.url(target + "#frag"), Header: []lhttp.Field{{Name: "Host", Value: "device.example"}}})
		if r.err != nil || r.status != 200 || r.header.Get("X-Request-Uri") != target || r.header.Get("X-Request-Host") != "device.example" {
			t.Fatalf("%v, status %d: the server saw target %q, Host %q", r.err, r.status, r.header.Get("X-Request-Uri"), r.header.Get("X-Request-Host"))
		}
		cv := hcCurl(t, env.ns, srv.url(target), "-H", "Host: device.example")
		if cv.header.Get("X-Request-Uri") != r.header.Get("X-Request-Uri") || cv.header.Get("X-Request-Host") != r.header.Get("X-Request-Host") {
			t.Fatalf("curl's request: target %q, Host %q", cv.header.Get("X-Request-Uri"), cv.header.Get("X-Request-Host"))
		}
	})

	t.Run("upload", func(t *testing.T) {
		// A byte slice, sent with Content-Length.
		body := pseudoRandom(1<<20, 12)
		sum := sha256.Sum256(body)
		r := hc.fetch(t, &lhttp.Request{Method: "POST", URL: srv.url("/sink"), Body: body, Into: make([]byte, 0, 256)})
		rec := srv.sunk(t)
		if r.err != nil || r.status != 200 || rec.method != "POST" || rec.n != 1<<20 || rec.sum != sum || rec.chunked {
			t.Fatalf("slice: %v, status %d; the sink saw %s of %d bytes, SHA-256 match %v, chunked %v", r.err, r.status, rec.method, rec.n, rec.sum == sum, rec.chunked)
		}
		cv := hcCurl(t, env.ns, srv.url("/sink"), "--data-binary", hcCurlUpload(t, body))
		if crec := srv.sunk(t); cv.status != 200 || crec.sum != rec.sum {
			t.Fatalf("curl's upload: status %d, SHA-256 equal to the client's %v", cv.status, crec.sum == rec.sum)
		}

		// A streaming source of 16 MiB, sized and chunked, that pauses
		// after every MiB until the test resumes it, and gives its first
		// MiB in small pieces of 1 to 64 bytes (a sensor's readings), so
		// that the chunked body's size lines land at every offset of
		// the client's send ring, its wrap included.
		big := pseudoRandom(16<<20, 13)
		bigSum := sha256.Sum256(big)
		for _, sized := range []bool{true, false} {
			start := time.Now()
			res := hcStreamUpload(t, hc, srv.url("/sink"), big, sized)
			rec := srv.sunk(t)
			if res.err != nil || res.status != 200 || rec.method != "PUT" || rec.n != int64(len(big)) || rec.sum != bigSum || rec.chunked == sized {
				t.Fatalf("stream (sized %v): %v, status %d; the sink saw %s of %d bytes, SHA-256 match %v, chunked %v",
					sized, res.err, res.status, rec.method, rec.n, rec.sum == bigSum, rec.chunked)
			}
			t.Logf("16 MiB streamed up (sized %v) in %v", sized, time.Since(start).Round(time.Millisecond))
		}
	})
}

// hcStreamUpload PUTs body to url from a BodyFunc that produces it in
// pieces and pauses after every MiB; the test goroutine resumes it each
// time, so the pause and Client.Resume are both exercised.
func hcStreamUpload(t *testing.T, hc *hcClient, url string, body []byte, sized bool) hcResult {
	t.Helper()
	paused := make(chan struct{}, 1)
	off, mark := 0, 0
	rng := rand.New(rand.NewPCG(uint64(len(body)), 2))
	req := &lhttp.Request{Method: "PUT", URL: url, Into: make([]byte, 0, 256)}
	if sized {
		req.ContentLength = int64(len(body))
	}
	req.BodyFunc = func(p []byte) (int, bool, error) {
		if off-mark >= 1<<20 {
			mark = off
			paused <- struct{}{}
			return 0, false, nil
		}
		end := min(len(body), mark+1<<20)
		if off < 1<<20 {
			end = min(end, off+1+rng.IntN(64))
		}
		n := copy(p, body[off:end])
		off += n
		return n, off == len(body), nil
	}
	call := hc.start(req)
	for {
		select {
		case r := <-call.done:
			return r
		case <-paused:
			hc.d.r.Post(func() { hc.c.Resume(req) })
		case <-time.After(time.Minute):
			t.Fatalf("streamed upload of %d bytes stalled", len(body))
		}
	}
}
