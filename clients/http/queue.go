package http

// queue is the FIFO of requests waiting for a connection, linked through
// the requests themselves.
type queue struct {
	head, tail *Request
	n          int
}

func (q *queue) pushBack(r *Request) {
	r.next, r.prev = nil, q.tail
	if q.tail != nil {
		q.tail.next = r
	} else {
		q.head = r
	}
	q.tail = r
	q.n++
	r.queued = true
}

func (q *queue) pushFront(r *Request) {
	r.prev, r.next = nil, q.head
	if q.head != nil {
		q.head.prev = r
	} else {
		q.tail = r
	}
	q.head = r
	q.n++
	r.queued = true
}

func (q *queue) remove(r *Request) {
	if r.prev != nil {
		r.prev.next = r.next
	} else {
		q.head = r.next
	}
	if r.next != nil {
		r.next.prev = r.prev
	} else {
		q.tail = r.prev
	}
	r.next, r.prev = nil, nil
	q.n--
	r.queued = false
}
