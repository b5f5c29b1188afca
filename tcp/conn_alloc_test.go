package tcp

import (
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// pair is two established Conns joined back to back, for allocation
// guards and benchmarks.
type pair struct {
	a, b       *Conn
	aAddr      netip.AddrPort
	bAddr      netip.AddrPort
	now        reactor.Instant
	buf        [1500]byte
	readBuf    [64 << 10]byte
	seg        Repr
	delivered  int
	segsPassed int

	// swap makes pass hold every other data segment back until the next
	// one is delivered, so the receiver holds out-of-order data and sends
	// SACK blocks, and the sender walks its scoreboard.
	swap    bool
	held    [1500]byte
	heldLen int
}

func newPair(tb testing.TB, cfg Config) *pair {
	tb.Helper()
	return newPairOf(tb, cfg, cfg)
}

// newPairOf is newPair with a configuration for each side: a dials, b
// accepts.
func newPairOf(tb testing.TB, cfgA, cfgB Config) *pair {
	tb.Helper()
	p := &pair{
		a: NewConn(cfgA), b: NewConn(cfgB),
		aAddr: netip.MustParseAddrPort("10.0.0.1:40000"),
		bAddr: netip.MustParseAddrPort("10.0.0.2:80"),
		now:   reactor.Instant(time.Second),
	}
	if err := p.a.Connect(p.now, p.aAddr, p.bAddr, 1000); err != nil {
		tb.Fatal(err)
	}
	n, _ := p.a.Output(p.now, p.buf[:], p.aAddr.Addr(), p.bAddr.Addr())
	var syn Repr
	syn.Parse(wire.TCPPacket(p.buf[:n]))
	if err := p.b.AcceptSYN(p.now, p.bAddr, p.aAddr, &syn, 90000); err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		p.flush()
	}
	if p.a.State() != Established || p.b.State() != Established {
		tb.Fatalf("pair not established: %v %v", p.a.State(), p.b.State())
	}
	return p
}

// flush passes every segment each side has to send to the other, once.
func (p *pair) flush() {
	p.pass(p.a, p.b, p.aAddr, p.bAddr)
	p.pass(p.b, p.a, p.bAddr, p.aAddr)
}

func (p *pair) pass(from, to *Conn, fromAddr, toAddr netip.AddrPort) {
	for {
		n, ok := from.Output(p.now, p.buf[:], fromAddr.Addr(), toAddr.Addr())
		if !ok {
			break
		}
		if p.swap && from == p.a && p.heldLen == 0 && n > 100 {
			p.heldLen = copy(p.held[:], p.buf[:n])
			continue
		}
		p.deliver(to, p.buf[:n])
		if p.heldLen > 0 && from == p.a {
			p.deliver(to, p.held[:p.heldLen])
			p.heldLen = 0
		}
	}
	if p.heldLen > 0 && from == p.a {
		p.deliver(to, p.held[:p.heldLen])
		p.heldLen = 0
	}
}

func (p *pair) deliver(to *Conn, b []byte) {
	if err := p.seg.Parse(wire.TCPPacket(b)); err != nil {
		panic(err)
	}
	to.Input(p.now, &p.seg)
	p.segsPassed++
}

// TestEstablishedPathAllocs guards the invariant that a segment in and a
// segment out allocate nothing once established: data one way, ACKs the
// other, reads and writes, with every option on (timestamps, SACK,
// window scale) and delayed ACKs.
func TestEstablishedPathAllocs(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		swap bool
	}{
		{"options", Config{MSS: 1460, RxBuffer: make([]byte, 256<<10), TxBuffer: make([]byte, 256<<10)}, false},
		{"options, reordered", Config{MSS: 1460, RxBuffer: make([]byte, 256<<10), TxBuffer: make([]byte, 256<<10)}, true},
		{"plain", Config{MSS: 1460, DisableSACK: true, DisableTimestamps: true, DisableWindowScale: true, NoDelay: true}, false},
		// Both sides borrow their rings from one pool: every round the
		// receiver's ring is borrowed and given back once read, and the
		// sender's once acknowledged, without allocating.
		{"pooled", Config{MSS: 1460, Pool: NewBufferPool(64<<10, 0)}, false},
		{"pooled, reordered", Config{MSS: 1460, Pool: NewBufferPool(64<<10, 0)}, true},
	} {
		p := newPair(t, tc.cfg)
		p.swap = tc.swap
		p.a.OnReadable(nil)
		data := make([]byte, 8000)
		round := func() {
			p.a.Write(data)
			p.now = p.now.Add(time.Millisecond)
			p.flush()
			for {
				n, _ := p.b.Read(p.readBuf[:])
				if n == 0 {
					break
				}
				p.delivered += n
			}
			p.flush()
			p.b.Poll(p.now.Add(time.Second)) // the delayed-ACK timer
			p.flush()
		}
		round()
		before := p.segsPassed
		if allocs := testing.AllocsPerRun(200, round); allocs != 0 {
			t.Errorf("%s: %v allocations per round of %d segments, want 0", tc.name, allocs, (p.segsPassed-before)/201)
		}
		// The last partial segment of a round may wait for the next.
		if p.segsPassed-before < 200*6 || p.delivered < 201*len(data) {
			t.Fatalf("the rounds moved %d segments and %d bytes: the guard measured nothing", p.segsPassed-before, p.delivered)
		}
		if st := p.b.Stats(); tc.swap && st.OutOfOrder < 200 {
			t.Fatalf("only %d segments arrived out of order", st.OutOfOrder)
		}
		if pool := tc.cfg.Pool; pool != nil {
			// Borrowed and given back every round, from buffers made once.
			st := pool.Stats()
			t.Logf("%s: pool %+v", tc.name, st)
			if st.Lends < 2*200 || st.Made > 4 {
				t.Fatalf("pool %+v: the rings were not borrowed per round from a few buffers", st)
			}
		}
	}
}

// BenchmarkConnBulk moves data one way between two Conns in memory: the
// cost of the state machine per segment, checksums included.
func BenchmarkConnBulk(b *testing.B) {
	p := newPair(b, Config{MSS: 1460, RxBuffer: make([]byte, 256<<10), TxBuffer: make([]byte, 256<<10)})
	data := make([]byte, 64<<10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		p.a.Write(data)
		for p.a.SendQueued() > 0 {
			p.flush()
			for {
				n, _ := p.b.Read(p.readBuf[:])
				if n == 0 {
					break
				}
			}
			p.flush()
			if p.b.PollAt() != reactor.Never {
				p.b.Poll(p.b.PollAt())
			}
		}
	}
}

// TestConnFootprint reports what a connection costs beyond its two rings,
// and keeps it from growing unnoticed: thousands of idle connections on
// a small device pay it each.
func TestConnFootprint(t *testing.T) {
	c := NewConn(Config{RxBuffer: make([]byte, 1), TxBuffer: make([]byte, 1)})
	size := int(unsafe.Sizeof(*c)) + c.asm.Limit()*int(unsafe.Sizeof(span{}))
	t.Logf("a Conn is %d bytes beyond its rings (%d of them the reassembly table)", size, c.asm.Limit()*int(unsafe.Sizeof(span{})))
	if limit := 1280; size > limit {
		t.Fatalf("a Conn is %d bytes beyond its rings, over the %d allowed", size, limit)
	}
}

// An idle connection's record fits the 768-byte allocation class with the
// 8-byte header the runtime puts before objects of more than 512 bytes
// that hold pointers: every field that pushes it past costs ten thousand
// connections 128 bytes each. (Buffers and the reassembly table are
// separate.)
func TestConnSize(t *testing.T) {
	if n := unsafe.Sizeof(Conn{}); n > 768-8 {
		t.Fatalf("Conn is %d bytes, over the 768-byte class with its malloc header", n)
	}
}
