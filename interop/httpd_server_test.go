package interop

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/tcp"
)

// The HTTP server the httpd interop tests put on a device stack, with the
// routes every test shares.

const (
	// httpdHello is the body of GET /hello.
	httpdHello = "hello, world\n"
	// httpdDownloadSeed seeds the bytes of /download/*: the test makes
	// the same bytes with pseudoRandom(size, httpdDownloadSeed).
	httpdDownloadSeed = 3
)

// httpdServer is a server running on a device's reactor.
type httpdServer struct {
	d    *device
	srv  *httpd.Server
	port uint16
	// uploads receives what POST /upload was given, one record per
	// request, sent from the reactor goroutine.
	uploads chan uploadRecord
}

// uploadRecord is what the server saw of one upload.
type uploadRecord struct {
	n       int64
	sum     string // SHA-256, hex
	chunked bool   // the body came chunked (no Content-Length)
	expect  string // the Expect field, "" if none
}

// httpdPage is the static resource's source: text that compresses well
// but not to nothing, larger than one segment and one TCP buffer.
var httpdPage = func() []byte {
	var b bytes.Buffer
	b.WriteString("<!doctype html><title>legation</title>\n")
	for i := 0; b.Len() < 96<<10; i++ {
		fmt.Fprintf(&b, "<p id=\"p%d\">line %d of the static page, %x</p>\n", i, i, i*i*7919)
	}
	return b.Bytes()
}()

// gzipped returns p compressed.
func gzipped(t testing.TB, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write(p)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// startHTTPD makes a server with cfg on d's stack, registers the shared
// routes, listens on port and spawns it, all on the reactor goroutine.
func startHTTPD(t *testing.T, d *device, port uint16, cfg httpd.Config) *httpdServer {
	t.Helper()
	static, err := httpd.NewStatic("text/html; charset=utf-8", gzipped(t, httpdPage))
	if err != nil {
		t.Fatal(err)
	}
	hs := &httpdServer{d: d, port: port, uploads: make(chan uploadRecord, 16)}
	var lerr error
	d.do(func() {
		srv := httpd.New(d.s, cfg)
		hs.srv = srv
		srv.Handle("GET", "/hello", func(w *httpd.Response, r *httpd.Request) {
			w.Send(200, "text/plain", []byte(httpdHello))
		})
		srv.Handle("GET", "/api/items/*", func(w *httpd.Response, r *httpd.Request) {
			body, _ := json.Marshal(map[string]string{"id": r.Segment(0), "path": r.Path()})
			w.JSON(200, body)
		})
		srv.Handle("POST", "/echo", func(w *httpd.Response, r *httpd.Request) {
			w.Send(200, "application/octet-stream", r.Body())
		})
		srv.HandleStream("POST", "/upload", hs.uploadHandler())
		srv.Handle("GET", "/download/chunked", downloadHandler(true))
		srv.Handle("GET", "/download/sized", downloadHandler(false))
		srv.HandleStatic("/static/page.html", static)
		if lerr = srv.Listen(port); lerr == nil {
			srv.Spawn(d.r)
		}
	})
	if lerr != nil {
		t.Fatal(lerr)
	}
	return hs
}

// uploadHandler hashes the body as it arrives, answers its SHA-256 in hex
// and records what it saw. Uploads in progress at once are told apart by
// the client's address.
func (hs *httpdServer) uploadHandler() *httpd.StreamHandler {
	type upload struct {
		h   hash.Hash
		rec uploadRecord
	}
	inProgress := map[netip.AddrPort]*upload{}
	return &httpd.StreamHandler{
		MaxBody: -1,
		Start: func(w *httpd.Response, r *httpd.Request) {
			u := &upload{h: sha256.New(), rec: uploadRecord{chunked: r.ContentLength() < 0}}
			if v, ok := r.Header("Expect"); ok {
				u.rec.expect = strings.Clone(v)
			}
			inProgress[r.RemoteAddr()] = u
		},
		Data: func(r *httpd.Request, p []byte) {
			if u := inProgress[r.RemoteAddr()]; u != nil {
				u.h.Write(p)
				u.rec.n += int64(len(p))
			}
		},
		End: func(w *httpd.Response, r *httpd.Request) {
			u := inProgress[r.RemoteAddr()]
			delete(inProgress, r.RemoteAddr())
			if u == nil {
				w.Error(500)
				return
			}
			u.rec.sum = hex.EncodeToString(u.h.Sum(nil))
			select {
			case hs.uploads <- u.rec:
			default: // nobody is looking; never block the reactor
			}
			w.Send(200, "text/plain", []byte(u.rec.sum))
		},
	}
}

// downloadHandler streams size (from the query) pseudo-random bytes,
// chunked or with a Content-Length.
func downloadHandler(chunked bool) httpd.Handler {
	return func(w *httpd.Response, r *httpd.Request) {
		v, _ := r.Query("size")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			w.Error(400)
			return
		}
		rng := rand.NewChaCha8([32]byte{httpdDownloadSeed})
		left, length := n, n
		if chunked {
			length = -1
		}
		w.Stream(200, "application/octet-stream", length, func(p []byte) (int, bool) {
			k := int(min(int64(len(p)), left))
			rng.Read(p[:k])
			left -= int64(k)
			return k, left == 0
		})
	}
}

// stats reads the server's counters on the reactor goroutine.
func (hs *httpdServer) stats() httpd.Stats {
	var st httpd.Stats
	hs.d.do(func() { st = hs.srv.Stats() })
	return st
}

// poolStats reads a buffer pool's counters on the reactor goroutine.
func poolStats(d *device, p *tcp.BufferPool) tcp.PoolStats {
	var st tcp.PoolStats
	d.do(func() { st = p.Stats() })
	return st
}
