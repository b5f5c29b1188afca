package stack

import (
	"crypto/sha256"
	"errors"
	"net/netip"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
)

// sizedPair is two stacks on the in-memory link, each with its own
// Resources (nil: unsized).
func sizedPair(t testing.TB, ra, rb *Resources) *pair {
	t.Helper()
	devA, devB := loopback.NewPair(loopback.Config{})
	clk := reactor.NewVirtualClock(reactor.Instant(time.Hour))
	r := reactor.New(clk)
	a, err := New(devA, Config{Addr: netip.PrefixFrom(addrA, 24), Seed: 1, Resources: ra})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(devB, Config{Addr: netip.PrefixFrom(addrB, 24), Seed: 2, Resources: rb})
	if err != nil {
		t.Fatal(err)
	}
	a.Spawn(r)
	b.Spawn(r)
	return &pair{r: r, clk: clk, a: a, b: b}
}

// quickConn is a connection without TIME-WAIT, so that records come back
// as soon as a close completes.
var quickConn = tcp.Config{TimeWait: -1}

func TestResourcesDialExhaustedAndReused(t *testing.T) {
	res := NewResources(Sizes{TCPConns: 2, TCPBufferSize: 1024})
	p := sizedPair(t, res, nil)
	tcpEchoServer(t, p.b, 7)
	dst := netip.AddrPortFrom(addrB, 7)
	c1, err := p.a.DialTCP(dst, quickConn)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := p.a.DialTCP(dst, quickConn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.a.DialTCP(dst, quickConn); !errors.Is(err, ErrNoTCPSlot) {
		t.Fatalf("third dial with two records: %v, want ErrNoTCPSlot", err)
	}
	if n := p.a.Counters().TCPNoSlot; n != 1 {
		t.Fatalf("TCPNoSlot = %d, want 1", n)
	}
	if !p.r.RunUntil(time.Second, func() bool { return c1.State() == tcp.Established && c2.State() == tcp.Established }) {
		t.Fatal("connections not established")
	}
	// The records' own rings were used: a pattern round-trips through
	// the 1 KiB rings in several turns.
	sum := echoThrough(t, p, c1, 5000)
	if want := sha256.Sum256(patternBytes(5000)); sum != want {
		t.Fatal("echo through a record's rings corrupted the data")
	}

	// Closed but not released: the record stays taken.
	c1.Close()
	if !p.r.RunUntil(5*time.Second, func() bool { return c1.State() == tcp.Closed }) {
		t.Fatalf("close did not finish: %v", c1.State())
	}
	p.r.RunFor(time.Second)
	if res.FreeTCP() != 0 {
		t.Fatalf("a closed, unreleased connection's record was freed (%d free)", res.FreeTCP())
	}
	c1.Release()
	if res.FreeTCP() != 1 {
		t.Fatalf("Release of a closed connection freed %d records, want 1", res.FreeTCP())
	}
	c3, err := p.a.DialTCP(dst, quickConn)
	if err != nil {
		t.Fatal(err)
	}
	if c3 != c1 {
		t.Fatal("the dial did not reuse the freed record")
	}
	if !p.r.RunUntil(time.Second, func() bool { return c3.State() == tcp.Established }) {
		t.Fatal("dial on a reused record did not connect")
	}
	if sum := echoThrough(t, p, c3, 3000); sum != sha256.Sum256(patternBytes(3000)) {
		t.Fatal("echo on a reused record corrupted the data")
	}

	// Released first: the close finishes in the background and the
	// record comes back at CLOSED.
	c2.Release()
	if !p.r.RunUntil(5*time.Second, func() bool { return res.FreeTCP() == 1 }) {
		t.Fatalf("a released connection's record did not come back: %v", c2.State())
	}
}

func patternBytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}

// echoThrough writes n bytes of pattern to c and returns the SHA-256 of
// what comes back.
func echoThrough(t *testing.T, p *pair, c *tcp.Conn, n int) [32]byte {
	t.Helper()
	src := patternBytes(n)
	got := make([]byte, 0, n)
	buf := make([]byte, 512)
	sent := 0
	ok := p.r.RunUntil(time.Minute, func() bool {
		if sent < n {
			w, _ := c.Write(src[sent:])
			sent += w
		}
		for {
			r, _ := c.Read(buf)
			if r == 0 {
				break
			}
			got = append(got, buf[:r]...)
		}
		return len(got) >= n
	})
	if !ok {
		t.Fatalf("echoed %d of %d bytes", len(got), n)
	}
	return sha256.Sum256(got)
}

// A SYN that finds every record taken is refused with a reset and
// counted; Accept with no record free leaves the connection queued.
func TestResourcesRefuseWhenNoRecord(t *testing.T) {
	res := NewResources(Sizes{TCPConns: 1, TCPBufferSize: 1024})
	p := sizedPair(t, nil, res)
	l, err := p.b.ListenTCP(7, ListenConfig{Conn: quickConn})
	if err != nil {
		t.Fatal(err)
	}
	var accepted []*tcp.Conn
	l.OnAccept(func() {
		if c, ok := l.Accept(); ok {
			accepted = append(accepted, c)
		}
	})
	dst := netip.AddrPortFrom(addrB, 7)
	c1, _ := p.a.DialTCP(dst, quickConn)
	if !p.r.RunUntil(time.Second, func() bool { return len(accepted) == 1 && c1.State() == tcp.Established }) {
		t.Fatal("first connection not accepted")
	}
	c2, _ := p.a.DialTCP(dst, quickConn)
	if !p.r.RunUntil(5*time.Second, func() bool { return c2.ConnectFuture().Done() }) {
		t.Fatal("second dial neither connected nor failed")
	}
	if err := c2.ConnectFuture().Err(); !errors.Is(err, tcp.ErrRefused) {
		t.Fatalf("second dial: %v, want tcp.ErrRefused", err)
	}
	cn := p.b.Counters()
	if cn.TCPRefused != 1 || cn.Drop(DropNoTCPSlot) != 1 {
		t.Fatalf("TCPRefused=%d no_tcp_slot=%d, want 1 and 1", cn.TCPRefused, cn.Drop(DropNoTCPSlot))
	}
	// Freed, the record serves the next connection.
	c1.Close()
	accepted[0].Close()
	accepted[0].Release()
	if !p.r.RunUntil(5*time.Second, func() bool { return res.FreeTCP() == 1 }) {
		t.Fatal("record not freed")
	}
	c3, _ := p.a.DialTCP(dst, quickConn)
	if !p.r.RunUntil(time.Second, func() bool { return len(accepted) == 2 && c3.State() == tcp.Established }) {
		t.Fatal("connection after the record came back not accepted")
	}
	if accepted[1] != accepted[0] {
		t.Fatal("accept did not reuse the record")
	}
}

// RefuseWhenFull turns a SYN that finds the accept queue full into a
// reset instead of a silent drop.
func TestListenRefuseWhenFull(t *testing.T) {
	p := sizedPair(t, nil, nil)
	if _, err := p.b.ListenTCP(7, ListenConfig{Backlog: 1, RefuseWhenFull: true}); err != nil {
		t.Fatal(err)
	}
	dst := netip.AddrPortFrom(addrB, 7)
	c1, _ := p.a.DialTCP(dst, tcp.Config{})
	if !p.r.RunUntil(time.Second, func() bool { return c1.State() == tcp.Established }) {
		t.Fatal("first connection not established")
	}
	c2, _ := p.a.DialTCP(dst, tcp.Config{})
	if !p.r.RunUntil(5*time.Second, func() bool { return c2.ConnectFuture().Done() }) {
		t.Fatal("second dial neither connected nor failed")
	}
	if err := c2.ConnectFuture().Err(); !errors.Is(err, tcp.ErrRefused) {
		t.Fatalf("second dial: %v, want tcp.ErrRefused", err)
	}
	if n := p.b.Counters().TCPRefused; n != 1 {
		t.Fatalf("TCPRefused = %d, want 1", n)
	}
}

func TestResourcesServeOneStack(t *testing.T) {
	res := NewResources(Sizes{})
	sizedPair(t, res, nil)
	devA, _ := loopback.NewPair(loopback.Config{})
	if _, err := New(devA, Config{Resources: res}); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("second stack on one Resources: %v, want ErrBadConfig", err)
	}
	small := NewResources(Sizes{MTU: 600})
	if _, err := New(devA, Config{Resources: small}); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("Resources for a smaller MTU than the device's: %v, want ErrBadConfig", err)
	}
}

// Footprint accounts for what NewResources allocates: as much as it
// says, give or take the allocator's rounding.
func TestResourcesFootprint(t *testing.T) {
	z := Sizes{TCPConns: 8, TCPBufferSize: 2048, ARPEntries: 4, ARPPending: 2, ReassemblySlots: 1, ReassemblyMaxSize: 1480}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	res := NewResources(z)
	runtime.ReadMemStats(&m1)
	f := res.Footprint()
	grew := int(m1.TotalAlloc - m0.TotalAlloc)
	t.Logf("%+v; heap grew %d", f, grew)
	if f.TCPBuffers != 8*2*2048 || f.Total != f.TCPRecords+f.TCPBuffers+f.ARP+f.Reassembly {
		t.Fatalf("footprint inconsistent: %+v", f)
	}
	if f.ARP < 2*1514 || f.Reassembly < 1480 || f.TCPRecords < 8*int(unsafeSizeofConn()) {
		t.Fatalf("footprint misses parts: %+v", f)
	}
	if grew < f.Total*9/10 || grew > f.Total*5/4+4096 {
		t.Fatalf("heap grew %d bytes for a footprint of %d", grew, f.Total)
	}
	runtime.KeepAlive(res)
}

// Dial, exchange, close and release on sized stacks, over and over,
// allocates nothing: both sides take their connections from records.
func TestResourcesNoAllocsReconnect(t *testing.T) {
	ra := NewResources(Sizes{TCPConns: 2, TCPBufferSize: 1024})
	rb := NewResources(Sizes{TCPConns: 2, TCPBufferSize: 1024})
	p := sizedPair(t, ra, rb)
	l, err := p.b.ListenTCP(7, ListenConfig{Conn: quickConn})
	if err != nil {
		t.Fatal(err)
	}
	var srv *tcp.Conn
	buf := make([]byte, 256)
	echo := func() {
		for {
			n, _ := srv.Read(buf)
			if n == 0 {
				return
			}
			srv.Write(buf[:n])
		}
	}
	closed := func() { srv.Close(); srv.Release() }
	l.OnAccept(func() {
		c, ok := l.Accept()
		if !ok {
			return
		}
		srv = c
		c.OnReadable(echo)
		c.OnPeerClosed(closed)
	})
	dst := netip.AddrPortFrom(addrB, 7)
	msg := []byte("ping over a record")
	got := make([]byte, 64)
	var c *tcp.Conn
	established := func() bool { return c.State() == tcp.Established }
	var n int
	echoed := func() bool {
		k, _ := c.Read(got[n:])
		n += k
		return n >= len(msg)
	}
	bothFree := func() bool { return ra.FreeTCP() == 2 && rb.FreeTCP() == 2 }
	failed := 0
	once := func() {
		var err error
		if c, err = p.a.DialTCP(dst, quickConn); err != nil {
			failed++
			return
		}
		n = 0
		if !p.r.RunUntil(time.Second, established) {
			failed++
		}
		c.Write(msg)
		if !p.r.RunUntil(time.Second, echoed) || string(got[:n]) != string(msg) {
			failed++
		}
		c.Close()
		c.Release()
		if !p.r.RunUntil(5*time.Second, bothFree) {
			failed++
		}
	}
	for range 5 {
		once()
	}
	allocs := testing.AllocsPerRun(100, once)
	if failed > 0 || allocs != 0 {
		t.Fatalf("%.2f allocations per reconnect; %d steps failed", allocs, failed)
	}
	if st := l.Stats(); st.Accepted < 105 {
		t.Fatalf("accepted %d connections, want 105", st.Accepted)
	}
}

func unsafeSizeofConn() uintptr { return unsafe.Sizeof(tcp.Conn{}) }
