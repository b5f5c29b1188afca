package footprint

import (
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/udp"
)

// app is the device's application: it looks names up in turn and keeps
// its TCP clients busy. Everything it needs is made in newApp, and its
// callbacks are method values bound once, so that its own steady state
// allocates nothing and every allocation counted is the stack's.
type app struct {
	sc    *Scenario
	p     Params
	names []string
	slots []client

	nameIdx    int
	lookup     *reactor.Future[dns.Result]
	nextLookup reactor.Instant

	exchanges, dials, connFailures uint64
	lookups, lookupFailures        uint64
	bytes                          uint64
}

type clientState uint8

const (
	idle clientState = iota
	connecting
	ready
	waiting // a request is out, the response not all in
)

// client is one TCP connection slot of the device: its buffers live as
// long as the slot, and every connection it dials uses them.
type client struct {
	a        *app
	c        *tcp.Conn
	draining *tcp.Conn // the previous connection, until its buffers are free
	rx, tx   []byte
	n        int    // response bytes checked
	seq      uint32 // the request's pattern: byte i is seq+i
	st       clientState
	count    int
	at       reactor.Instant
	readFn   func()
}

func newApp(sc *Scenario, p Params) *app {
	a := &app{sc: sc, p: p, names: make([]string, p.Names), slots: make([]client, p.Conns)}
	for i := range a.names {
		a.names[i] = "host" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".legation.test"
	}
	for i := range a.slots {
		cl := &a.slots[i]
		cl.a = a
		cl.rx = make([]byte, p.BufferSize)
		cl.tx = make([]byte, p.BufferSize)
		cl.readFn = cl.readable
	}
	return a
}

var peerEcho = netip.AddrPortFrom(peerPrefix.Addr(), echoPort)

// Poll drives the lookups and the clients; it runs every 250 ms.
func (a *app) Poll(now reactor.Instant) reactor.Instant {
	next := now.Add(250 * time.Millisecond)
	if !a.sc.Dev.Addr().IsValid() {
		return next
	}
	a.pollDNS(now)
	for i := range a.slots {
		a.slots[i].poll(now)
	}
	return next
}

func (a *app) pollDNS(now reactor.Instant) {
	if a.lookup != nil {
		if !a.lookup.Done() {
			return
		}
		if res, err := a.lookup.Result(); err != nil || res.N != 1 {
			a.lookupFailures++
		}
		a.lookup = nil
		a.nextLookup = now.Add(a.p.LookupGap)
	}
	if now < a.nextLookup {
		return
	}
	a.lookups++
	a.lookup = a.sc.Resolver.LookupA(a.names[a.nameIdx])
	a.nameIdx = (a.nameIdx + 1) % len(a.names)
}

func (cl *client) poll(now reactor.Instant) {
	a := cl.a
	if cl.c != nil && cl.c.State() == tcp.Closed {
		// Reset, timed out or refused: start again.
		a.connFailures++
		cl.drop(now)
	}
	switch cl.st {
	case idle:
		if now < cl.at {
			return
		}
		if d := cl.draining; d != nil {
			if d.SendQueued() != 0 && d.State() != tcp.Closed {
				return // the buffers still hold unacknowledged bytes
			}
			cl.draining = nil
		}
		c, err := a.sc.Dev.DialTCP(peerEcho, tcpConfig(cl.rx, cl.tx))
		if err != nil {
			a.connFailures++
			cl.at = now.Add(time.Second)
			return
		}
		a.dials++
		cl.c = c
		c.OnReadable(cl.readFn)
		cl.st = connecting
	case connecting:
		if cl.c.State() == tcp.Established {
			cl.st, cl.at = ready, now
		}
	case ready:
		if now < cl.at {
			return
		}
		// The request is written in place, into the send ring, and the
		// response checked in place, in the receive ring: the
		// application keeps no buffer of its own.
		cl.seq++
		first, second, err := cl.c.WriteLease()
		if err != nil || len(first)+len(second) < a.p.Request {
			a.connFailures++
			cl.drop(now)
			return
		}
		k := min(len(first), a.p.Request)
		pattern(first[:k], cl.seq)
		pattern(second[:a.p.Request-k], cl.seq+uint32(k))
		cl.c.CommitWrite(a.p.Request)
		cl.n = 0
		cl.st = waiting
	}
}

func (cl *client) readable() {
	a := cl.a
	for cl.st == waiting {
		b, err := cl.c.ReadLease()
		if err != nil || len(b) == 0 {
			return
		}
		b = b[:min(len(b), a.p.Request-cl.n)]
		for i, x := range b {
			if x != byte(cl.seq)+byte(cl.n+i) {
				a.connFailures++
				cl.drop(a.sc.Dev.Now())
				return
			}
		}
		cl.c.Consume(len(b))
		cl.n += len(b)
		if cl.n < a.p.Request {
			continue
		}
		a.exchanges++
		a.bytes += uint64(cl.n)
		cl.count++
		now := a.sc.Dev.Now()
		cl.st, cl.at = ready, now.Add(a.p.Interval)
		if cl.count%a.p.Exchanges == 0 {
			cl.c.Close()
			cl.drop(now.Add(a.p.Interval))
		}
	}
}

// pattern fills b with the request whose first byte is seq.
func pattern(b []byte, seq uint32) {
	for i := range b {
		b[i] = byte(seq) + byte(i)
	}
}

// drop lets go of the connection and dials again at or after at.
func (cl *client) drop(at reactor.Instant) {
	cl.c.Release()
	cl.draining, cl.c = cl.c, nil
	cl.st, cl.at = idle, at
}

func smallUDP() udp.Config { return udp.Config{} }
