package tcp

// BufferPool lends equal byte buffers, so that many connections (or
// requests) share memory sized for the few that are busy at once rather
// than each owning buffers that sit empty while it is idle. A Conn whose
// Config names a pool borrows its receive buffer when data arrives and
// its send buffer when the user writes, and gives each back as soon as it
// is empty; ten thousand idle keep-alive connections then hold no buffer
// at all. Anything else on the reactor goroutine may borrow from the same
// pool (an HTTP server's per-request buffers, say).
//
// Buffers are made on demand, at most limit of them, and kept for reuse
// once given back; Preallocate makes them all at once for a device that
// sizes its memory up front. Once made, Get and Put allocate nothing.
//
// A BufferPool belongs to the reactor goroutine, like the connections
// that use it: nothing is locked.
//
// When the pool is exhausted, Get returns nil. A Conn then drops data it
// has no room for (the peer sends it again) and refuses writes with
// ErrWouldBlock; a connection refused a send buffer waits in the pool, and
// a buffer given back goes straight to the connection that waited longest,
// which is woken through its Notifier and told by OnWritable. A limit below
// twice the connections active at once can stall an application that
// keeps its received data unread while it waits to write: every buffer
// then holds data nobody will take.
type BufferPool struct {
	size, limit int
	free        [][]byte // buffers made and not lent, last in first out
	made, lent  int
	lends       uint64
	misses      uint32
	waiters     connQueue // connections refused a send buffer, oldest first
	spans       [][]span  // reassembly tables lent with receive buffers, kept for reuse
	spansMade   int       // tables made so far
}

// PoolStats is a snapshot of a BufferPool.
type PoolStats struct {
	Lent    int    // buffers out now
	Free    int    // buffers made and waiting in the pool
	Made    int    // buffers made so far: Lent + Free
	Waiting int    // connections waiting for a send buffer
	Lends   uint64 // buffers lent so far, by Get or handed to a waiting connection
	Misses  uint32 // Gets that found every buffer lent
}

// NewBufferPool returns a pool of buffers of size bytes (DefaultBufferSize
// if size <= 0), of which at most limit exist (no limit if limit <= 0).
// It makes none yet.
func NewBufferPool(size, limit int) *BufferPool {
	if size <= 0 {
		size = DefaultBufferSize
	}
	return &BufferPool{size: size, limit: max(limit, 0)}
}

// Size returns the length of every buffer the pool lends.
func (p *BufferPool) Size() int { return p.size }

// Limit returns the most buffers the pool makes, 0 for no limit.
func (p *BufferPool) Limit() int { return p.limit }

// Stats returns the pool's counters.
func (p *BufferPool) Stats() PoolStats {
	return PoolStats{Lent: p.lent, Free: len(p.free), Made: p.made, Waiting: p.waiters.len(), Lends: p.lends, Misses: p.misses}
}

// Preallocate makes every buffer the limit allows now, in one block, so
// that the memory is claimed at start and never later. It makes as many
// reassembly tables (lent with receive buffers) of
// DefaultAssemblerRanges ranges, the size of a connection whose
// Config.OutOfOrderRanges is 0; a connection asking for another size makes
// its table on first use. It does nothing without a limit.
func (p *BufferPool) Preallocate() {
	p.preallocateSpans()
	n := p.limit - p.made
	if n <= 0 {
		return
	}
	if cap(p.free) < p.limit {
		free := make([][]byte, len(p.free), p.limit)
		copy(free, p.free)
		p.free = free
	}
	block := make([]byte, n*p.size)
	p.made += n
	for i := range n {
		// A full slice expression: a buffer cannot be grown into its
		// neighbour, and its capacity says it belongs here (Put).
		p.give(block[i*p.size : (i+1)*p.size : (i+1)*p.size])
	}
}

// Get lends a buffer of Size bytes, or returns nil when limit buffers are
// all lent. Its contents are whatever its last borrower left. It does not
// allocate once the buffer exists.
func (p *BufferPool) Get() []byte {
	if n := len(p.free); n > 0 {
		b := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		p.lent++
		p.lends++
		return b
	}
	if p.limit > 0 && p.made >= p.limit {
		p.misses++
		return nil
	}
	p.made++
	p.lent++
	p.lends++
	return make([]byte, p.size)
}

// Put gives back a buffer Get lent; the caller must not touch it again.
// A slice of another capacity than Size, or one more than were lent, is
// ignored, so a stray Put cannot grow the pool. If a connection waits for
// a send buffer, the buffer goes to it and the connection is woken through
// its Notifier: no callback runs inside Put.
func (p *BufferPool) Put(b []byte) {
	if cap(b) != p.size || p.lent == 0 {
		return
	}
	p.lent--
	p.give(b[:p.size])
}

// give hands b to the oldest waiting connection, or keeps it.
func (p *BufferPool) give(b []byte) {
	if c := p.waiters.popFront(); c != nil {
		p.lent++
		p.lends++
		c.takeTx(b)
		return
	}
	p.free = append(p.free, b)
}

// wait queues c for the next buffer given back.
func (p *BufferPool) wait(c *Conn) { p.waiters.pushBack(c) }

// unwait takes c out of the queue.
func (p *BufferPool) unwait(c *Conn) { p.waiters.remove(c) }

// preallocateSpans makes the reassembly tables of Preallocate, in one
// block, and room to keep them all.
func (p *BufferPool) preallocateSpans() {
	n := p.limit - p.spansMade
	if n <= 0 {
		return
	}
	if cap(p.spans) < p.limit {
		spans := make([][]span, len(p.spans), p.limit)
		copy(spans, p.spans)
		p.spans = spans
	}
	const k = DefaultAssemblerRanges
	block := make([]span, n*k)
	p.spansMade += n
	for i := range n {
		p.spans = append(p.spans, block[i*k:(i+1)*k:(i+1)*k])
	}
}

// getSpans lends a reassembly table of n ranges, made if none is free:
// a Conn borrows one with its receive buffer. Tables are kept for reuse
// like buffers, so there are never more of a size than were out at once.
func (p *BufferPool) getSpans(n int) []span {
	for i := len(p.spans) - 1; i >= 0; i-- {
		if s := p.spans[i]; len(s) == n {
			last := len(p.spans) - 1
			p.spans[i] = p.spans[last]
			p.spans[last] = nil
			p.spans = p.spans[:last]
			return s
		}
	}
	p.spansMade++
	return make([]span, n)
}

// putSpans takes back a table getSpans lent.
func (p *BufferPool) putSpans(s []span) {
	if s != nil {
		p.spans = append(p.spans, s)
	}
}

// connQueue is a FIFO of connections: a ring that grows by doubling, so
// that in steady state queueing allocates nothing.
type connQueue struct {
	q          []*Conn
	head, size int
}

func (r *connQueue) len() int { return r.size }

func (r *connQueue) pushBack(c *Conn) {
	if r.size == len(r.q) {
		q := make([]*Conn, max(2*len(r.q), 8))
		for i := range r.size {
			q[i] = r.q[(r.head+i)%len(r.q)]
		}
		r.q, r.head = q, 0
	}
	r.q[(r.head+r.size)%len(r.q)] = c
	r.size++
}

// popFront returns the oldest connection, nil if there is none.
func (r *connQueue) popFront() *Conn {
	if r.size == 0 {
		return nil
	}
	c := r.q[r.head]
	r.q[r.head] = nil
	r.head = (r.head + 1) % len(r.q)
	r.size--
	return c
}

// remove takes c out wherever it is, keeping the order of the rest. It is
// linear in the queue, and runs only when a waiting connection closes.
func (r *connQueue) remove(c *Conn) {
	for i := range r.size {
		if r.q[(r.head+i)%len(r.q)] != c {
			continue
		}
		for j := i; j < r.size-1; j++ {
			r.q[(r.head+j)%len(r.q)] = r.q[(r.head+j+1)%len(r.q)]
		}
		r.q[(r.head+r.size-1)%len(r.q)] = nil
		r.size--
		return
	}
}
