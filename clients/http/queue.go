package http

import "github.com/seed947b3480/legation/reactor"

// queue is the FIFO of requests waiting for a connection, linked through
// the requests themselves. It keeps Request.queued up to date.
type queue struct{ reactor.List[Request] }

func newQueue() queue {
	return queue{reactor.NewList(func(r *Request) *reactor.Link[Request] { return &r.qlink })}
}

func (q *queue) pushBack(r *Request) {
	q.PushBack(r)
	r.queued = true
}

func (q *queue) pushFront(r *Request) {
	q.PushFront(r)
	r.queued = true
}

func (q *queue) remove(r *Request) {
	q.Remove(r)
	r.queued = false
}
