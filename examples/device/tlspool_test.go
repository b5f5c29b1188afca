package main

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed947b3480/legation/examples/device/app"
	"github.com/seed947b3480/legation/tlsx"
)

// Sizes of TestDeviceHTTPSSharedPool.
const (
	poolTestBuffers  = 2 // record buffers the sessions share
	poolTestFetchers = 6 // concurrent HTTPS connections, besides the live view
	poolTestFetches  = 3 // requests on each, keep-alive
)

// The device's HTTPS server through httpd's Acceptor with a shared
// tlsx.BufferPool of 2 record buffers (sharePool), fewer than the
// connections it serves at once: a WSS live view stays open while six
// connections each handshake and fetch the page and /api/info three times
// on keep-alive, all concurrently, on a stack sized as main sizes it.
// Every answer must be 200 with the same page (SHA-256) as the first
// fetch, the live view must keep delivering, the pool must have lent
// buffers for the requests and never made more than its limit, and once
// the device has shut down no buffer may be out.
//
// It does not force a session to wait for a buffer: tlsstream takes a
// receive buffer only once a whole record is in TCP's ring and the
// server consumes each record in the same turn, so with as many exchanges
// as connections a buffer is never held across turns (tlsstream's own
// tests cover the wait).
func TestDeviceHTTPSSharedPool(t *testing.T) {
	rg := newTLSRig(t, app.Config{Name: "pool-dev", Link: "loopback", HTTPSPort: 8443, UpdateInterval: 50 * time.Millisecond},
		poolTestBuffers, true)
	secure := rg.forward(t, 8443)
	addr := secure.ln.Addr().String()
	tlsConfig := rg.tlsConfig()

	// The live view first: it stays open throughout.
	raw, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(20 * time.Second))
	ws := tls.Client(raw, tlsConfig)
	br := wsOpen(t, ws, "/api/live")
	var snap struct{ T, Name string }
	if m := wsRead(t, br); json.Unmarshal(m, &snap) != nil || snap.T != "snap" || snap.Name != "pool-dev" {
		t.Fatalf("first live message %.300q: want a snapshot of pool-dev", m)
	}

	// The page's digest, over a connection of its own.
	page := func(c *http.Client, path string) ([32]byte, string, error) {
		resp, err := c.Get("https://" + addr + path)
		if err != nil {
			return [32]byte{}, "", err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 {
			return [32]byte{}, "", fmt.Errorf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		return sha256.Sum256(body), string(body), nil
	}
	client := func() *http.Client {
		// One connection per client: MaxConnsPerHost 1 keeps the fetches
		// of one fetcher on one keep-alive session.
		return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig, MaxConnsPerHost: 1}}
	}
	first := client()
	want, body, err := page(first, "/")
	if err != nil || !strings.Contains(body, "/api/live") {
		t.Fatalf("first fetch: %v (%.100q)", err, body)
	}
	first.CloseIdleConnections()

	errs := make(chan error, poolTestFetchers)
	var wg sync.WaitGroup
	for i := range poolTestFetchers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client()
			defer c.CloseIdleConnections()
			for j := range poolTestFetches {
				sum, _, err := page(c, "/")
				if err == nil && sum != want {
					err = fmt.Errorf("page digest %x, want %x", sum, want)
				}
				if err == nil {
					var info struct{ Name string }
					var infoBody string
					_, infoBody, err = page(c, "/api/info")
					if err == nil && (json.Unmarshal([]byte(infoBody), &info) != nil || info.Name != "pool-dev") {
						err = fmt.Errorf("/api/info %.100q", infoBody)
					}
				}
				if err != nil {
					errs <- fmt.Errorf("fetcher %d, round %d: %w", i, j, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// The live view still delivers: the next few messages arrive.
	for range 3 {
		if m := wsRead(t, br); len(m) == 0 {
			t.Fatal("empty live message")
		}
	}
	ws.Close()

	// Once the device has shut down, every buffer is back.
	select {
	case <-shutdown(rg.r, rg.d):
	case <-time.After(10 * time.Second):
		t.Fatal("device still shutting down after 10 s")
	}
	var st0 tlsx.PoolStats
	rg.onReactor(func() { st0 = rg.pool.Stats() })
	t.Logf("pool after %d connections: %+v", poolTestFetchers+2, st0)
	if st0.Lent != 0 || st0.Waiting != 0 {
		t.Errorf("pool %+v after shutdown: want no buffer out, none waiting", st0)
	}
	if st0.Made > poolTestBuffers {
		t.Errorf("pool made %d buffers, limit %d", st0.Made, poolTestBuffers)
	}
	if st0.Lends < poolTestFetchers*poolTestFetches {
		t.Errorf("pool lent %d buffers for %d requests: the sessions did not use it", st0.Lends, poolTestFetchers*poolTestFetches)
	}
}
