package reactor

// List is a doubly linked list threaded through its elements: each element
// embeds a Link, so joining and leaving cost no allocation and O(1) time.
// An element is on at most one List per Link it embeds; a record with two
// Links can be on two lists at once.
//
// Its main use is timers as data: when every element of a list waits for
// a deadline a fixed duration after it joined, appending at the back keeps
// the list in deadline order, and the owner looks only at the front
// (Expire) whatever the number of elements.
//
// A List finds an element's Link through the function given to NewList;
// the zero List is not usable. Like the rest of the reactor's state, a
// List belongs to one goroutine.
type List[T any] struct {
	front, back *T
	n           int
	link        func(*T) *Link[T]
}

// Link is the pair of pointers an element of a List embeds. Its zero value
// is an element on no list.
type Link[T any] struct{ prev, next *T }

// NewList returns an empty list whose elements keep their Link where link
// says (typically func(c *conn) *Link[conn] { return &c.link }).
func NewList[T any](link func(*T) *Link[T]) List[T] { return List[T]{link: link} }

// Len returns the number of elements.
func (l *List[T]) Len() int { return l.n }

// Front returns the first element, or nil.
func (l *List[T]) Front() *T { return l.front }

// Back returns the last element, or nil.
func (l *List[T]) Back() *T { return l.back }

// Next returns the element after x, or nil. x must be on l.
func (l *List[T]) Next(x *T) *T { return l.link(x).next }

// PushBack appends x, which must be on no list through this Link.
func (l *List[T]) PushBack(x *T) { l.insert(x, l.back, nil) }

// PushFront prepends x, which must be on no list through this Link.
func (l *List[T]) PushFront(x *T) { l.insert(x, nil, l.front) }

// insert links x between prev and next, neighbours on l (nil at an end).
func (l *List[T]) insert(x, prev, next *T) {
	lx := l.link(x)
	lx.prev, lx.next = prev, next
	if prev != nil {
		l.link(prev).next = x
	} else {
		l.front = x
	}
	if next != nil {
		l.link(next).prev = x
	} else {
		l.back = x
	}
	l.n++
}

// PopFront removes and returns the first element, or returns nil.
func (l *List[T]) PopFront() *T {
	x := l.front
	if x != nil {
		l.Remove(x)
	}
	return x
}

// Remove takes x, which must be on l, off the list.
func (l *List[T]) Remove(x *T) {
	lx := l.link(x)
	if lx.prev != nil {
		l.link(lx.prev).next = lx.next
	} else {
		l.front = lx.next
	}
	if lx.next != nil {
		l.link(lx.next).prev = lx.prev
	} else {
		l.back = lx.prev
	}
	lx.prev, lx.next = nil, nil
	l.n--
}

// Expire calls fire, front first, for every element whose deadline (as
// told by deadline) is not after now, for a list kept in deadline order.
// fire must take the element off the front: remove it, or move it to the
// back with a later deadline; otherwise Expire would call it again.
func (l *List[T]) Expire(now Instant, deadline func(*T) Instant, fire func(*T)) {
	for x := l.front; x != nil && deadline(x) <= now; x = l.front {
		fire(x)
	}
}

// FrontDeadline returns the deadline of the first element (as told by
// deadline), or Never for an empty list: in a list kept in deadline order,
// the earliest.
func (l *List[T]) FrontDeadline(deadline func(*T) Instant) Instant {
	if l.front == nil {
		return Never
	}
	return deadline(l.front)
}
