package httpbench

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

// idleTarget is the design's budget for one idle keep-alive connection on
// the server, TCP included: heap bytes.
const idleTarget = 2048

// TestIdleKeepAliveMemory measures what an idle keep-alive connection costs
// httpd's side in heap: 10,000 legation clients each make one GET and then
// stay connected and silent. The server's connections borrow their TCP
// buffers from a tcp.BufferPool (httpd's default; the test passes its own
// in stack.ListenConfig.Pool to report its counters), so an idle connection
// should hold none; its heap per connection must stay within idleTarget.
//
// The clients connect 32 at a time, and each group's delayed ACKs (40 ms)
// are let out before the next group comes, as they would be on a real
// network where connections do not all arrive in the same instant: until
// the client acknowledges the response, the server's send ring holds it,
// and with it a buffer from the pool.
//
// How the server's share is told from the clients' (both stacks share the
// process's heap): every allocation is recorded (runtime.MemProfileRate =
// 1) and the live bytes of each allocation site, from runtime.MemProfile,
// are compared between snapshots. A site whose call stack goes through the
// client stack's DialTCP, or whose innermost frame in this package is the
// clients' set-up (legationSession.dial), is the clients'; everything else
// (accepting, httpd's per-connection record, the server stack's tables, the
// pool's buffers) is the server's. Two figures come out:
//
//   - per connection on average: the server's growth from the idle server
//     (stacks up, httpd listening) to 10,000 idle connections, divided by
//     10,000: fixed costs such as the pool's buffers are included, spread;
//   - per connection at the margin: the growth from 1,000 connections to
//     10,000, divided by 9,000: what one more idle connection costs.
//
// The target is checked against the larger. The profile's total is also
// checked against runtime.MemStats.HeapAlloc over the same interval, so a
// misclassified or missing site would show.
func TestIdleKeepAliveMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 connections: skipped with -short")
	}
	const first, total = 1000, 10000

	old := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = old }()

	pool := tcp.NewBufferPool(0, 0)
	ln := newLegationNet(t, httpd.Config{
		MaxConns: total + 100,
		Listen:   stack.ListenConfig{Pool: pool},
	})
	s := newLegationSession(ln)
	connect := func(n int) {
		for i := 0; i < n; i += dialBatch {
			// The clients' rings are small (a request is 38 bytes, a
			// response under 100): they are the clients' cost.
			if err := s.dial(min(dialBatch, n-i), clientConfig, 256); err != nil {
				t.Fatalf("after %d connections: %v", len(s.clients), err)
			}
			ln.r.RunFor(tcp.DefaultDelayedAck)
		}
		if s.err != nil {
			t.Fatal(s.err)
		}
	}

	start := time.Now()
	h0, p0 := heapSnapshot()
	connect(first)
	h1, p1 := heapSnapshot()
	connect(total - first)
	h2, p2 := heapSnapshot()
	elapsed := time.Since(start)
	// Everything measured must stay reachable until here: the session
	// holds the clients and, through the network, the server.
	runtime.KeepAlive(s)

	avg := compare(p0, p2, total)
	margin := compare(p1, p2, total-first)
	open := ln.server.Stats()
	t.Logf("%d idle keep-alive connections (%v, %v virtual), httpd %+v, pool %+v",
		total, elapsed.Round(time.Millisecond), ln.clk.Now(), open, pool.Stats())
	t.Logf("server: %.0f B/conn on average, %.0f B/conn at the margin; clients: %.0f B/conn on average",
		avg.server, margin.server, avg.client)
	t.Logf("heap growth in all: %.0f B/conn on average (profile %.0f), %.0f at the margin (profile %.0f)",
		float64(h2-h0)/total, avg.server+avg.client,
		float64(h2-h1)/(total-first), margin.server+margin.client)
	t.Logf("server's largest sites, on average per connection:%s", avg.top)
	if open.Conns != total || open.IdleConns != total || open.Requests != total {
		t.Errorf("httpd holds %d connections, %d idle, after %d requests; want %d each", open.Conns, open.IdleConns, open.Requests, total)
	}
	if ps := pool.Stats(); ps.Lent != 0 {
		t.Errorf("idle connections hold %d pool buffers, want 0", ps.Lent)
	}
	if worst := max(avg.server, margin.server); worst > idleTarget {
		t.Errorf("an idle keep-alive connection costs the server %.0f heap bytes, target %d", worst, idleTarget)
	}
	// The profile must account for the heap: within 5% or 64 B/conn.
	for _, c := range []struct {
		name    string
		heap    float64
		profile float64
	}{
		{"average", float64(h2-h0) / total, avg.server + avg.client},
		{"margin", float64(h2-h1) / (total - first), margin.server + margin.client},
	} {
		if d := c.heap - c.profile; d > max(64, c.heap/20) || -d > max(64, c.heap/20) {
			t.Errorf("%s: the heap grew %.0f B/conn, the profile accounts for %.0f", c.name, c.heap, c.profile)
		}
	}
}

// growth is the live bytes added between two snapshots, per connection.
type growth struct {
	server, client float64
	top            string // the server's largest sites
}

func compare(before, after map[string]liveSite, conns int) growth {
	type site struct {
		key   string
		bytes int64
	}
	var server, client int64
	var sites []site
	for key, live := range after {
		d := live.bytes - before[key].bytes
		if live.client {
			client += d
		} else {
			server += d
			sites = append(sites, site{key, d})
		}
	}
	for key, live := range before {
		if _, ok := after[key]; !ok {
			if live.client {
				client -= live.bytes
			} else {
				server -= live.bytes
			}
		}
	}
	slices.SortFunc(sites, func(a, b site) int { return cmp.Compare(b.bytes, a.bytes) })
	var top strings.Builder
	for _, st := range sites[:min(8, len(sites))] {
		fmt.Fprintf(&top, "\n\t%8.1f  %s", float64(st.bytes)/float64(conns), st.key)
	}
	return growth{float64(server) / float64(conns), float64(client) / float64(conns), top.String()}
}

// liveSite is an allocation site's live bytes and whose they are.
type liveSite struct {
	bytes  int64
	client bool
}

// heapSnapshot collects garbage and returns the live heap and the live
// bytes of every allocation site, keyed by its innermost frames.
func heapSnapshot() (int64, map[string]liveSite) {
	// The profile lags up to two cycles behind.
	for range 3 {
		runtime.GC()
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var recs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, false)
	for {
		recs = make([]runtime.MemProfileRecord, n+64)
		var ok bool
		if n, ok = runtime.MemProfile(recs, false); ok {
			recs = recs[:n]
			break
		}
	}
	sites := make(map[string]liveSite, len(recs))
	for _, r := range recs {
		key, client := describe(r.Stack())
		if client {
			key = "client: " + key
		}
		ls := sites[key]
		ls.bytes += r.InUseBytes()
		ls.client = client
		sites[key] = ls
	}
	return int64(ms.HeapAlloc), sites
}

// describe names a call stack by its innermost frames outside the runtime
// and reports whether it allocated for the clients.
func describe(pcs []uintptr) (string, bool) {
	frames := runtime.CallersFrames(pcs)
	var names []string
	client, innermostBench := false, true
	for {
		f, more := frames.Next()
		name := f.Function
		switch {
		case strings.HasSuffix(name, "stack.(*Stack).DialTCP"):
			client = true
		case strings.Contains(name, "/bench/httpbench."):
			if innermostBench && strings.Contains(name, ".(*legationSession).dial") {
				client = true
			}
			innermostBench = false
		}
		if !strings.HasPrefix(name, "runtime.") && len(names) < 3 {
			names = append(names, fmt.Sprintf("%s:%d", name[strings.LastIndex(name, "/")+1:], f.Line))
		}
		if !more {
			break
		}
	}
	return strings.Join(names, " < "), client
}
