package websocket

import (
	"bytes"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/seed947b3480/legation/tcp"
)

// echoFixture is one established connection to an echo Group, with a
// client that counts the echoes of a fixed message and allocates nothing
// once warmed up.
type echoFixture struct {
	e    *env
	k    *client
	msg  []byte
	got  int
	bad  int
	done func() bool
	once func() bool // one message out and its echo back
}

func newEchoFixture(tb testing.TB, size int) *echoFixture {
	h := Handler{OnMessage: func(c *Conn, text bool, msg []byte) {
		if c.Send(text, msg) != nil {
			tb.Error("echo refused")
		}
	}}
	e := newEnv(tb, Config{}, h, envOptions{})
	x := &echoFixture{e: e, k: e.dial(), msg: bytes.Repeat([]byte("0123456789"), size/10)}
	x.k.onMsg = func(text bool, data []byte) {
		x.got++
		if text || !bytes.Equal(data, x.msg) {
			x.bad++
		}
	}
	want := 0
	x.done = func() bool { return x.got == want }
	x.once = func() bool {
		want = x.got + 1
		x.k.send(false, x.msg)
		return e.r.RunUntil(time.Second, x.done) && x.bad == 0
	}
	for i := 0; i < 20; i++ { // warm up: ARP, pools, the client's buffers
		if !x.once() {
			tb.Fatalf("warm-up echo %d failed", i)
		}
	}
	return x
}

// The echo of a 2,000-byte message (two TCP segments, so it is assembled
// in a pool buffer) allocates nothing once established, on either side.
func TestNoAllocsEcho2000(t *testing.T) {
	x := newEchoFixture(t, 2000)
	lends := x.e.g.pool.(*tcp.BufferPool).Stats().Lends
	failed := 0
	allocs := testing.AllocsPerRun(200, func() {
		if !x.once() {
			failed++
		}
	})
	if failed > 0 || allocs != 0 {
		t.Fatalf("%.2f allocations per echo; %d failed", allocs, failed)
	}
	if st := x.e.g.Stats(); st.BuffersInUse != 0 || st.MessagesIn < 200 {
		t.Fatalf("stats %+v", st)
	}
	if n := x.e.g.pool.(*tcp.BufferPool).Stats().Lends - lends; n < 200 {
		t.Fatalf("only %d of 201 messages were assembled in a pool buffer", n)
	}
}

// A small message, delivered in place from the TCP ring without a buffer,
// allocates nothing either.
func TestNoAllocsEchoSmall(t *testing.T) {
	x := newEchoFixture(t, 100)
	lends := x.e.g.pool.(*tcp.BufferPool).Stats().Lends
	if allocs := testing.AllocsPerRun(200, func() { x.once() }); allocs != 0 {
		t.Fatalf("%.2f allocations per echo", allocs)
	}
	// Only a frame that straddles the end of the TCP receive ring (one
	// in 150 or so: 16 KiB / 106 bytes) needs a buffer.
	if n := x.e.g.pool.(*tcp.BufferPool).Stats().Lends - lends; n > 3 || x.got < 200 {
		t.Fatalf("%d pool buffers lent for %d messages that arrived whole", n, x.got)
	}
}

// BenchmarkEcho measures one message's round trip through both stacks in
// virtual time, client and server together: the server's share is the
// difference from BenchmarkTCPPingPong in bench/tcpbench.
func BenchmarkEcho(b *testing.B) {
	for _, size := range []int{100, 2000, 10000} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			x := newEchoFixture(b, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if !x.once() {
					b.Fatal("echo failed")
				}
			}
		})
	}
}

// What a connection costs: its record (plus the four closures its tcp.Conn
// holds, 16 bytes each) and no buffer while idle.
func TestConnSize(t *testing.T) {
	size := unsafe.Sizeof(Conn{})
	t.Logf("sizeof(Conn) = %d bytes", size)
	if unsafe.Sizeof(uintptr(0)) == 8 && size > 192 {
		t.Fatalf("Conn grew to %d bytes", size)
	}
}

func unsafeSizeofConn() uintptr { return unsafe.Sizeof(Conn{}) }
