package stack

import "github.com/seed947b3480/legation/reactor"

// The TCP scheduler: which connections the next poll must attend to. A
// connection is in the run queue when it has something to do now (a
// segment arrived, the user queued data or closed, a timer fired) and in
// the timer heap when it has a deadline later; a poll touches only those,
// so ten thousand idle connections cost nothing per poll and a frame for
// one of them costs the same as for the only one.
//
// The heap is lazy upward: a deadline that moves later (every ACK pushes
// the retransmission timer back) stays where it was and the connection
// wakes early once, finds nothing due and is filed again at its true
// deadline. Only a deadline that moves earlier sifts the heap.

// tcpRunQueue is a FIFO of connections, a ring that grows with the table.
type tcpRunQueue struct {
	q          []*tcpEntry
	head, size int
}

func (r *tcpRunQueue) len() int { return r.size }

func (r *tcpRunQueue) grow() {
	n := max(2*len(r.q), 16)
	q := make([]*tcpEntry, n)
	for i := 0; i < r.size; i++ {
		q[i] = r.q[(r.head+i)%len(r.q)]
	}
	r.q, r.head = q, 0
}

func (r *tcpRunQueue) pushBack(e *tcpEntry) {
	if r.size == len(r.q) {
		r.grow()
	}
	r.q[(r.head+r.size)%len(r.q)] = e
	r.size++
}

func (r *tcpRunQueue) pushFront(e *tcpEntry) {
	if r.size == len(r.q) {
		r.grow()
	}
	r.head = (r.head - 1 + len(r.q)) % len(r.q)
	r.q[r.head] = e
	r.size++
}

func (r *tcpRunQueue) popFront() *tcpEntry {
	e := r.q[r.head]
	r.q[r.head] = nil
	r.head = (r.head + 1) % len(r.q)
	r.size--
	return e
}

// tcpTimers is a binary min-heap of connections by deadline. The deadline
// lives in the heap's slot, not the entry, so an entry stays in the
// 48-byte allocation class.
type tcpTimers []timerSlot

type timerSlot struct {
	at reactor.Instant
	e  *tcpEntry
}

func (h tcpTimers) top() reactor.Instant {
	if len(h) == 0 {
		return reactor.Never
	}
	return h[0].at
}

// remove takes e out of the heap.
func (h *tcpTimers) remove(e *tcpEntry) {
	i := int(e.heapIdx)
	if i < 0 {
		return
	}
	last := len(*h) - 1
	if i != last {
		h.swap(i, last)
	}
	(*h)[last] = timerSlot{}
	*h = (*h)[:last]
	e.heapIdx = -1
	if i != last {
		h.down(i)
		h.up(i)
	}
}

// schedule files e for at: it enters the heap, or moves up if at is
// earlier than its deadline there. A later at leaves it where it is.
func (h *tcpTimers) schedule(e *tcpEntry, at reactor.Instant) {
	switch {
	case at == reactor.Never:
		h.remove(e)
	case e.heapIdx < 0:
		e.heapIdx = int32(len(*h))
		*h = append(*h, timerSlot{at: at, e: e})
		h.up(int(e.heapIdx))
	case at < (*h)[e.heapIdx].at:
		(*h)[e.heapIdx].at = at
		h.up(int(e.heapIdx))
	}
}

// popDue removes and returns the first connection whose deadline is at or
// before now.
func (h *tcpTimers) popDue(now reactor.Instant) (*tcpEntry, bool) {
	if len(*h) == 0 || (*h)[0].at > now {
		return nil, false
	}
	e := (*h)[0].e
	h.remove(e)
	return e, true
}

func (h tcpTimers) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].e.heapIdx, h[j].e.heapIdx = int32(i), int32(j)
}

func (h tcpTimers) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if h[p].at <= h[i].at {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h tcpTimers) down(i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h[r].at < h[l].at {
			m = r
		}
		if h[i].at <= h[m].at {
			return
		}
		h.swap(i, m)
		i = m
	}
}
