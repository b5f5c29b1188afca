package tlsstream

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/tlsx"
)

// 64 sessions between two stacks, clients and servers all borrowing their
// record buffers from one pool of 8 (128 engines: a sixteenth of a buffer
// each), move 256 KiB each way with SHA-256 checks, then close, in
// virtual time: back-pressure everywhere, no deadlock, and every buffer
// back in the pool at the end.
func TestPoolManySessions(t *testing.T) {
	if testing.Short() {
		t.Skip("64 sessions")
	}
	// With a reactor the pool's task resumes the sessions handed a buffer;
	// without, the next inner event of any session on the pool does.
	t.Run("reactor", func(t *testing.T) { poolSessions(t, true) })
	t.Run("no-reactor", func(t *testing.T) { poolSessions(t, false) })
}

func poolSessions(t *testing.T, withReactor bool) {
	const conns, size = 64, 256 << 10
	v := newVPair(t, 8<<10, 8<<10)
	pool := tlsx.NewBufferPool(0, 8)
	pool.Preallocate(2 * conns)
	opts := Options{HandshakeTimeout: -1}
	if withReactor {
		opts = Options{Reactor: v.p.R, HandshakeTimeout: time.Minute}
	}
	scfg := v.serverConfig()
	scfg.Buffers = pool
	var srvs []*bulk
	v.l.OnAccept(func() {
		for {
			c, ok := v.l.Accept()
			if !ok {
				return
			}
			s, err := Server(c, scfg, opts)
			if err != nil {
				t.Fatal(err)
			}
			i := len(srvs)
			srvs = append(srvs, newBulk(s, pattern(uint64(1000+i), size)))
		}
	})
	ccfg := &tlsx.Config{RootCAs: v.pki.roots, ServerName: "server.test", Buffers: pool}
	clis := make([]*bulk, conns)
	for i := range clis {
		clis[i] = newBulk(v.dial(ccfg, 8<<10, 8<<10, opts), pattern(uint64(i), size))
	}
	maxWaiting, maxLent := 0, 0
	all := func() bool {
		st := pool.Stats()
		maxWaiting, maxLent = max(maxWaiting, st.Waiting), max(maxLent, st.Lent)
		if len(srvs) < conns {
			return false
		}
		for _, b := range append(clis[:conns:conns], srvs...) {
			if !b.finished {
				return false
			}
		}
		return true
	}
	start := v.p.Clock.Now()
	wall := time.Now()
	if !v.run(10*time.Minute, all) {
		n := 0
		for _, b := range clis {
			if b.finished {
				n++
			}
		}
		t.Fatalf("stalled: %d of %d clients done, %d servers; pool %+v", n, conns, len(srvs), pool.Stats())
	}
	moved := v.p.Clock.Now().Sub(start)
	// Servers were accepted in the clients' order? Match them by content:
	// server i sends pattern 1000+i, and must have received some client's.
	want := map[[32]byte]bool{}
	for i := range conns {
		want[sha256.Sum256(pattern(uint64(i), size))] = true
	}
	for i, b := range clis {
		if b.err != nil || !b.eof || b.got != size {
			t.Errorf("client %d: read %d, eof %v, err %v", i, b.got, b.eof, b.err)
		}
	}
	fromSrv := map[[32]byte]bool{}
	for i, b := range srvs {
		sum := [32]byte(b.h.Sum(nil))
		if b.err != nil || !b.eof || b.got != size || !want[sum] {
			t.Errorf("server %d: read %d, eof %v, err %v, digest known %v", i, b.got, b.eof, b.err, want[sum])
		}
		delete(want, sum)
		fromSrv[sha256.Sum256(pattern(uint64(1000+i), size))] = true
	}
	for i, b := range clis {
		if sum := [32]byte(b.h.Sum(nil)); !fromSrv[sum] {
			t.Errorf("client %d: digest of no server's data", i)
		}
	}
	for _, b := range append(clis, srvs...) {
		b.c.Close()
	}
	closed := func() bool {
		for _, b := range append(clis[:conns:conns], srvs...) {
			if len(b.closed) == 0 {
				return false
			}
		}
		return true
	}
	if !v.run(time.Minute, closed) {
		t.Fatal("no OnClosed")
	}
	for _, b := range append(clis, srvs...) {
		if err := <-b.closed; err != nil {
			t.Errorf("OnClosed(%v)", err)
		}
	}
	st := pool.Stats()
	t.Logf("%d sessions, %d KiB each way: %v virtual (closed at %v), %v wall; pool %+v, at most %d lent and %d waiting",
		conns, size>>10, moved, v.p.Clock.Now().Sub(start), time.Since(wall).Round(time.Millisecond), st, maxLent, maxWaiting)
	if st.Lent != 0 || st.Made != 8 || st.Waiting != 0 {
		t.Errorf("pool at the end: %+v", st)
	}
	if st.Misses == 0 {
		t.Error("the pool was never short: the test proves nothing")
	}
}

// TestPoolZeroAllocsPerRecord is TestZeroAllocsPerRecord with the engines'
// buffers from a preallocated pool: a 16 KiB write through the adapter,
// both stacks and the engines allocates nothing, and between writes
// neither session holds a buffer.
func TestPoolZeroAllocsPerRecord(t *testing.T) {
	v := newVPair(t, 64<<10, 64<<10)
	pool := tlsx.NewBufferPool(0, 2)
	pool.Preallocate(4)
	opts := Options{Reactor: v.p.R, HandshakeTimeout: -1}
	scfg := v.serverConfig()
	scfg.Buffers = pool
	var srv *Conn
	v.accept(scfg, opts, func(s *Conn) { srv = s })
	cli := v.dial(&tlsx.Config{RootCAs: v.pki.roots, ServerName: "server.test", Buffers: pool}, 64<<10, 64<<10, opts)
	v.handshake(t, &srv, cli)
	msg := make([]byte, 16<<10)
	got := 0
	srv.OnReadable(countReads(srv, &got))
	want := 0
	round := func() {
		n, err := cli.Write(msg)
		if err != nil || n != len(msg) {
			t.Fatalf("Write = %d, %v", n, err)
		}
		want += n
		if !v.run(time.Minute, func() bool { return got == want }) {
			t.Fatalf("read %d of %d", got, want)
		}
		if st := pool.Stats(); st.Lent != 0 {
			t.Fatalf("idle sessions hold buffers: %+v", st)
		}
	}
	for i := 0; i < 10; i++ {
		round()
	}
	if a := testing.AllocsPerRun(100, round); a != 0 {
		t.Errorf("%.1f allocations per 16 KiB record with a pool, want 0", a)
	}
	if m := cli.TLS().MemoryFootprint(); m > 4<<10 {
		t.Errorf("idle client engine: MemoryFootprint %d", m)
	}
	// After the close_notify a write is refused for good, not told to
	// wait.
	cli.CloseWrite()
	v.run(time.Second, func() bool { return false })
	if _, err := cli.Write(msg); err == nil || err == tcp.ErrWouldBlock {
		t.Errorf("Write after CloseWrite: %v", err)
	}
	if _, _, err := cli.WriteLease(); err == nil || err == tcp.ErrWouldBlock {
		t.Errorf("WriteLease after CloseWrite: %v", err)
	}
	if st := pool.Stats(); st.Lent != 0 {
		t.Errorf("after the close: %+v", st)
	}
}
