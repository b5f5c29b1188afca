package httpd

import "github.com/seed947b3480/legation/reactor"

// connList is an intrusive list of connections waiting for one kind of
// deadline. Every deadline of a kind is a fixed time after the moment the
// connection joined (or was last touched), so appending at the back keeps
// the list in deadline order: the server looks only at the front, and
// joining, leaving and touching are O(1), however many connections wait.
type connList struct {
	front, back *conn
	n           int
}

func (l *connList) push(c *conn, deadline reactor.Instant) {
	c.deadline = deadline
	c.list = l
	c.prev, c.next = l.back, nil
	if l.back != nil {
		l.back.next = c
	} else {
		l.front = c
	}
	l.back = c
	l.n++
}

func (l *connList) remove(c *conn) {
	if c.prev != nil {
		c.prev.next = c.next
	} else {
		l.front = c.next
	}
	if c.next != nil {
		c.next.prev = c.prev
	} else {
		l.back = c.prev
	}
	c.prev, c.next, c.list = nil, nil, nil
	l.n--
}

// frontDeadline returns the earliest deadline in the list.
func (l *connList) frontDeadline() reactor.Instant {
	if l.front == nil {
		return reactor.Never
	}
	return l.front.deadline
}
