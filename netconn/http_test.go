package netconn_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed947b3480/legation/netconn"
)

// bodyHandler serves GET /data?n=N&seed=S with N deterministic bytes and
// answers POST /sum with the SHA-256 of the body and its length.
func bodyHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /data", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		seed, _ := strconv.ParseUint(r.URL.Query().Get("seed"), 10, 64)
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(randomBytes(n, seed))
	})
	mux.HandleFunc("POST /sum", func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%d %x", n, h.Sum(nil))
	})
	return mux
}

// serveHTTP runs srv on l until the test ends.
func serveHTTP(t *testing.T, srv *http.Server, l net.Listener) {
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(l) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	})
}

// getAndPost downloads and uploads size bytes twice each through client
// and checks both with SHA-256.
func getAndPost(t *testing.T, client *http.Client, base string, size int) {
	t.Helper()
	for i := 0; i < 2; i++ {
		seed := uint64(10 + i)
		resp, err := client.Get(fmt.Sprintf("%s/data?n=%d&seed=%d", base, size, seed))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		n, err := io.Copy(h, resp.Body)
		resp.Body.Close()
		if err != nil || n != int64(size) || !bytes.Equal(h.Sum(nil), sha(randomBytes(size, seed))) {
			t.Fatalf("GET: %d of %d bytes, %v; hash match %v", n, size, err, bytes.Equal(h.Sum(nil), sha(randomBytes(size, seed))))
		}

		body := randomBytes(size, seed+100)
		resp, err = client.Post(base+"/sum", "application/octet-stream", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := fmt.Sprintf("%d %s", size, hex.EncodeToString(sha(body)))
		if err != nil || resp.StatusCode != 200 || string(got) != want {
			t.Fatalf("POST: %s %q, %v; want %q", resp.Status, got, err, want)
		}
	}
}

// net/http on both ends: a server on B's listener, a client dialing from
// A, 4 MiB bodies each way twice, all over one kept-alive connection.
func TestHTTP(t *testing.T) {
	a, b := newPair(t, netconn.Config{})
	l, err := b.net.Listen("tcp", ":80")
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int32
	srv := &http.Server{Handler: bodyHandler(), ConnState: func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}}
	serveHTTP(t, srv, l)
	tr := &http.Transport{DialContext: a.net.DialContext}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}

	const size = 4 << 20
	start := time.Now()
	getAndPost(t, client, "http://10.0.0.2", size)
	el := time.Since(start)
	t.Logf("16 MiB over HTTP in %v (%.0f MB/s)", el.Round(time.Millisecond), 4*size/el.Seconds()/1e6)
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 4 requests, want 1 (keep-alive)", n)
	}
}
