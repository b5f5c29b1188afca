package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/seed947b3480/legation/examples/device/app"
	"github.com/seed947b3480/legation/hal/tap"
	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

// Sizes of TestDeviceThousandConns.
const (
	devConns       = 1000
	devFetches     = 10
	devWorkers     = 8
	devMaxConns    = 1024
	devMaxActive   = 32
	devBufferSize  = 4096
	devPoolBufSize = 4096
	// devConnBudget is what one open connection may cost the device beyond
	// its pooled TCP buffers: the stack's pooled connection record (at most
	// 1,100 B, TestTCPTenThousandPooledConnections) and httpd's record.
	devConnBudget = 2048
	// devClientBudget is what the test's own end of a connection may cost
	// the same heap (a *net.TCPConn and its poll descriptor).
	devClientBudget = 1024
	// devSlack covers the runtime's and the test's fixed allocations and
	// the GC's granularity.
	devSlack = 2 << 20
)

// The demo device (package app, in this process over TAP) serves 1,000
// simultaneous kernel TCP connections: all are opened first, then each
// fetches /api/info ten times on keep-alive, 1,000 requests in flight at
// a time; every answer must be 200 with the device's JSON. Throughout,
// the live heap (HeapInuse after a GC, sampled every 100 ms) must stay
// within what the configuration allows: the TCP buffer pool's limit times
// its buffer size, httpd's request buffers, a budget per connection, and
// the heap before the test.
func TestDeviceThousandConns(t *testing.T) {
	netnstest.Require(t)
	start := time.Now()
	raiseFDLimit(t, 2*devConns+256)

	ns := netnstest.New(t)
	dev, err := tap.Open(tap.Config{Name: "tap0", Netns: ns.Name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	d := startDevice(t, dev, stack.Config{Addr: netip.MustParsePrefix("10.77.0.2/24")})
	ns.ConfigureTap(t, "tap0", "10.77.0.1/24", 1500)

	// Two pool buffers per connection, as httpd's default pool allows:
	// with fewer, connections holding unread requests could take every
	// buffer while the ones being answered wait for a send buffer.
	pool := tcp.NewBufferPool(devPoolBufSize, 2*devMaxConns)
	cfg := app.Config{Name: "thousand", Link: "tap:tap0", HTTP: httpd.Config{
		MaxConns: devMaxConns, MaxActive: devMaxActive, BufferSize: devBufferSize,
		Listen: stack.ListenConfig{Pool: pool, Backlog: 128},
	}}
	var a *app.Device
	d.do(func() {
		if a, err = app.New(d.r, d.s, cfg); err == nil {
			err = a.Start()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	base := liveHeap()
	bound := base + uint64(pool.Limit()*pool.Size()+devMaxActive*devBufferSize*2+
		devMaxConns*devConnBudget+devConns*devClientBudget+devSlack)

	// Sample the live heap every 100 ms until the end.
	var (
		mu      sync.Mutex
		peak    uint64
		samples int
	)
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			h := liveHeap()
			mu.Lock()
			peak, samples = max(peak, h), samples+1
			mu.Unlock()
			select {
			case <-stopSampling:
				return
			case <-tick.C:
			}
		}
	}()

	// Open every connection first, from the namespace.
	conns := make([]net.Conn, devConns)
	opened := time.Now()
	inNetns(t, ns.Name, func() {
		for i := range conns {
			c, err := net.DialTimeout("tcp4", "10.77.0.2:80", 10*time.Second)
			if err != nil {
				t.Errorf("connection %d: %v", i, err)
				return
			}
			conns[i] = c
		}
	})
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	if t.Failed() {
		t.FailNow()
	}
	var open int
	d.do(func() { open = a.Server().Stats().Conns })
	if open != devConns {
		t.Fatalf("the server holds %d connections, want %d", open, devConns)
	}
	idle := liveHeap()
	t.Logf("%d connections open in %v; live heap %d KiB before, %d KiB with them idle (%d B per connection, both ends)",
		devConns, time.Since(opened).Round(time.Millisecond), base>>10, idle>>10, int64(idle-base)/devConns)

	// Each worker owns a slice of the connections: per round it sends a
	// request on each, then reads each answer.
	fetching := time.Now()
	var wg sync.WaitGroup
	answered := make([]int, devWorkers)
	errs := make(chan error, devWorkers)
	for w := 0; w < devWorkers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			mine := conns[w*devConns/devWorkers : (w+1)*devConns/devWorkers]
			buf := make([]byte, 16<<10)
			req := []byte("GET /api/info HTTP/1.1\r\nHost: 10.77.0.2\r\nUser-Agent: interop\r\n\r\n")
			for round := 0; round < devFetches; round++ {
				for _, c := range mine {
					c.SetWriteDeadline(time.Now().Add(30 * time.Second))
					if _, err := c.Write(req); err != nil {
						errs <- fmt.Errorf("round %d: write: %w", round, err)
						return
					}
				}
				for i, c := range mine {
					if err := readInfo(c, buf, cfg.Name); err != nil {
						errs <- fmt.Errorf("worker %d round %d connection %d: %w", w, round, i, err)
						return
					}
					answered[w]++
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	took := time.Since(fetching)
	close(stopSampling)
	<-sampled
	total := 0
	for _, n := range answered {
		total += n
	}
	var st httpd.Stats
	var ps tcp.PoolStats
	d.do(func() { st, ps = a.Server().Stats(), pool.Stats() })
	t.Logf("%d requests answered in %v (%.0f/s); server: %d requests, %d accepted, %d refused, %d evicted, %d timed out; pool %+v",
		total, took.Round(time.Millisecond), float64(total)/took.Seconds(), st.Requests, st.Accepted, st.Refused, st.Evicted, st.TimedOut, ps)
	mu.Lock()
	t.Logf("live heap: %d KiB at most over %d samples; bound %d KiB (base %d KiB + pool %d x %d B + %d request buffers + %d x %d B per connection + %d x %d B client side + %d KiB slack)",
		peak>>10, samples, bound>>10, base>>10, pool.Limit(), pool.Size(), devMaxActive, devMaxConns, devConnBudget, devConns, devClientBudget, devSlack>>10)
	overBound := peak > bound
	mu.Unlock()
	if total != devConns*devFetches || st.Requests < devConns*devFetches || st.Refused+st.Evicted+st.TimedOut != 0 {
		t.Fatalf("answered %d of %d", total, devConns*devFetches)
	}
	if overBound {
		t.Fatalf("live heap %d KiB over the bound of %d KiB", peak>>10, bound>>10)
	}
	t.Logf("whole test %v", time.Since(start).Round(time.Millisecond))
}

// readInfo reads one response from c and checks it is /api/info's: 200,
// JSON, the device's name.
func readInfo(c net.Conn, buf []byte, name string) error {
	c.SetReadDeadline(time.Now().Add(60 * time.Second))
	n := 0
	for {
		if n == len(buf) {
			return fmt.Errorf("response longer than %d bytes", len(buf))
		}
		k, err := c.Read(buf[n:])
		n += k
		if err != nil {
			return fmt.Errorf("after %d bytes: %w", n, err)
		}
		head, body, ok := bytes.Cut(buf[:n], []byte("\r\n\r\n"))
		if !ok {
			continue
		}
		if !bytes.HasPrefix(head, []byte("HTTP/1.1 200 ")) {
			return fmt.Errorf("status %q", head)
		}
		i := bytes.Index(head, []byte("\r\nContent-Length: "))
		if i < 0 {
			return fmt.Errorf("no Content-Length: %q", head)
		}
		v, _, _ := bytes.Cut(head[i+len("\r\nContent-Length: "):], []byte("\r\n"))
		cl, err := strconv.Atoi(string(v))
		if err != nil {
			return fmt.Errorf("Content-Length %q", v)
		}
		if len(body) < cl {
			continue
		}
		if len(body) > cl {
			return fmt.Errorf("%d bytes after the body", len(body)-cl)
		}
		var info struct{ Name string }
		if err := json.Unmarshal(body, &info); err != nil || info.Name != name {
			return fmt.Errorf("body %q: %v", body, err)
		}
		return nil
	}
}

// liveHeap collects garbage and returns the heap in use: what is live.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// raiseFDLimit raises the soft limit on open files to at least n.
func raiseFDLimit(t *testing.T, n uint64) {
	t.Helper()
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		t.Fatal(err)
	}
	if l.Cur >= n {
		return
	}
	if l.Max < n {
		l.Max = n
	}
	l.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		t.Fatalf("raising the open files limit to %d: %v", n, err)
	}
}
