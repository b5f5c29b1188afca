package footprint

import (
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

// echoPeer is the peer's echo service: a listener whose connections take
// their buffers from a fixed set of slots and send back what they read.
type echoPeer struct {
	l        *stack.TCPListener
	slots    []echoSlot
	free     []int
	accepted uint64
}

type echoSlot struct {
	e               *echoPeer
	i               int
	c               *tcp.Conn
	rx, tx          []byte
	readFn, closeFn func()
	closedFn        func(error)
}

func newEchoPeer(s *stack.Stack, p Params) (*echoPeer, error) {
	e := &echoPeer{slots: make([]echoSlot, 2*p.Conns)}
	for i := range e.slots {
		sl := &e.slots[i]
		sl.e, sl.i = e, i
		sl.rx = make([]byte, p.BufferSize)
		sl.tx = make([]byte, p.BufferSize)
		sl.readFn, sl.closeFn, sl.closedFn = sl.readable, sl.peerClosed, sl.closed
		e.free = append(e.free, i)
	}
	l, err := s.ListenTCP(echoPort, stack.ListenConfig{Conn: tcp.Config{TimeWait: -1}})
	if err != nil {
		return nil, err
	}
	e.l = l
	l.OnAccept(e.accept)
	return e, nil
}

func (e *echoPeer) accept() {
	for len(e.free) > 0 {
		i := e.free[len(e.free)-1]
		sl := &e.slots[i]
		c, ok := e.l.AcceptBuffers(sl.rx, sl.tx)
		if !ok {
			return
		}
		e.free = e.free[:len(e.free)-1]
		e.accepted++
		sl.c = c
		c.OnReadable(sl.readFn)
		c.OnPeerClosed(sl.closeFn)
		c.OnClosed(sl.closedFn)
	}
}

func (sl *echoSlot) readable() {
	for {
		first, second, err := sl.c.WriteLease()
		if err != nil {
			return
		}
		n, _ := sl.c.Read(first)
		m := 0
		if n == len(first) && len(second) > 0 {
			m, _ = sl.c.Read(second)
		}
		sl.c.CommitWrite(n + m)
		if n+m == 0 {
			return
		}
	}
}

func (sl *echoSlot) peerClosed() { sl.c.Close() }

func (sl *echoSlot) closed(error) {
	sl.c.Release()
	sl.c = nil
	sl.e.free = append(sl.e.free, sl.i)
	sl.e.accept()
}
