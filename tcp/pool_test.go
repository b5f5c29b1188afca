package tcp

import "testing"

// A pool makes buffers on demand up to its limit, lends nil beyond it,
// and lends again what was given back.
func TestBufferPoolLimit(t *testing.T) {
	p := NewBufferPool(1000, 2)
	if p.Size() != 1000 || p.Limit() != 2 {
		t.Fatalf("size %d limit %d", p.Size(), p.Limit())
	}
	if st := p.Stats(); st != (PoolStats{}) {
		t.Fatalf("a new pool made buffers: %+v", st)
	}
	a, b := p.Get(), p.Get()
	if len(a) != 1000 || len(b) != 1000 || &a[0] == &b[0] {
		t.Fatalf("lent %d and %d bytes", len(a), len(b))
	}
	if c := p.Get(); c != nil {
		t.Fatal("a third buffer beyond a limit of 2")
	}
	if st := p.Stats(); st != (PoolStats{Lent: 2, Made: 2, Lends: 2, Misses: 1}) {
		t.Fatalf("stats %+v", st)
	}
	p.Put(a[:10]) // a shortened slice of a lent buffer is still that buffer
	if c := p.Get(); len(c) != 1000 || &c[0] != &a[0] {
		t.Fatal("the buffer given back was not lent again")
	}
	if st := p.Stats(); st != (PoolStats{Lent: 2, Made: 2, Lends: 3, Misses: 1}) {
		t.Fatalf("stats %+v", st)
	}
}

// Put ignores what the pool did not lend: a buffer of another size, nil,
// or more buffers than are out.
func TestBufferPoolPutForeign(t *testing.T) {
	p := NewBufferPool(64, 1)
	p.Put(make([]byte, 64)) // nothing is lent: cannot be one of ours
	p.Put(make([]byte, 32))
	p.Put(make([]byte, 64, 128))
	p.Put(nil)
	if st := p.Stats(); st != (PoolStats{}) {
		t.Fatalf("foreign buffers changed the pool: %+v", st)
	}
	b := p.Get()
	p.Put(make([]byte, 65))
	p.Put(b)
	p.Put(b) // twice: the second is beyond what was lent
	if st := p.Stats(); st != (PoolStats{Free: 1, Made: 1, Lends: 1}) {
		t.Fatalf("stats %+v", st)
	}
}

// Preallocate makes every buffer at once, as separate buffers of one
// block, and a pool without a limit makes none ahead.
func TestBufferPoolPreallocate(t *testing.T) {
	p := NewBufferPool(100, 8)
	first := p.Get()
	p.Preallocate()
	if st := p.Stats(); st != (PoolStats{Lent: 1, Free: 7, Made: 8, Lends: 1}) {
		t.Fatalf("stats %+v", st)
	}
	var got [][]byte
	for range 7 {
		b := p.Get()
		if len(b) != 100 || cap(b) != 100 {
			t.Fatalf("a preallocated buffer of len %d cap %d", len(b), cap(b))
		}
		b[0], b[99] = 1, 2 // a buffer's ends are its own
		got = append(got, b)
	}
	for _, b := range got {
		if b[0] != 1 || b[99] != 2 {
			t.Fatal("preallocated buffers overlap")
		}
	}
	if p.Get() != nil {
		t.Fatal("more buffers than the limit")
	}
	p.Put(first)

	u := NewBufferPool(0, 0)
	u.Preallocate()
	if st := u.Stats(); st.Made != 0 || u.Size() != DefaultBufferSize {
		t.Fatalf("an unlimited pool preallocated: %+v, size %d", st, u.Size())
	}
}

// Once its buffers exist, lending and giving back allocate nothing.
func TestBufferPoolAllocs(t *testing.T) {
	for _, pre := range []bool{false, true} {
		p := NewBufferPool(4096, 4)
		if pre {
			p.Preallocate()
		}
		var held [4][]byte
		cycle := func() {
			for i := range held {
				held[i] = p.Get()
			}
			for i := range held {
				p.Put(held[i])
			}
		}
		cycle()
		if n := testing.AllocsPerRun(100, cycle); n != 0 {
			t.Fatalf("preallocated %v: %v allocations per Get/Put cycle", pre, n)
		}
		if st := p.Stats(); st.Made != 4 || st.Lent != 0 || st.Misses != 0 {
			t.Fatalf("stats %+v", st)
		}
	}
}

// The queue of waiting connections keeps its order through growth,
// removal from the middle and wrap-around.
func TestConnQueue(t *testing.T) {
	var q connQueue
	conns := make([]*Conn, 20)
	for i := range conns {
		conns[i] = new(Conn)
	}
	var want []*Conn
	for round := range 3 {
		for _, c := range conns[:13] {
			q.pushBack(c)
			want = append(want, c)
		}
		q.remove(conns[round+2])
		for i, c := range want {
			if c == conns[round+2] {
				want = append(want[:i], want[i+1:]...)
				break
			}
		}
		for range 5 {
			if c := q.popFront(); c != want[0] {
				t.Fatalf("round %d: popped %p, want %p", round, c, want[0])
			}
			want = want[1:]
		}
	}
	for len(want) > 0 {
		if c := q.popFront(); c != want[0] {
			t.Fatal("order lost")
		}
		want = want[1:]
	}
	if q.popFront() != nil || q.len() != 0 {
		t.Fatal("queue not empty")
	}
}

// Preallocate makes the reassembly tables lent with receive buffers too:
// the first time every buffer is out with its table (of the default size)
// allocates nothing, and tables are distinct.
func TestBufferPoolPreallocateSpans(t *testing.T) {
	const limit = 4
	p := NewBufferPool(256, limit)
	p.Preallocate()
	var held [limit][]span
	cycle := func() {
		for i := range held {
			held[i] = p.getSpans(DefaultAssemblerRanges)
		}
		for i := range held {
			p.putSpans(held[i])
		}
	}
	if n := testing.AllocsPerRun(1, cycle); n != 0 {
		t.Fatalf("%v allocations lending %d preallocated reassembly tables", n, limit)
	}
	for i := range held {
		held[i] = p.getSpans(DefaultAssemblerRanges)
		if len(held[i]) != DefaultAssemblerRanges || cap(held[i]) != DefaultAssemblerRanges {
			t.Fatalf("table of len %d cap %d", len(held[i]), cap(held[i]))
		}
		held[i][0].start, held[i][DefaultAssemblerRanges-1].end = i, i
	}
	for i := range held {
		if held[i][0].start != i || held[i][DefaultAssemblerRanges-1].end != i {
			t.Fatal("preallocated tables overlap")
		}
	}
	// Another size is made on demand, and kept.
	if s := p.getSpans(2 * DefaultAssemblerRanges); len(s) != 2*DefaultAssemblerRanges {
		t.Fatalf("table of %d ranges, want %d", len(s), 2*DefaultAssemblerRanges)
	}
}
