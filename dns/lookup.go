package dns

import (
	"github.com/seed947b3480/legation/reactor"
	"golang.org/x/net/dns/dnsmessage"
)

// A lookup's future lives in one of the resolver's 2*MaxQueries cells, so
// starting a lookup allocates nothing. A cell is reused only after every
// other free cell has been (they are handed out oldest-freed first), which
// keeps a completed future readable until at least MaxQueries further
// lookups have started. Read the result in the completion callback, or
// before starting that many more.

// LookupA starts a lookup of name's IPv4 addresses. The future completes
// with the addresses or an Error: at once if the cache (or an error found
// before any query) decides it, else when an answer arrives (the callback
// then runs inside the stack's poll) or the last retry times out (inside the
// resolver's). name is a fully qualified name, with or without the final
// dot, or an address literal, which answers itself.
func (r *Resolver) LookupA(name string) *reactor.Future[Result] {
	return r.lookup(name, dnsmessage.TypeA, 0)
}

// LookupAAAA starts a lookup of name's IPv6 addresses.
func (r *Resolver) LookupAAAA(name string) *reactor.Future[Result] {
	return r.lookup(name, dnsmessage.TypeAAAA, 0)
}

// LookupHost starts a lookup of name's IPv4 and IPv6 addresses, asked in
// parallel; IPv4 addresses come first. It succeeds if either question finds
// addresses, and fails with ErrNotFound if the name does not exist.
func (r *Resolver) LookupHost(name string) *reactor.Future[Result] {
	return r.lookup(name, dnsmessage.TypeA, dnsmessage.TypeAAAA)
}

// cell is one lookup: its future and its one or two questions.
type cell struct {
	idx     int
	fut     reactor.Future[Result]
	name    dnsmessage.Name // as the caller asked, the cache key
	q       [2]question
	nq      int
	waiting int // questions still running
}

func (r *Resolver) lookup(name string, t1, t2 dnsmessage.Type) *reactor.Future[Result] {
	r.stats.Lookups++
	c := &r.cells[r.free.pop()]
	c.fut.Reset()
	c.nq, c.waiting = 1, 0
	c.q[0].reset(t1)
	if t2 != 0 {
		c.nq = 2
		c.q[1].reset(t2)
	}
	if r.closed {
		return r.fail(c, ErrClosed)
	}
	if a, ok := literal(name); ok {
		for i := 0; i < c.nq; i++ {
			q := &c.q[i]
			if (q.qtype == dnsmessage.TypeA) == a.Is4() {
				q.res.add(a)
			} else {
				q.err = ErrNoData
			}
		}
		return r.complete(c)
	}
	n, err := makeName(name)
	if err != nil {
		return r.fail(c, err)
	}
	c.name = n
	now := r.r.Now()
	need := 0
	for i := 0; i < c.nq; i++ {
		if !r.fromCache(&c.q[i], &n, now) {
			need++
		}
	}
	if need == 0 {
		r.stats.CacheHits++
		f := r.complete(c)
		if f.Err() != nil {
			r.stats.NegativeHits++
		}
		return f
	}
	if r.busy+need > r.cfg.MaxQueries {
		r.stats.TooMany++
		return r.fail(c, ErrTooManyQueries)
	}
	r.refreshServers()
	if r.nservers == 0 {
		return r.fail(c, ErrNoServers)
	}
	for i := 0; i < c.nq; i++ {
		if q := &c.q[i]; !q.settled {
			q.qname = n
			c.waiting++
			r.busy++
			r.start(q, now)
		}
	}
	r.h.Wake() // the task's deadline changed
	return &c.fut
}

// fromCache settles q from the cache if it can.
func (r *Resolver) fromCache(q *question, name *dnsmessage.Name, now reactor.Instant) bool {
	e := r.cache.get(name, q.qtype, now)
	if e == nil {
		return false
	}
	q.settled, q.err = true, e.err
	for _, a := range e.addrs[:e.n] {
		q.res.add(a)
	}
	q.res.TTL = e.expires.Sub(now)
	return true
}

// fail completes c with err at once, dropping what the cache gave for one
// of its questions: a lookup either runs whole or not at all.
func (r *Resolver) fail(c *cell, err error) *reactor.Future[Result] {
	for i := 0; i < c.nq; i++ {
		c.q[i].err, c.q[i].res = err, Result{}
	}
	return r.complete(c)
}

// complete merges c's questions into its result, completes its future and
// frees the cell. The callback runs before the cell is freed, so it may
// start lookups of its own.
func (r *Resolver) complete(c *cell) *reactor.Future[Result] {
	var res Result
	var err error
	for i := 0; i < c.nq; i++ {
		q := &c.q[i]
		if q.res.N == 0 {
			continue
		}
		if res.N == 0 || q.res.TTL < res.TTL {
			res.TTL = q.res.TTL
		}
		for _, a := range q.res.List() {
			res.add(a)
		}
	}
	if res.N == 0 {
		err = mergeErrors(c)
	}
	c.fut.Complete(res, err)
	r.free.push(c.idx)
	return &c.fut
}

// mergeErrors picks the error of a lookup that found no address: NXDOMAIN
// from either question says the name does not exist at all; NODATA counts
// only when every question says so; otherwise the first other failure.
func mergeErrors(c *cell) error {
	var first error
	for i := 0; i < c.nq; i++ {
		switch e := c.q[i].err; {
		case e == ErrNotFound:
			return e
		case e != nil && e != ErrNoData && first == nil:
			first = e
		}
	}
	if first != nil {
		return first
	}
	return ErrNoData
}

// cellQueue is a FIFO of free cell indices over a fixed ring.
type cellQueue struct {
	q          []int
	head, size int
}

func (f *cellQueue) init(n int) { f.q = make([]int, n) }

func (f *cellQueue) push(i int) {
	f.q[(f.head+f.size)%len(f.q)] = i
	f.size++
}

func (f *cellQueue) pop() int {
	if f.size == 0 {
		// Cannot happen: at most MaxQueries cells wait on the network and
		// there are twice as many.
		panic("dns: no free lookup cell")
	}
	i := f.q[f.head]
	f.head = (f.head + 1) % len(f.q)
	f.size--
	return i
}
