package tlsbench

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// queue is one direction of the in-memory link both implementations run
// over: bytes appended at the back, taken from the front. Its storage is
// kept when it drains, so a warm link allocates nothing. It is locked
// because crypto/tls's two ends run on two goroutines during the
// handshake; the tlsx driver takes the same lock, so both pay the same.
type queue struct {
	mu     sync.Mutex
	nonEmp sync.Cond // signalled when bytes arrive or the queue closes
	buf    []byte
	off    int
	closed bool
	// noWait makes read of an empty queue fail with errEmpty instead of
	// waiting: set where one goroutine drives both ends, so a lost record
	// fails the op instead of hanging it.
	noWait bool
}

var errEmpty = errors.New("read of an empty link on the only goroutine")

func newQueue() *queue {
	q := &queue{}
	q.nonEmp.L = &q.mu
	return q
}

// write appends p; the queue has no bound, so a writer never blocks.
func (q *queue) write(p []byte) {
	q.mu.Lock()
	q.buf = append(q.buf, p...)
	q.mu.Unlock()
	q.nonEmp.Signal()
}

// lease lends the queued bytes; the single goroutine that drives a tlsx
// pair reads them in place and calls consume.
func (q *queue) lease() []byte {
	q.mu.Lock()
	b := q.buf[q.off:]
	q.mu.Unlock()
	return b
}

// consume drops n bytes from the front.
func (q *queue) consume(n int) {
	q.mu.Lock()
	q.off += n
	if q.off >= len(q.buf) {
		q.buf, q.off = q.buf[:0], 0
	}
	q.mu.Unlock()
}

// read copies queued bytes into p, waiting for some if there are none:
// the blocking read net.Conn promises.
func (q *queue) read(p []byte) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.off == len(q.buf) {
		if q.closed {
			return 0, io.EOF
		}
		if q.noWait {
			return 0, errEmpty
		}
		q.nonEmp.Wait()
	}
	n := copy(p, q.buf[q.off:])
	q.off += n
	if q.off == len(q.buf) {
		q.buf, q.off = q.buf[:0], 0
	}
	return n, nil
}

func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.buf) - q.off
}

// close makes reads of an empty queue answer io.EOF.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.nonEmp.Broadcast()
}

// release drops the storage of an empty queue, so the memory measurement
// of an idle connection does not count the link's buffers.
func (q *queue) release() {
	q.mu.Lock()
	if q.off == len(q.buf) {
		q.buf, q.off = nil, 0
	}
	q.mu.Unlock()
}

// link is the pair of queues between a client and a server.
type link struct {
	c2s, s2c *queue
}

func newLink() link { return link{newQueue(), newQueue()} }

// memConn is one end of a link as the net.Conn crypto/tls needs. Writes
// never block; reads block until the peer writes. Deadlines are accepted
// and ignored: nothing here waits on the clock.
type memConn struct {
	r, w *queue
}

// conns are the client's and the server's ends of l.
func (l link) conns() (client, server net.Conn) {
	return &memConn{r: l.s2c, w: l.c2s}, &memConn{r: l.c2s, w: l.s2c}
}

func (c *memConn) Read(p []byte) (int, error) { return c.r.read(p) }

func (c *memConn) Write(p []byte) (int, error) {
	c.w.write(p)
	return len(p), nil
}

func (c *memConn) Close() error {
	c.w.close()
	return nil
}

func (c *memConn) LocalAddr() net.Addr                { return memAddr{} }
func (c *memConn) RemoteAddr() net.Addr               { return memAddr{} }
func (c *memConn) SetDeadline(t time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(t time.Time) error { return nil }

type memAddr struct{}

func (memAddr) Network() string { return "mem" }
func (memAddr) String() string  { return "mem" }

// wait blocks until the queue holds bytes or is closed, and reports
// whether it holds bytes: how a driver on one goroutine waits for a peer
// running on another.
func (q *queue) wait() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.off == len(q.buf) && !q.closed {
		q.nonEmp.Wait()
	}
	return q.off < len(q.buf)
}
