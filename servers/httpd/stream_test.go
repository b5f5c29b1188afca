package httpd

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"
)

func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	rng := rand.New(rand.NewPCG(seed, seed+1))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// streamServer has an upload route that hashes what it is given and a
// download route that streams n pseudo-random bytes, chunked or with a
// length.
func streamServer(t testing.TB, cfg Config, download []byte) *testNet {
	n := newTestNet(t, cfg)
	var sum [sha256.Size]byte
	h := sha256.New()
	n.srv.HandleStream("POST", "/upload", &StreamHandler{
		MaxBody: -1,
		Start:   func(w *Response, r *Request) { h.Reset() },
		Data:    func(r *Request, p []byte) { h.Write(p) },
		End: func(w *Response, r *Request) {
			w.Send(200, "text/plain", hex.AppendEncode(w.Scratch(), h.Sum(sum[:0])))
		},
	})
	for _, chunked := range []bool{true, false} {
		path, length := "/download/length", int64(len(download))
		if chunked {
			path, length = "/download/chunked", -1
		}
		n.srv.Handle("GET", path, func(w *Response, r *Request) {
			rest := download
			w.Stream(200, "application/octet-stream", length, func(p []byte) (int, bool) {
				k := copy(p, rest)
				rest = rest[k:]
				return k, len(rest) == 0
			})
		})
	}
	n.start()
	return n
}

// readResponse parses the first response in got with net/http's parser.
func readResponse(t testing.TB, got []byte, method string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://x/", nil)
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(got)), req)
	if err != nil {
		t.Fatalf("response: %v\n%q", err, got[:min(len(got), 300)])
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	return resp, body
}

func TestStreamedDownloadChunkedAndSized(t *testing.T) {
	data := randomBytes(3<<20+17, 1)
	n := streamServer(t, Config{}, data)
	for _, path := range []string{"/download/chunked", "/download/length"} {
		c := n.dial()
		c.send("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n")
		n.run(time.Minute, path, func() bool {
			return bytes.HasSuffix(c.got.Bytes(), []byte("0\r\n\r\n")) || c.got.Len() >= len(data)+60 && path == "/download/length"
		})
		resp, body := readResponse(t, c.got.Bytes(), "GET")
		if sha256.Sum256(body) != sha256.Sum256(data) {
			t.Fatalf("%s: body differs (%d of %d bytes)", path, len(body), len(data))
		}
		if chunked := len(resp.TransferEncoding) == 1; chunked != (path == "/download/chunked") {
			t.Fatalf("%s: transfer encoding %v", path, resp.TransferEncoding)
		}
	}
	if st := n.srv.Stats(); st.Active != 0 {
		t.Fatalf("buffers still lent: %+v", st)
	}
}

func chunk(b []byte, size int) string {
	var s strings.Builder
	for len(b) > 0 {
		k := min(size, len(b))
		fmt.Fprintf(&s, "%x\r\n%s\r\n", k, b[:k])
		b = b[k:]
	}
	s.WriteString("0\r\nTrailer: x\r\n\r\n")
	return s.String()
}

func TestStreamedUploadChunkedAndSized(t *testing.T) {
	data := randomBytes(2<<20+5, 2)
	want := sha256.Sum256(data)
	n := streamServer(t, Config{}, nil)
	for _, chunked := range []bool{true, false} {
		c := n.dial()
		if chunked {
			c.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk(data, 7000))
		} else {
			c.send(fmt.Sprintf("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(data), data))
		}
		n.run(time.Minute, "upload", func() bool { return c.responses() == 1 })
		_, body := readResponse(t, c.got.Bytes(), "POST")
		if string(body) != hex.EncodeToString(want[:]) {
			t.Fatalf("chunked=%v: server hashed %s", chunked, body)
		}
		// The connection stays usable.
		c.got.Reset()
		c.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
		n.run(time.Second, "second request", func() bool { return c.responses() == 1 })
	}
}

func TestExpectContinue(t *testing.T) {
	n := helloServer(t, Config{})
	c := n.dial()
	c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
	n.run(time.Second, "100 Continue", func() bool { return bytes.Contains(c.got.Bytes(), []byte("\r\n\r\n")) })
	if got := c.got.String(); got != "HTTP/1.1 100 Continue\r\n\r\n" {
		t.Fatalf("interim response %q", got)
	}
	c.got.Reset()
	c.send("ping")
	n.run(time.Second, "answer", func() bool { return c.responses() == 1 })
	if _, body := readResponse(t, c.got.Bytes(), "POST"); string(body) != "ping" {
		t.Fatalf("body %q", body)
	}
}

func TestHeadHasLengthButNoBody(t *testing.T) {
	n := helloServer(t, Config{})
	c := n.dial()
	c.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
	n.run(time.Second, "answers", func() bool { return strings.Count(c.got.String(), "HTTP/1.1 200") == 2 })
	if !strings.HasPrefix(c.got.String(), "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHTTP/1.1 200 OK") {
		t.Fatalf("HEAD then GET:\n%s", c.got.String())
	}
}

func TestHTTP10ClosesUnlessKeepAlive(t *testing.T) {
	n := helloServer(t, Config{})
	c := n.dial()
	c.send("GET /hello HTTP/1.0\r\n\r\n")
	n.run(time.Second, "close", func() bool { return c.eof })
	if !strings.Contains(c.got.String(), "Connection: close") {
		t.Fatalf("%s", c.got.String())
	}
	c = n.dial()
	c.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	n.run(time.Second, "answer", func() bool { return c.responses() == 1 })
	if !strings.Contains(c.got.String(), "Connection: keep-alive") || c.eof {
		t.Fatalf("%s", c.got.String())
	}
}

// An HTTP/1.0 client has no chunks: a body without a length ends with the
// connection.
func TestStreamToHTTP10EndsWithClose(t *testing.T) {
	data := randomBytes(200<<10, 3)
	n := streamServer(t, Config{}, data)
	c := n.dial()
	c.send("GET /download/chunked HTTP/1.0\r\n\r\n")
	n.run(time.Minute, "close", func() bool { return c.eof })
	_, body := readResponse(t, c.got.Bytes(), "GET")
	if !bytes.Equal(body, data) {
		t.Fatalf("body %d of %d bytes", len(body), len(data))
	}
}
