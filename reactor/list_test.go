package reactor

import (
	"slices"
	"testing"
)

// item is a list element on two lists at once, as the servers' records are.
type item struct {
	id       int
	at       Instant
	link     Link[item]
	other    Link[item]
	on       bool
	onOther  bool
	expiries int
}

func itemLink(x *item) *Link[item]  { return &x.link }
func otherLink(x *item) *Link[item] { return &x.other }
func itemAt(x *item) Instant        { return x.at }

// ids walks l both ways and fails unless the two walks agree with Len.
func ids(t *testing.T, l *List[item]) []int {
	t.Helper()
	var fwd []int
	for x := l.Front(); x != nil; x = l.Next(x) {
		fwd = append(fwd, x.id)
		if len(fwd) > l.Len() {
			t.Fatalf("list longer than Len %d (a cycle?)", l.Len())
		}
	}
	var back []int
	for x := l.Back(); x != nil; x = l.link(x).prev {
		back = append(back, x.id)
		if len(back) > l.Len() {
			t.Fatalf("list longer than Len %d backwards", l.Len())
		}
	}
	slices.Reverse(back)
	if len(fwd) != l.Len() || !slices.Equal(fwd, back) {
		t.Fatalf("forward %v, backward %v, Len %d", fwd, back, l.Len())
	}
	return fwd
}

func TestListRemoveMiddleAndReinsert(t *testing.T) {
	l := NewList(itemLink)
	var xs [5]item
	for i := range xs {
		xs[i].id = i
		l.PushBack(&xs[i])
	}
	if got := ids(t, &l); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
		t.Fatalf("after pushes: %v", got)
	}
	l.Remove(&xs[2])
	if xs[2].link != (Link[item]{}) {
		t.Fatalf("removed element keeps its links: %+v", xs[2].link)
	}
	if got := ids(t, &l); !slices.Equal(got, []int{0, 1, 3, 4}) {
		t.Fatalf("after removing the middle: %v", got)
	}
	l.Remove(&xs[0])
	l.Remove(&xs[4])
	if got := ids(t, &l); !slices.Equal(got, []int{1, 3}) {
		t.Fatalf("after removing both ends: %v", got)
	}
	l.PushBack(&xs[2])
	l.PushFront(&xs[4])
	l.PushBack(&xs[0])
	if got := ids(t, &l); !slices.Equal(got, []int{4, 1, 3, 2, 0}) {
		t.Fatalf("after re-inserting: %v", got)
	}
	var popped []int
	for x := l.PopFront(); x != nil; x = l.PopFront() {
		popped = append(popped, x.id)
	}
	if !slices.Equal(popped, []int{4, 1, 3, 2, 0}) || l.Len() != 0 || l.Front() != nil || l.Back() != nil {
		t.Fatalf("popped %v, Len %d, front %v, back %v", popped, l.Len(), l.Front(), l.Back())
	}
}

func TestListTwoLinks(t *testing.T) {
	a, b := NewList(itemLink), NewList(otherLink)
	var xs [3]item
	for i := range xs {
		xs[i].id = i
		a.PushBack(&xs[i])
		b.PushFront(&xs[i])
	}
	a.Remove(&xs[1])
	if got := ids(t, &a); !slices.Equal(got, []int{0, 2}) {
		t.Fatalf("list a: %v", got)
	}
	if got := ids(t, &b); !slices.Equal(got, []int{2, 1, 0}) {
		t.Fatalf("list b, untouched by a's Remove: %v", got)
	}
}

// TestListExpire checks expiry in deadline order, stopping at the first
// element not yet due, with fire moving some elements to the back (as a
// keep-alive timer does) and removing others.
func TestListExpire(t *testing.T) {
	l := NewList(itemLink)
	var xs [6]item
	for i := range xs {
		xs[i] = item{id: i, at: Instant(10 * (i + 1))}
		l.PushBack(&xs[i])
	}
	if d := l.FrontDeadline(itemAt); d != 10 {
		t.Fatalf("FrontDeadline = %d, want 10", d)
	}
	var fired []int
	l.Expire(30, itemAt, func(x *item) {
		fired = append(fired, x.id)
		l.Remove(x)
		if x.id == 1 { // re-armed for later
			x.at = 100
			l.PushBack(x)
		}
	})
	if !slices.Equal(fired, []int{0, 1, 2}) {
		t.Fatalf("fired %v, want [0 1 2]", fired)
	}
	if got := ids(t, &l); !slices.Equal(got, []int{3, 4, 5, 1}) {
		t.Fatalf("left %v", got)
	}
	if d := l.FrontDeadline(itemAt); d != 40 {
		t.Fatalf("FrontDeadline = %d, want 40", d)
	}
	fired = fired[:0]
	l.Expire(39, itemAt, func(x *item) { fired = append(fired, x.id); l.Remove(x) })
	if len(fired) != 0 {
		t.Fatalf("fired %v before anything was due", fired)
	}
	l.Expire(Never, itemAt, func(x *item) { fired = append(fired, x.id); l.Remove(x) })
	if !slices.Equal(fired, []int{3, 4, 5, 1}) || l.Len() != 0 {
		t.Fatalf("fired %v, Len %d", fired, l.Len())
	}
	if d := l.FrontDeadline(itemAt); d != Never {
		t.Fatalf("empty FrontDeadline = %d, want Never", d)
	}
}

func TestListAllocs(t *testing.T) {
	l := NewList(itemLink)
	var xs [4]item
	n := testing.AllocsPerRun(100, func() {
		for i := range xs {
			l.PushBack(&xs[i])
		}
		l.Remove(&xs[2])
		l.PushFront(&xs[2])
		l.Expire(Never, itemAt, func(x *item) { l.Remove(x) })
	})
	if n != 0 {
		t.Fatalf("%v allocations per run, want 0", n)
	}
}

// FuzzList runs operations from the input on a List and on a slice model
// of it, and checks after each that the two agree.
func FuzzList(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{0x10, 0x21, 0x32, 0x03, 0x14, 0x25, 0x36, 0x40, 0x51})
	f.Add([]byte{0, 0, 0, 0x41, 0x42, 0x43, 0x07, 0x17, 0x27})
	f.Fuzz(func(t *testing.T, ops []byte) {
		const n = 8
		var xs [n]item
		l := NewList(itemLink)
		var model []int // ids in list order
		now := Instant(0)
		for i := range xs {
			xs[i].id = i
		}
		for _, op := range ops {
			x := &xs[int(op&0x0f)%n]
			switch (op >> 4) % 5 {
			case 0: // push back, with a deadline not before the back's
				if x.on {
					continue
				}
				now++
				x.at, x.on = now, true
				l.PushBack(x)
				model = append(model, x.id)
			case 1: // push front, with a deadline not after the front's
				if x.on {
					continue
				}
				x.at = 0
				if f := l.Front(); f != nil {
					x.at = f.at
				}
				x.on = true
				l.PushFront(x)
				model = slices.Insert(model, 0, x.id)
			case 2: // remove from anywhere
				if !x.on {
					continue
				}
				l.Remove(x)
				x.on = false
				model = slices.DeleteFunc(model, func(id int) bool { return id == x.id })
			case 3: // pop front
				p := l.PopFront()
				if len(model) == 0 {
					if p != nil {
						t.Fatalf("PopFront of an empty list gave %d", p.id)
					}
					continue
				}
				if p == nil || p.id != model[0] {
					t.Fatalf("PopFront gave %v, want %d", p, model[0])
				}
				p.on = false
				model = model[1:]
			case 4: // expire up to a point
				limit := Instant(op&0x0f) + now/2
				var want []int
				for _, id := range model {
					if xs[id].at > limit {
						break
					}
					want = append(want, id)
				}
				var got []int
				l.Expire(limit, itemAt, func(e *item) {
					got = append(got, e.id)
					l.Remove(e)
					e.on = false
				})
				if !slices.Equal(got, want) {
					t.Fatalf("Expire(%d) fired %v, want %v", limit, got, want)
				}
				model = model[len(want):]
			}
			if got := ids(t, &l); !slices.Equal(got, model) && (len(got) != 0 || len(model) != 0) {
				t.Fatalf("list %v, model %v", got, model)
			}
		}
	})
}

// BenchmarkList times a timer's life on a list of 64: join at the back,
// leave from the middle, join again, expire from the front.
func BenchmarkList(b *testing.B) {
	l := NewList(itemLink)
	var xs [64]item
	for i := range xs {
		xs[i].at = Instant(i)
		l.PushBack(&xs[i])
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		x := &xs[i%len(xs)]
		l.Remove(x)
		l.PushBack(x)
		f := l.Front()
		l.Expire(f.at, itemAt, func(e *item) { l.Remove(e) })
		l.PushBack(f)
	}
}
