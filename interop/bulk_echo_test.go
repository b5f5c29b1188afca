package interop

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/netnstest"
	"golang.org/x/sys/unix"
)

// bulkResult is what one bulk echo run measured.
type bulkResult struct {
	Conns   int
	Bytes   int64 // each way, all connections together
	Elapsed time.Duration
	// Fastest, Median and Slowest are the connections' own times, from
	// the start until their echo was read to the end.
	Fastest, Median, Slowest time.Duration
	// Kernel is the kernel's TCP_INFO of the first connection at the end.
	Kernel string
}

// MBps is the throughput each way in MB/s (10^6 bytes).
func (r bulkResult) MBps() float64 { return float64(r.Bytes) / r.Elapsed.Seconds() / 1e6 }

func (r bulkResult) String() string {
	per := r.Bytes / int64(r.Conns)
	size := fmt.Sprintf("%d KiB", per>>10)
	if per >= 1<<20 {
		size = fmt.Sprintf("%d MiB", per>>20)
	}
	s := fmt.Sprintf("%d conn x %s each way in %v: %.2f MB/s each way",
		r.Conns, size, r.Elapsed.Round(time.Millisecond), r.MBps())
	if r.Conns > 1 {
		s += fmt.Sprintf(" (connections took %v fastest, %v median, %v slowest)",
			r.Fastest.Round(time.Millisecond), r.Median.Round(time.Millisecond), r.Slowest.Round(time.Millisecond))
	}
	return s
}

// bulkConn is one kernel socket's transfer through the echo service.
type bulkConn struct {
	id             int
	conn           *net.TCPConn
	sent, received atomic.Int64
	took           time.Duration // from the start until the echo ended
	sentSum        [sha256.Size]byte
	gotSum         [sha256.Size]byte
	writeErr       error
	readErr        error
}

// bulkEcho opens conns kernel sockets to the echo service on l and, on
// each, writes perConn pseudo-random bytes (a ChaCha8 stream seeded by
// seed and the connection's index) while reading the echo concurrently,
// then half-closes and reads to the end. It fails the test unless every
// connection got back exactly what it sent, by SHA-256, within limit. If
// nothing moves for stallAfter, it logs the state of the link and of every
// unfinished connection (kernel TCP_INFO) once, and keeps waiting.
func bulkEcho(t *testing.T, l *bulkLink, conns int, perConn int64, seed uint64, limit time.Duration) bulkResult {
	t.Helper()
	const stallAfter = 10 * time.Second
	cs := make([]*bulkConn, conns)
	start := time.Now()
	deadline := start.Add(limit)
	var wg sync.WaitGroup
	var dialErrs atomic.Int32
	dialErr := make([]error, conns)
	for i := range cs {
		c := &bulkConn{id: i}
		cs[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := bulkDial(l.peer.Name, deadline)
			if err != nil {
				dialErr[i] = err
				dialErrs.Add(1)
				return
			}
			c.conn = conn
			conn.SetDeadline(deadline)
			c.run(perConn, seed)
			c.took = time.Since(start)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var last int64 = -1
	stalled := false
	tick := time.NewTicker(stallAfter)
wait:
	for {
		select {
		case <-done:
			break wait
		case <-tick.C:
			var moved int64
			for _, c := range cs {
				moved += c.sent.Load() + c.received.Load()
			}
			if moved == last && !stalled {
				stalled = true
				t.Logf("no progress for %v after %v:\n%s\n%s", stallAfter, time.Since(start).Round(time.Millisecond),
					l.describe(t), bulkPending(cs, perConn))
			}
			last = moved
		}
	}
	tick.Stop()
	res := bulkResult{Conns: conns, Bytes: int64(conns) * perConn, Elapsed: time.Since(start)}
	for _, c := range cs {
		if c.conn != nil {
			defer c.conn.Close()
		}
	}
	if cs[0].conn != nil {
		res.Kernel = kernelTCPInfo(cs[0].conn)
	}
	took := make([]time.Duration, 0, conns)
	for _, c := range cs {
		took = append(took, c.took)
	}
	slices.Sort(took)
	res.Fastest, res.Median, res.Slowest = took[0], took[len(took)/2], took[len(took)-1]

	var bad []string
	if n := dialErrs.Load(); n > 0 {
		for i, err := range dialErr {
			if err != nil {
				bad = append(bad, fmt.Sprintf("conn %d: dial: %v", i, err))
			}
		}
	}
	for _, c := range cs {
		if c.conn == nil {
			continue
		}
		switch {
		case c.writeErr != nil || c.readErr != nil:
			bad = append(bad, fmt.Sprintf("conn %d: sent %d, echoed %d of %d; write: %v; read: %v; kernel %s",
				c.id, c.sent.Load(), c.received.Load(), perConn, c.writeErr, c.readErr, kernelTCPInfo(c.conn)))
		case c.received.Load() != perConn || !bytes.Equal(c.gotSum[:], c.sentSum[:]):
			bad = append(bad, fmt.Sprintf("conn %d: echoed %d of %d bytes, SHA-256 %x, sent %x; kernel %s",
				c.id, c.received.Load(), perConn, c.gotSum[:8], c.sentSum[:8], kernelTCPInfo(c.conn)))
		}
	}
	if failed := len(bad); failed > 0 {
		if len(bad) > 10 {
			bad = append(bad[:10], fmt.Sprintf("... and %d more", len(bad)-10))
		}
		var got int64
		for _, c := range cs {
			got += c.received.Load()
		}
		t.Fatalf("%d of %d connections failed after %v (limit %v), %d of %d bytes echoed, %.2f MB/s each way:\n%s\n%s",
			failed, conns, res.Elapsed.Round(time.Millisecond), limit, got, res.Bytes, float64(got)/res.Elapsed.Seconds()/1e6,
			strings.Join(bad, "\n"), l.describe(t))
	}
	return res
}

// run writes and reads concurrently, as an application with one reader
// and one writer goroutine would; the kernel's buffers and both windows
// stay full in both directions.
func (c *bulkConn) run(n int64, seed uint64) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		src := rand.NewChaCha8(bulkSeed(seed, c.id))
		h := sha256.New()
		buf := make([]byte, 64<<10)
		for left := n; left > 0; {
			b := buf[:min(int64(len(buf)), left)]
			src.Read(b)
			h.Write(b)
			m, err := c.conn.Write(b)
			c.sent.Add(int64(m))
			left -= int64(m)
			if err != nil {
				c.writeErr = err
				return
			}
		}
		h.Sum(c.sentSum[:0])
		c.writeErr = c.conn.CloseWrite()
	}()
	h := sha256.New()
	buf := make([]byte, 64<<10)
	for {
		m, err := c.conn.Read(buf)
		h.Write(buf[:m])
		c.received.Add(int64(m))
		if err == io.EOF {
			break
		}
		if err != nil {
			c.readErr = err
			break
		}
	}
	h.Sum(c.gotSum[:0])
	wg.Wait()
}

// bulkSeed gives every connection its own stream.
func bulkSeed(seed uint64, id int) [32]byte {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
		s[8+i] = byte(uint64(id) >> (8 * i))
	}
	return s
}

// bulkDial connects from the kernel in namespace ns to the echo service,
// retrying until deadline if the SYN is lost often enough for the
// kernel's connect to give up.
func bulkDial(ns string, deadline time.Time) (*net.TCPConn, error) {
	var conn net.Conn
	var err error
	for time.Now().Before(deadline) {
		if nerr := netnstest.Enter(ns, func() {
			d := net.Dialer{Deadline: deadline}
			conn, err = d.Dial("tcp4", "10.77.0.2:7")
		}); nerr != nil {
			return nil, nerr
		}
		if err == nil {
			return conn.(*net.TCPConn), nil
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			return nil, err
		}
	}
	return nil, err
}

// bulkPending lists the connections that have not finished, with the
// kernel's view of each, for a stall report.
func bulkPending(cs []*bulkConn, perConn int64) string {
	var b strings.Builder
	n := 0
	for _, c := range cs {
		if c.conn == nil || c.received.Load() == perConn {
			continue
		}
		if n++; n > 5 {
			continue
		}
		fmt.Fprintf(&b, "conn %d: sent %d, echoed %d of %d; kernel %s\n", c.id, c.sent.Load(), c.received.Load(), perConn, kernelTCPInfo(c.conn))
	}
	if n > 5 {
		fmt.Fprintf(&b, "... %d unfinished connections in all", n)
	}
	return b.String()
}

// kernelTCPInfo is the kernel's TCP_INFO for conn, the fields that say how
// loss recovery went on its side: as the sender of the data the stack
// echoes, and the receiver of the echo.
func kernelTCPInfo(conn *net.TCPConn) string {
	ti, err := tcpInfo(conn)
	if err != nil {
		return "TCP_INFO: " + err.Error()
	}
	return fmt.Sprintf("TCP_INFO{state %d ca_state %d rto %dus rtt %dus/%dus cwnd %d ssthresh %d snd_wnd %d unacked %d sacked %d lost %d retrans %d total_retrans %d total_rto %d backoff %d reordering %d reord_seen %d dsack_dups %d rcv_ooopack %d rwnd_limited %dus bytes_acked %d bytes_received %d bytes_retrans %d}",
		ti.State, ti.Ca_state, ti.Rto, ti.Rtt, ti.Rttvar, ti.Snd_cwnd, ti.Snd_ssthresh, ti.Snd_wnd, ti.Unacked, ti.Sacked, ti.Lost,
		ti.Retrans, ti.Total_retrans, ti.Total_rto, ti.Backoff, ti.Reordering, ti.Reord_seen, ti.Dsack_dups, ti.Rcv_ooopack,
		ti.Rwnd_limited, ti.Bytes_acked, ti.Bytes_received, ti.Bytes_retrans)
}

func tcpInfo(conn *net.TCPConn) (*unix.TCPInfo, error) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	var ti *unix.TCPInfo
	var serr error
	if err := rc.Control(func(fd uintptr) { ti, serr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) }); err != nil {
		return nil, err
	}
	return ti, serr
}
