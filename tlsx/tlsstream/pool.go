package tlsstream

import (
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tlsx"
)

// A session whose tlsx.Config has Buffers borrows the engine's record
// buffers from that pool only while they hold records (tlsx.BufferPool).
// The adapter's part:
//
//   - Receive: when the pool is empty the engine takes no ciphertext, and
//     it stays in the inner receive ring (whose window holds the peer
//     back). The engine waits in the pool; when it is handed a buffer the
//     pool's task (below) runs the session's pump, which feeds it.
//   - Send: a record is sealed only when the inner send ring has room for
//     all of it now (sendRoom), so the flush right after moves it out and
//     the send buffer goes back before Write or CommitWrite returns: a
//     session never holds a send buffer while it waits for the network.
//     Refused (no room, or no buffer), Write and WriteLease answer
//     tcp.ErrWouldBlock and OnWritable follows when the inner stream has
//     room again and the pool has handed the engine a buffer.
//
// So, with a reader that consumes what it is lent (as tcp.BufferPool also
// asks), no wait can close a cycle: a send buffer is never held across an
// event; a receive buffer is held across events only for a record
// partly arrived, whose rest the peer has already sealed and the network
// delivers without any buffer of this pool, or for plaintext the reader
// takes without waiting for anything. Every buffer held is therefore given
// back within bounded time, and each goes to the longest waiter.
//
// Wakes: with Options.Reactor, the first session on a pool spawns one
// reactor task for the pool (poolTask) and makes it the pool's notify:
// a buffer given back wakes the task, which runs BufferPool.Resume from
// the reactor, outside every session's calls, and Resume runs just the
// sessions that were handed a buffer. Without a reactor, Resume runs after
// each inner event of a session on the pool, which is later.

// usePool hooks the session to its engine's pool, if it has one.
func (c *Conn) usePool(r *reactor.Reactor) {
	p := c.tls.Pool()
	if p == nil {
		return
	}
	c.pool = p
	c.tls.OnBufferReady(c.bufferReady)
	if p.Notify() == nil && r != nil {
		h := r.Spawn(poolTask{p})
		p.SetNotify(h.Wake)
	}
}

// bufferReady is the engine's OnBufferReady: it was handed a buffer it
// waited for; feed it, or tell a refused writer (settle).
func (c *Conn) bufferReady() {
	c.pump()
	c.deliver()
}

// resumePool runs the pool's Resume when no reactor task does.
func (c *Conn) resumePool() {
	if c.pool != nil && c.pool.Notify() == nil {
		c.pool.Resume()
	}
}

// sendRoom is how much plaintext the next record may carry so that it,
// after what the engine holds and with room for a KeyUpdate answer, fits
// the inner send ring now; at most one record's.
func (c *Conn) sendRoom() int {
	if c.wleased || c.innerShut || c.innerDone {
		return 0
	}
	first, second, err := c.inner.WriteLease()
	c.inner.CommitWrite(0)
	if err != nil {
		return 0
	}
	const overhead = 5 + 1 + 16 + 32 // header, content type, tag; a KeyUpdate (27)
	room := len(first) + len(second) - c.tls.Pending() - overhead
	return min(room, c.tls.MaxWrite())
}

// poolTask runs a pool's Resume on the reactor when the pool notifies.
type poolTask struct{ p *tlsx.BufferPool }

func (t poolTask) Poll(reactor.Instant) reactor.Instant {
	t.p.Resume()
	return reactor.Never
}
