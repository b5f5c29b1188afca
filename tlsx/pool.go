package tlsx

// BufferPool lends record buffers to the Conns whose Config.Buffers names
// it, so that many connections share memory sized for the few that move
// records at once instead of each holding a full record each way while it
// sits idle (tcp.BufferPool does the same for TCP's rings). A Conn borrows
// its receive buffer while it holds an incomplete record or decrypted
// bytes not yet consumed, and its send buffer while it holds records not
// yet taken by Output or a WriteLease; it gives each back as soon as it is
// empty. An established idle Conn holds no record buffer.
//
// Buffers are made on demand, at most limit of them (Preallocate makes
// them all at once); once made, lending and giving back allocate nothing.
//
// The handshake borrows its receive buffer here too. Its send side does
// not: a handshake flight (a certificate chain) may be larger than a
// record, and is built in a buffer of its exact size on the heap that goes
// once the flight is sent. Alerts, close_notify and KeyUpdates that find
// no send buffer go into a 64-byte one inside the Conn, so a connection
// can always close or fail properly.
//
// Exhaustion is back-pressure, never a drop: Input takes nothing and
// answers ErrWouldBlock (the ciphertext stays in the transport's receive
// ring), Write and WriteLease answer ErrWouldBlock. The Conn then waits in
// the pool; a buffer given back goes to the connection that waited
// longest, and the pool calls its notify function (SetNotify). That one
// must not run connection code itself: it schedules Resume, which tells
// each Conn handed a buffer through the function set with
// Conn.OnBufferReady, from a stack where no other connection is in the
// middle of a call. tlsstream does all of this on the reactor.
//
// A BufferPool belongs to one goroutine (the reactor's), like the Conns
// that use it: nothing is locked.
type BufferPool struct {
	size, recLimit, limit int
	free                  [][]byte
	made, lent            int
	lends                 uint64
	misses                uint32
	waiters               waitQueue // Conns refused a buffer, oldest first
	ready                 waitQueue // Conns handed a buffer, not yet told
	notify                func()
}

// PoolStats is a snapshot of a BufferPool.
type PoolStats struct {
	Lent    int    // buffers out now
	Free    int    // buffers made and not lent
	Made    int    // Lent + Free
	Waiting int    // Conns waiting for a buffer (one entry per direction)
	Lends   uint64 // buffers lent so far
	Misses  uint32 // requests that found every buffer lent
}

// NewBufferPool returns a pool of at most limit buffers (no limit if
// limit <= 0), each holding one protected record of recordSizeLimit bytes
// of TLSInnerPlaintext (0 means a full record, 16385) plus room for an
// alert and a KeyUpdate. A Conn whose Config.RecordSizeLimit is larger
// than the pool's is refused (ErrConfig). A full-record buffer is 16,470
// bytes; a preallocated pool of 8 is one 129 KB block (no
// size-class rounding, where an owned 16 KiB record buffer takes 18 KiB).
func NewBufferPool(recordSizeLimit, limit int) *BufferPool {
	if recordSizeLimit <= 0 || recordSizeLimit > maxRecordSizeLimit {
		recordSizeLimit = maxRecordSizeLimit
	}
	recordSizeLimit = max(recordSizeLimit, minRecordSizeLimit)
	return &BufferPool{size: steadyOutLen(recordSizeLimit), recLimit: recordSizeLimit, limit: max(limit, 0)}
}

// Size is the length of every buffer the pool lends.
func (p *BufferPool) Size() int { return p.size }

// RecordSizeLimit is the largest record_size_limit a Conn using the pool
// may have.
func (p *BufferPool) RecordSizeLimit() int { return p.recLimit }

// Limit is the most buffers the pool makes, 0 for no limit.
func (p *BufferPool) Limit() int { return p.limit }

// Stats returns the pool's counters.
func (p *BufferPool) Stats() PoolStats {
	return PoolStats{Lent: p.lent, Free: len(p.free), Made: p.made, Waiting: p.waiters.len(), Lends: p.lends, Misses: p.misses}
}

// Preallocate makes every buffer the limit allows now, in one block, so
// that the memory is claimed at start and never later, and makes room in
// the wait lists for waiters Conns. It does nothing to buffers without a
// limit.
func (p *BufferPool) Preallocate(waiters int) {
	p.waiters.reserve(waiters)
	p.ready.reserve(waiters)
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
		// neighbour, and its capacity says it belongs here (put).
		p.give(block[i*p.size : (i+1)*p.size : (i+1)*p.size])
	}
}

// SetNotify sets the function called when a waiting Conn has been handed
// a buffer. It runs inside the call that gave the buffer back (another
// Conn's Consume, ConsumeOutput, ...), so it must only arrange for Resume
// to run soon: wake a reactor task, say.
func (p *BufferPool) SetNotify(f func()) { p.notify = f }

// Notify is the function SetNotify set, nil if none.
func (p *BufferPool) Notify() func() { return p.notify }

// Resume tells each Conn handed a buffer since the last Resume, oldest
// first, through its OnBufferReady function; a buffer its owner then left
// unused goes back to the pool (and on to the next waiter).
func (p *BufferPool) Resume() {
	for {
		w, ok := p.ready.popFront()
		if !ok {
			return
		}
		c := w.c
		c.poolFlags &^= poolReady
		if c.onBuffer != nil {
			c.onBuffer()
		}
		c.returnIn()
		c.returnOut()
	}
}

// get lends a buffer, or returns nil when limit buffers are all lent.
func (p *BufferPool) get() []byte {
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

// put takes back a buffer get lent.
func (p *BufferPool) put(b []byte) {
	if cap(b) != p.size || p.lent == 0 {
		return
	}
	p.lent--
	p.give(b[:p.size])
}

// give hands b to the oldest waiting Conn that still needs it, or keeps
// it.
func (p *BufferPool) give(b []byte) {
	for {
		w, ok := p.waiters.popFront()
		if !ok {
			break
		}
		c := w.c
		c.poolFlags &^= w.dir
		if !c.takeBuffer(w.dir, b) {
			continue
		}
		p.lent++
		p.lends++
		if c.poolFlags&poolReady == 0 {
			c.poolFlags |= poolReady
			p.ready.pushBack(waiter{c: c})
		}
		if p.notify != nil {
			p.notify()
		}
		return
	}
	p.free = append(p.free, b)
}

// wait queues c for the next buffer of direction dir given back.
func (p *BufferPool) wait(c *Conn, dir uint8) {
	if c.poolFlags&dir != 0 {
		return
	}
	c.poolFlags |= dir
	p.waiters.pushBack(waiter{c: c, dir: dir})
}

// leave takes c out of both queues.
func (p *BufferPool) leave(c *Conn) {
	p.waiters.remove(c)
	p.ready.remove(c)
	c.poolFlags &^= poolWaitIn | poolWaitOut | poolReady
}

// A Conn's dealings with its pool.
const (
	poolWaitIn  uint8 = 1 << iota // queued for a receive buffer
	poolWaitOut                   // queued for a send buffer
	poolReady                     // handed a buffer, not yet told (Resume)
)

type waiter struct {
	c   *Conn
	dir uint8
}

// waitQueue is a FIFO ring that grows by doubling, so that in steady state
// queueing allocates nothing.
type waitQueue struct {
	q          []waiter
	head, size int
}

func (r *waitQueue) len() int { return r.size }

func (r *waitQueue) reserve(n int) {
	if n > len(r.q) {
		r.grow(n)
	}
}

func (r *waitQueue) grow(n int) {
	q := make([]waiter, n)
	for i := range r.size {
		q[i] = r.q[(r.head+i)%len(r.q)]
	}
	r.q, r.head = q, 0
}

func (r *waitQueue) pushBack(w waiter) {
	if r.size == len(r.q) {
		r.grow(max(2*len(r.q), 8))
	}
	r.q[(r.head+r.size)%len(r.q)] = w
	r.size++
}

func (r *waitQueue) popFront() (waiter, bool) {
	if r.size == 0 {
		return waiter{}, false
	}
	w := r.q[r.head]
	r.q[r.head] = waiter{}
	r.head = (r.head + 1) % len(r.q)
	r.size--
	return w, true
}

// remove takes every entry of c out, keeping the order of the rest. It is
// linear in the queue, and runs only when a Conn is released.
func (r *waitQueue) remove(c *Conn) {
	j := 0
	for i := range r.size {
		w := r.q[(r.head+i)%len(r.q)]
		if w.c == c {
			continue
		}
		r.q[(r.head+j)%len(r.q)] = w
		j++
	}
	for i := j; i < r.size; i++ {
		r.q[(r.head+i)%len(r.q)] = waiter{}
	}
	r.size = j
}
