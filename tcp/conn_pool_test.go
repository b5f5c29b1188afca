package tcp

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/seed947b3480/legation/wire"
)

// The rules of Config.Pool (conn_pool.go), each shown on a pair of Conns.

// wakeCount is a Notifier that counts its wakes.
type wakeCount struct{ n int }

func (w *wakeCount) Wake() { w.n++ }

// readAll reads everything c has received.
func (p *pair) readAll(c *Conn) []byte {
	var got []byte
	for {
		n, _ := c.Read(p.readBuf[:])
		if n == 0 {
			return got
		}
		got = append(got, p.readBuf[:n]...)
	}
}

// run advances time from timer to timer, passing segments both ways and
// reading what b receives, until nothing is left to do or rounds run out.
func (p *pair) run(rounds int) []byte {
	var got []byte
	for range rounds {
		p.flush()
		got = append(got, p.readAll(p.b)...)
		p.flush()
		next := min(p.a.PollAt(), p.b.PollAt())
		if next == 1<<63-1 {
			break
		}
		p.now = max(p.now, next)
		p.a.Poll(p.now)
		p.b.Poll(p.now)
	}
	return got
}

// An idle connection holds no buffer, on either side of the handshake,
// and offers the window and window scale of a pool buffer.
func TestPoolIdleConnHoldsNoBuffer(t *testing.T) {
	for _, size := range []int{4096, 256 << 10} {
		poolA, poolB := NewBufferPool(size, 0), NewBufferPool(size, 0)
		p := newPairOf(t, Config{Pool: poolA}, Config{Pool: poolB})
		for _, c := range []*Conn{p.a, p.b} {
			if c.rx.Cap() != 0 || c.tx.Cap() != 0 || c.asm.Limit() != 0 {
				t.Fatalf("size %d: an idle connection holds rx %d tx %d and %d reassembly ranges",
					size, c.rx.Cap(), c.tx.Cap(), c.asm.Limit())
			}
		}
		if a, b := poolA.Stats(), poolB.Stats(); a.Made != 0 || b.Made != 0 {
			t.Fatalf("size %d: the handshake made buffers: %+v %+v", size, a, b)
		}
		shift := windowShift(size)
		if p.a.rcvShift != shift || p.b.rcvShift != shift || p.a.sndShift != shift {
			t.Fatalf("size %d: window scales %d/%d, want %d from the pool's size", size, p.a.rcvShift, p.b.rcvShift, shift)
		}
		// Each side sees the other's whole pool buffer as its window.
		if want := uint32(size) &^ (1<<shift - 1); p.a.sndWnd != want && p.a.sndWnd != min(uint32(size), 0xffff) {
			t.Fatalf("size %d: window %d offered to the dialer, want %d", size, p.a.sndWnd, want)
		}
	}
}

// A request and its response borrow a buffer each way and give it back:
// received data once read, sent data once acknowledged. Each side made
// one buffer and used it for both directions.
func TestPoolRoundTrip(t *testing.T) {
	poolA, poolB := NewBufferPool(4096, 0), NewBufferPool(4096, 0)
	p := newPairOf(t, Config{Pool: poolA}, Config{Pool: poolB})
	req, resp := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), bytes.Repeat([]byte("response "), 300)
	for round := range 3 {
		if n, err := p.a.Write(req); n != len(req) || err != nil {
			t.Fatalf("write %d, %v", n, err)
		}
		if st := poolA.Stats(); st.Lent != 1 || p.a.tx.Cap() != 4096 {
			t.Fatalf("the request borrowed no send buffer: %+v", st)
		}
		p.pass(p.a, p.b, p.aAddr, p.bAddr)
		if st := poolB.Stats(); st.Lent != 1 || p.b.Buffered() != len(req) {
			t.Fatalf("the request borrowed no receive buffer: %+v, %d buffered", st, p.b.Buffered())
		}
		if got := p.readAll(p.b); !bytes.Equal(got, req) {
			t.Fatalf("server read %q", got)
		}
		if st := poolB.Stats(); st.Lent != 0 || p.b.rx.Cap() != 0 {
			t.Fatalf("read all, yet the receive buffer was kept: %+v", st)
		}
		if n, err := p.b.Write(resp); n != len(resp) || err != nil {
			t.Fatalf("write %d, %v", n, err)
		}
		var got []byte
		for range 20 {
			p.flush()
			got = append(got, p.readAll(p.a)...)
			p.now = p.now.Add(DefaultDelayedAck)
			p.a.Poll(p.now)
			p.b.Poll(p.now)
		}
		if !bytes.Equal(got, resp) {
			t.Fatalf("client read %d of %d bytes", len(got), len(resp))
		}
		for i, pool := range []*BufferPool{poolA, poolB} {
			if st := pool.Stats(); st.Lent != 0 || st.Made != 1 || st.Lends != uint64(2*(round+1)) {
				t.Fatalf("round %d side %d: pool %+v, want every buffer back, one made, two lends a round", round, i, st)
			}
		}
		if p.a.rx.Cap()+p.a.tx.Cap()+p.b.rx.Cap()+p.b.tx.Cap()+p.a.asm.Limit()+p.b.asm.Limit() != 0 {
			t.Fatal("an idle connection still holds a buffer or a reassembly table")
		}
		if len(poolA.spans) != 1 || len(poolB.spans) != 1 {
			t.Fatalf("%d and %d reassembly tables kept, want the one each side lent", len(poolA.spans), len(poolB.spans))
		}
	}
}

// When the pool has no buffer, arriving data is dropped unacknowledged,
// and the FIN after it, while the segment's ACK is taken; the peer's
// retransmission is accepted once a buffer came back.
func TestPoolMissDropsData(t *testing.T) {
	pool := NewBufferPool(4096, 2)
	p := newPairOf(t, Config{}, Config{Pool: pool})
	// The server sends more than one segment and the client acknowledges
	// only the first, so the server's send buffer stays borrowed.
	if n, _ := p.b.Write(make([]byte, 2000)); n != 2000 {
		t.Fatal("write")
	}
	var segs [][]byte
	for {
		n, ok := p.b.Output(p.now, p.buf[:], p.bAddr.Addr(), p.aAddr.Addr())
		if !ok {
			break
		}
		segs = append(segs, bytes.Clone(p.buf[:n]))
	}
	p.deliver(p.a, segs[0]) // the rest are lost
	held := pool.Get()      // and the pool's last buffer is taken
	if st := pool.Stats(); st.Lent != 2 {
		t.Fatalf("pool %+v, want both buffers lent", st)
	}
	una, rcvNxt := p.b.sndUna, p.b.rcvNxt
	p.a.Write([]byte("request"))
	p.a.CloseWrite()
	n, ok := p.a.Output(p.now, p.buf[:], p.aAddr.Addr(), p.bAddr.Addr())
	if !ok {
		t.Fatal("client sent nothing")
	}
	var seg Repr
	seg.Parse(wire.TCPPacket(p.buf[:n]))
	if len(seg.Payload) != 7 || seg.Flags&wire.TCPFin == 0 || seg.Flags&wire.TCPAck == 0 {
		t.Fatalf("client sent %v, want data, FIN and an ACK", fmtRepr(&seg))
	}
	p.deliver(p.b, p.buf[:n])
	if p.b.sndUna == una {
		t.Fatal("the ACK of a segment whose data was dropped was not taken")
	}
	if p.b.rcvNxt != rcvNxt || p.b.State() != Established || p.b.Stats().PoolMisses != 1 || p.b.rx.Cap() != 0 {
		t.Fatalf("RCV.NXT moved %d, state %v, misses %d: the data was not dropped",
			p.b.rcvNxt-rcvNxt, p.b.State(), p.b.Stats().PoolMisses)
	}
	for {
		n, ok := p.b.Output(p.now, p.buf[:], p.bAddr.Addr(), p.aAddr.Addr())
		if !ok {
			break
		}
		seg.Parse(wire.TCPPacket(p.buf[:n]))
		if seg.Ack != rcvNxt {
			t.Fatalf("the server acknowledged %d, beyond the %d it kept", seg.Ack, rcvNxt)
		}
		p.deliver(p.a, p.buf[:n])
	}
	pool.Put(held)
	got := p.run(100)
	if string(got) != "request" || p.b.State() != CloseWait {
		t.Fatalf("after the retransmission the server read %q and is in %v", got, p.b.State())
	}
	if st := pool.Stats(); st.Lent != 0 || st.Misses != 1 {
		t.Fatalf("pool %+v, want every buffer back after one miss", st)
	}
}

// Borrowing and giving back the receive buffer, and dropping data when
// the pool is empty, never move the advertised right edge to the left
// (RFC 9293 3.8.6.2.2), with a window scale chosen from the pool's size.
func TestPoolWindowNeverShrinks(t *testing.T) {
	for _, size := range []int{3000, 70001, 300 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			pool := NewBufferPool(size, 3)
			src := make([]byte, 3*size)
			p := newPairOf(t, Config{MSS: 1460, RxBuffer: make([]byte, 64<<10), TxBuffer: make([]byte, 512<<10)},
				Config{MSS: 1460, Pool: pool, DelayedAck: -1})
			unit := uint32(1) << p.b.rcvShift
			edge := p.b.rcvAdv // what the SYN-ACK advertised
			rng := rand.New(rand.NewPCG(uint64(size), 9))
			var stolen [][]byte
			checked := 0
			check := func(b []byte) {
				var seg Repr
				seg.Parse(wire.TCPPacket(b))
				if seg.Flags&wire.TCPAck == 0 {
					return
				}
				e := seg.Ack.Add(uint32(seg.Window) << p.b.rcvShift)
				if e.Add(unit - 1).LessThan(edge) {
					t.Fatalf("the right edge moved left by %d (window %d << %d, %d buffered, rx held %v)",
						edge-e, seg.Window, p.b.rcvShift, p.b.Buffered(), p.b.rx.Cap() > 0)
				}
				edge = SeqMax(edge, e)
				checked++
			}
			total := 0
			for round := range 400 {
				p.a.Write(src[:rng.IntN(len(src))+1])
				p.pass(p.a, p.b, p.aAddr, p.bAddr)
				for {
					n, ok := p.b.Output(p.now, p.buf[:], p.bAddr.Addr(), p.aAddr.Addr())
					if !ok {
						break
					}
					check(p.buf[:n])
					p.deliver(p.a, p.buf[:n])
				}
				switch rng.IntN(4) {
				case 0: // read nothing
				case 1:
					n, _ := p.b.Read(p.readBuf[:rng.IntN(min(size, len(p.readBuf)))+1])
					total += n
				default:
					total += len(p.readAll(p.b))
				}
				// Now and then the pool runs dry for a while.
				if round%40 == 10 {
					for b := pool.Get(); b != nil; b = pool.Get() {
						stolen = append(stolen, b)
					}
				}
				if round%40 == 20 {
					for _, b := range stolen {
						pool.Put(b)
					}
					stolen = stolen[:0]
				}
				p.now = p.now.Add(10 * time.Millisecond)
				for _, c := range []*Conn{p.a, p.b} {
					if due(c.PollAt(), p.now) {
						c.Poll(p.now)
					}
				}
			}
			st := pool.Stats()
			t.Logf("pool of %d B (window scale %d): %d ACKs checked, %d bytes read, pool %+v, %d segments dropped",
				size, p.b.rcvShift, checked, total, st, p.b.Stats().PoolMisses)
			if checked < 200 || st.Lends < 50 || p.b.Stats().PoolMisses == 0 {
				t.Fatal("the test did not borrow, give back and miss enough to show anything")
			}
		})
	}
}

// A Write refused for want of a buffer leaves the connection waiting in
// the pool; the next buffer given back goes to the oldest waiter, which
// is woken through its Notifier, and OnWritable runs from the stack's
// next call into it, not from inside Put. A waiter that writes nothing
// passes the buffer on; one that closes leaves the queue.
func TestPoolTxWaiterWoken(t *testing.T) {
	pool := NewBufferPool(4096, 1)
	client, server := Config{DelayedAck: -1}, Config{Pool: pool, DelayedAck: -1}
	p1, p2, p3 := newPairOf(t, client, server), newPairOf(t, client, server), newPairOf(t, client, server)
	b1, b2, b3 := p1.b, p2.b, p3.b
	var w2, w3 wakeCount
	b2.SetNotifier(&w2)
	b3.SetNotifier(&w3)

	if n, err := b1.Write([]byte("first")); n != 5 || err != nil {
		t.Fatalf("write %d, %v", n, err)
	}
	if n, err := b2.Write([]byte("second")); n != 0 || !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("write with the pool empty: %d, %v", n, err)
	}
	if _, _, err := b3.WriteLease(); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("lease with the pool empty: %v", err)
	}
	b2.Write([]byte("again")) // already waiting: queued once
	if st := pool.Stats(); st.Waiting != 2 || st.Misses != 2 {
		t.Fatalf("pool %+v, want two waiters after two misses", st)
	}
	wrote2, called3 := 0, 0
	b2.OnWritable(func() {
		if wrote2 == 0 {
			wrote2, _ = b2.Write([]byte("second"))
		}
	})
	b3.OnWritable(func() { called3++ }) // and writes nothing

	p1.flush() // "first" goes out
	p1.flush() // its ACK comes back: b1's buffer goes to b2
	if b1.tx.Cap() != 0 || b2.tx.Cap() != 4096 || w2.n != 1 {
		t.Fatalf("buffer not handed over: b1 %d b2 %d, %d wakes", b1.tx.Cap(), b2.tx.Cap(), w2.n)
	}
	if wrote2 != 0 {
		t.Fatal("OnWritable ran inside Put")
	}
	b2.Poll(p2.now) // the stack's poll of the connection it was told of
	if wrote2 != 6 || b2.SendQueued() != 6 {
		t.Fatalf("OnWritable wrote %d, %d queued", wrote2, b2.SendQueued())
	}
	if got := p2.run(10); len(got) != 0 {
		t.Fatalf("client wrote %q", got)
	}
	if got := p2.readAll(p2.a); string(got) != "second" {
		t.Fatalf("client read %q", got)
	}
	// b2's buffer, acknowledged, went to b3, which wrote nothing with it.
	if w3.n != 1 || called3 != 0 {
		t.Fatalf("b3: %d wakes, %d callbacks before its poll", w3.n, called3)
	}
	b3.Poll(p3.now)
	if st := pool.Stats(); called3 != 1 || b3.tx.Cap() != 0 || st != (PoolStats{Free: 1, Made: 1, Lends: 3, Misses: 2}) {
		t.Fatalf("after b3's unused turn: %d callbacks, pool %+v", called3, st)
	}

	// A waiter that closes leaves the queue.
	held := pool.Get()
	b1.Write([]byte("x"))
	b3.Write([]byte("y"))
	if pool.Stats().Waiting != 2 {
		t.Fatal("not waiting")
	}
	b1.Abort()
	b3.CloseWrite()
	if st := pool.Stats(); st.Waiting != 0 {
		t.Fatalf("closed connections still wait: %+v", st)
	}
	pool.Put(held)
	if st := pool.Stats(); st.Free != 1 || st.Lent != 0 {
		t.Fatalf("pool %+v", st)
	}
}

// A connection that waits for a send buffer while it holds the pool's
// only buffer for received data gets that buffer once it has read the
// data, and OnWritable then sends its answer.
func TestPoolWaiterHoldsRx(t *testing.T) {
	pool := NewBufferPool(4096, 1)
	p := newPairOf(t, Config{DelayedAck: -1}, Config{Pool: pool, DelayedAck: -1})
	var w wakeCount
	p.b.SetNotifier(&w)
	p.a.Write([]byte("request"))
	p.flush()
	if _, err := p.b.Write([]byte("early")); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("write while the receive buffer holds the pool's only one: %v", err)
	}
	answered := false
	p.b.OnWritable(func() {
		if !answered {
			answered = true
			p.b.Write([]byte("response"))
		}
	})
	if got := p.readAll(p.b); string(got) != "request" {
		t.Fatalf("read %q", got)
	}
	if w.n == 0 || p.b.tx.Cap() == 0 || answered {
		t.Fatalf("after the read: %d wakes, tx %d, answered %v", w.n, p.b.tx.Cap(), answered)
	}
	p.b.Poll(p.now)
	p.run(10)
	if got := p.readAll(p.a); string(got) != "response" {
		t.Fatalf("client read %q", got)
	}
	if st := pool.Stats(); st.Lent != 0 || st.Made != 1 || st.Misses != 1 {
		t.Fatalf("pool %+v", st)
	}
}

// Abort, Release and the end of a graceful close give the buffers back,
// as does CommitWrite ending an empty lease; a reset from the peer keeps
// unread data readable until it is read.
func TestPoolReturnsOnClose(t *testing.T) {
	cfg := Config{DelayedAck: -1, TimeWait: time.Second}
	newPooled := func() (*pair, *BufferPool) {
		pool := NewBufferPool(4096, 0)
		c := cfg
		c.Pool = pool
		return newPairOf(t, cfg, c), pool
	}
	lent := func(t *testing.T, what string, pool *BufferPool, want int) {
		t.Helper()
		if st := pool.Stats(); st.Lent != want {
			t.Fatalf("%s: %d buffers lent, want %d (%+v)", what, st.Lent, want, st)
		}
	}

	t.Run("abort", func(t *testing.T) {
		p, pool := newPooled()
		p.a.Write([]byte("unread"))
		p.pass(p.a, p.b, p.aAddr, p.bAddr)
		p.b.Write([]byte("unsent"))
		lent(t, "before", pool, 2)
		p.b.Abort()
		lent(t, "after Abort", pool, 0)
		if n, err := p.b.Read(p.readBuf[:]); n != 0 || err != ErrAborted {
			t.Fatalf("read after Abort: %d, %v", n, err)
		}
	})

	t.Run("release", func(t *testing.T) {
		p, pool := newPooled()
		msg := bytes.Repeat([]byte("released "), 300)
		p.b.Write(msg)
		p.b.Release()
		lent(t, "released with data unacknowledged", pool, 1)
		var got []byte
		for range 20 {
			p.flush()
			got = append(got, p.readAll(p.a)...)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("peer read %d of %d bytes", len(got), len(msg))
		}
		lent(t, "released and acknowledged", pool, 0)
	})

	t.Run("graceful", func(t *testing.T) {
		p, pool := newPooled()
		p.a.Write([]byte("bye"))
		p.b.Write([]byte("bye"))
		p.flush()
		p.flush()
		lent(t, "unread", pool, 1)
		p.b.Close() // with data unread: a reset, as RFC 2525 asks
		lent(t, "closed unread", pool, 0)

		p, pool = newPooled()
		p.a.Write([]byte("bye"))
		p.flush()
		p.readAll(p.b)
		p.b.Write([]byte("bye"))
		p.b.Close()
		p.a.Close()
		p.run(10)
		if p.b.State() != TimeWait && p.b.State() != Closed {
			t.Fatalf("state %v", p.b.State())
		}
		lent(t, "after the close", pool, 0)
	})

	t.Run("lease", func(t *testing.T) {
		p, pool := newPooled()
		first, _, err := p.b.WriteLease()
		if err != nil || len(first) != 4096 {
			t.Fatalf("lease %d, %v", len(first), err)
		}
		p.flush() // calls into the Conn do not take a lease back
		lent(t, "leased", pool, 1)
		p.b.CommitWrite(0)
		lent(t, "nothing committed", pool, 0)
		first, _, _ = p.b.WriteLease()
		n := copy(first, "leased")
		p.b.CommitWrite(n)
		p.run(10)
		if got := p.readAll(p.a); string(got) != "leased" {
			t.Fatalf("peer read %q", got)
		}
		lent(t, "committed and acknowledged", pool, 0)
	})

	t.Run("peer reset", func(t *testing.T) {
		p, pool := newPooled()
		p.a.Write([]byte("before the reset"))
		p.flush()
		p.a.Abort()
		p.flush()
		if p.b.State() != Closed || p.b.Err() != ErrReset {
			t.Fatalf("state %v, %v", p.b.State(), p.b.Err())
		}
		lent(t, "reset with data unread", pool, 1)
		if got := p.readAll(p.b); string(got) != "before the reset" {
			t.Fatalf("read %q", got)
		}
		lent(t, "read after the reset", pool, 0)
	})
}

// A bulk transfer both ways over a lossy wire, with both ends borrowing
// from one pool, still delivers every byte (simulate compares SHA-256),
// borrowing the rings afresh for each burst; with fewer buffers than the
// four rings, data is dropped for want of one and sent again.
func TestPoolTransferOverLossyWire(t *testing.T) {
	size := 512 << 10
	if testing.Short() {
		size = 128 << 10
	}
	for _, tc := range []struct {
		limit int
		rate  float64
	}{{0, 0}, {0, 0.02}, {3, 0.02}, {3, 0.05}} {
		t.Run(fmt.Sprintf("limit %d, %g%%", tc.limit, tc.rate*100), func(t *testing.T) {
			pool := NewBufferPool(16<<10, tc.limit)
			r := simulate(t, Config{MSS: 1460, TimeWait: time.Second, Pool: pool}, tc.rate, 11, size, size)
			st := pool.Stats()
			misses := r.aSt.PoolMisses + r.bSt.PoolMisses
			t.Logf("2 x %d KiB in %v virtual; pool %+v; %d segments dropped for want of a buffer",
				size>>10, r.elapsed.Round(time.Millisecond), st, misses)
			if r.aErr != nil || r.bEr != nil {
				t.Fatalf("closed with %v and %v, want graceful", r.aErr, r.bEr)
			}
			if st.Lent != 0 {
				t.Fatalf("%d buffers still lent after the close", st.Lent)
			}
			if st.Lends < 20 {
				t.Fatalf("%d lends: the rings were not borrowed per burst", st.Lends)
			}
			if tc.limit > 0 && misses == 0 {
				t.Fatal("three buffers for four rings and never a miss: the limit was not exercised")
			}
		})
	}
}

// FuzzConnInputPooled is FuzzConnInput with both rings lent by a pool of
// one buffer, so the two sides compete for it and data is dropped for
// want of a buffer: besides FuzzConnInput's checks (the received stream
// exact), the pool lends exactly the buffers the Conn holds, and the Conn
// holds none it does not need.
func FuzzConnInputPooled(f *testing.F) {
	for st := range fuzzStates {
		for _, opts := range []byte{0, 1} {
			f.Add([]byte{byte(st)<<1 | opts})
			f.Add([]byte{byte(st)<<1 | opts,
				byte(ACK | PSH), 0, 0, 0, 20, 0x03, 0xe8, 50, 1, 0, 1, 10,
				byte(FINACK), 0, 50, 0, 20, 0x03, 0xe8, 0, 1, 0, 2, 10})
			// The user writes (taking the buffer) while data arrives.
			f.Add([]byte{byte(st)<<1 | opts,
				byte(ACK | PSH), 0, 0, 0, 0, 0x03, 0xe8, 50, 0x21, 0, 1, 10,
				byte(ACK | PSH), 0, 0, 0, 20, 0x03, 0xe8, 50, 1, 0, 1, 200,
				byte(FINACK), 0, 150, 0, 20, 0x03, 0xe8, 0, 1, 0, 2, 10})
			// Data beyond a hole holds the buffer; a write waits for it;
			// the hole fills and the reader's buffer goes to the writer.
			f.Add([]byte{byte(st)<<1 | opts,
				byte(ACK | PSH), 0x01, 0x2c, 0x02, 0xbc, 0x03, 0xe8, 50, 1, 0, 1, 1,
				byte(ACK | PSH), 0, 0, 0, 0, 0x03, 0xe8, 100, 0x21, 0, 1, 1,
				byte(ACK), 0, 0, 0, 0, 0x03, 0xe8, 0, 1, 0, 1, 1})
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		pool := NewBufferPool(2000, 1)
		fz := newFuzzConnPool(t, int(in[0]>>1)%len(fuzzStates), in[0]&1 != 0, pool)
		for in = in[1:]; len(in) >= 12; in = in[12:] {
			fz.step(in[:12])
			c := fz.c
			held := 0
			if c.rx.Cap() > 0 {
				held++
				if c.rx.Len() == 0 && c.asm.Empty() {
					t.Fatal("an empty receive buffer was kept")
				}
			}
			if c.tx.Cap() > 0 {
				held++
				if c.tx.Len() == 0 {
					t.Fatal("an empty send buffer was kept")
				}
			}
			if st := pool.Stats(); st.Lent != held || st.Waiting > 1 {
				t.Fatalf("pool %+v, but the Conn holds %d buffers", st, held)
			}
		}
	})
}
