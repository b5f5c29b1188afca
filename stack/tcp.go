package stack

import (
	"net/netip"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/wire"
)

// tcpKey finds a connection: the local address is the stack's own, so the
// local port and the remote address and port are enough. It is packed (20
// bytes, no pointer) because ten thousand connections mean ten thousand
// keys in the table.
type tcpKey struct {
	remote     [16]byte
	remotePort uint16
	local      uint16
}

func makeTCPKey(local uint16, remote netip.AddrPort) tcpKey {
	return tcpKey{remote: remote.Addr().As16(), remotePort: remote.Port(), local: local}
}

// tcpEntry is the stack's record of one connection, and the connection's
// tcp.Notifier: a user call that gives the connection something to send
// puts it in the run queue and wakes the stack, without a lookup.
type tcpEntry struct {
	s       *Stack
	c       *tcp.Conn
	key     tcpKey
	heapIdx int32 // position in the timer heap, -1 if not in it
	queued  bool  // in the run queue
	gone    bool  // off the table, its record waiting for the owner's Release
	slot    int32 // 1 + index of its record in the stack's Resources; 0 if allocated
}

func (e *tcpEntry) Wake() {
	switch {
	case e.s == nil:
		// A record given back: a stale caller's call lands here harmlessly.
	case e.gone:
		e.s.tcpRecycle(e)
	default:
		e.s.tcpQueue(e)
		e.s.wake()
	}
}

// tcpTable holds the connections and listeners: lookup by 4-tuple and by
// port is a map access, and a poll visits only the connections the
// scheduler (tcp_sched.go) names.
type tcpTable struct {
	conns      map[tcpKey]*tcpEntry
	run        tcpRunQueue
	timers     tcpTimers
	listeners  map[uint16]*TCPListener
	listenList []*TCPListener // the same, in a fixed order for polling
	isn        tcp.ISNGenerator
	cookies    tcp.SYNCookies
}

// tcpTurn is how many segments one connection sends before the next one
// in the run queue has its turn, so a bulk transfer cannot starve the
// others.
const tcpTurn = 8

// init makes the tables, sized for n connections (Resources.TCPConns) so
// that they never grow; 0 leaves them to grow as connections come.
func (t *tcpTable) init(n int) {
	t.conns = make(map[tcpKey]*tcpEntry, n)
	if n > 0 {
		t.run.q = make([]*tcpEntry, n)
		t.timers = make(tcpTimers, 0, n)
	}
	t.listeners = make(map[uint16]*TCPListener)
	t.isn = tcp.NewISNGenerator()
	t.cookies = tcp.NewSYNCookies()
}

// DialTCP starts an active open to remote from a random ephemeral port. The
// connection's ConnectFuture completes when it is established or fails.
// With cfg.Pool set and cfg's buffers nil, the connection borrows its
// buffers from the pool only while they hold data (tcp.Config.Pool); the
// pool must belong to this stack's reactor goroutine.
func (s *Stack) DialTCP(remote netip.AddrPort, cfg tcp.Config) (*tcp.Conn, error) {
	if !s.addr.IsValid() {
		return nil, ErrNoAddress
	}
	s.refreshNow()
	if _, ok := s.route(remote.Addr()); !ok || !remote.Addr().Is4() || remote.Port() == 0 {
		return nil, ErrNoRoute
	}
	first, last := uint32(s.cfg.EphemeralFirst), uint32(s.cfg.EphemeralLast)
	span := last - first + 1
	start := s.rng.Uint32N(span)
	for i := uint32(0); i < span; i++ {
		port := uint16(first + (start+i)%span)
		key := makeTCPKey(port, remote)
		if _, taken := s.tcp.conns[key]; taken {
			continue
		}
		if _, taken := s.tcp.listeners[port]; taken {
			continue
		}
		var c *tcp.Conn
		var sl *tcpSlot
		if s.res != nil && s.res.sizes.TCPConns > 0 {
			if sl = s.res.takeTCP(); sl == nil {
				s.counters.TCPNoSlot++
				return nil, ErrNoTCPSlot
			}
			c = &sl.c
			c.Reinit(sl.connConfig(s.tcpConfig(cfg)))
		} else {
			c = tcp.NewConn(s.tcpConfig(cfg))
		}
		local := netip.AddrPortFrom(s.addr.Addr(), port)
		if err := c.Connect(s.now, local, remote, s.tcp.isn.ISN(s.now, local, remote)); err != nil {
			if sl != nil {
				s.res.putTCP(sl.idx)
			}
			return nil, err
		}
		s.tcpQueue(s.tcpAdd(c, key, sl))
		s.wake()
		return c, nil
	}
	return nil, ErrPortInUse
}

// tcpConfig fills in what only the stack knows: the MSS this link carries.
func (s *Stack) tcpConfig(cfg tcp.Config) tcp.Config {
	if cfg.MSS == 0 {
		cfg.MSS = uint16(s.mtu - wire.EthernetHeaderLen - wire.IPv4HeaderLen - wire.TCPHeaderLen)
	}
	return cfg
}

// tcpAdd files c under key; sl is its record in the Resources, or nil if
// it was allocated.
func (s *Stack) tcpAdd(c *tcp.Conn, key tcpKey, sl *tcpSlot) *tcpEntry {
	var e *tcpEntry
	if sl != nil {
		e = &sl.e
		*e = tcpEntry{s: s, c: c, key: key, heapIdx: -1, slot: sl.idx + 1}
	} else {
		e = &tcpEntry{s: s, c: c, key: key, heapIdx: -1}
	}
	c.SetNotifier(e)
	s.tcp.conns[key] = e
	return e
}

// tcpQueue puts e at the back of the run queue unless it is there.
func (s *Stack) tcpQueue(e *tcpEntry) {
	if !e.queued {
		e.queued = true
		s.tcp.run.pushBack(e)
	}
}

// tcpForget drops a closed connection from the table.
func (s *Stack) tcpForget(e *tcpEntry) {
	s.tcp.timers.remove(e)
	// A new connection may already hold the 4-tuple (see receiveTCP).
	if s.tcp.conns[e.key] == e {
		delete(s.tcp.conns, e.key)
	}
	if e.slot == 0 {
		e.c.SetNotifier(nil)
		return
	}
	// A record comes back once its owner has let go too: now, or when
	// Release wakes the entry (or the run queue lets go of it).
	e.gone = true
	s.tcpRecycle(e)
}

// tcpRecycle gives a record off the table back to the Resources once
// neither its owner nor the run queue holds it.
func (s *Stack) tcpRecycle(e *tcpEntry) {
	if e.gone && !e.queued && e.c.Released() {
		s.res.putTCP(e.slot - 1)
	}
}

func (s *Stack) receiveTCP(m *ipMeta, b []byte) {
	p, err := wire.NewTCPPacket(b)
	if err != nil {
		s.drop(wireDropReason(err))
		return
	}
	if s.offload&hal.OffloadRxL4 == 0 && !p.VerifyChecksum(m.src, m.dst) {
		s.drop(DropBadChecksum)
		return
	}
	if !m.unicast {
		s.drop(DropNotForUs) // TCP is unicast only (RFC 9293 3.9.1)
		return
	}
	var seg tcp.Repr
	if err := seg.Parse(p); err != nil {
		s.drop(DropBadLength)
		return
	}
	s.counters.RxTCP++
	remote := netip.AddrPortFrom(m.src, p.SrcPort())
	if e := s.tcp.conns[makeTCPKey(p.DstPort(), remote)]; e != nil {
		if e.c.State() != tcp.Closed || seg.Flags&(wire.TCPSyn|wire.TCPAck) != wire.TCPSyn {
			e.c.Input(s.now, &seg)
			s.tcpQueue(e)
			return
		}
		// A connection that closed in this very batch (a reset just
		// came in) is not yet off the table; a fresh SYN on its 4-tuple
		// is for the listener, not a reason to refuse.
		s.tcpForget(e)
	}
	if l := s.tcp.listeners[p.DstPort()]; l != nil {
		if seg.Flags&(wire.TCPSyn|wire.TCPAck|wire.TCPRst) == wire.TCPSyn && s.tcpFull() {
			s.drop(DropNoTCPSlot)
			s.refuseTCP(m.src, p, &seg)
			return
		}
		local := netip.AddrPortFrom(m.dst, p.DstPort())
		reply, send, ready := l.l.Input(s.now, local, remote, &seg)
		if send {
			s.sendTCP(m.src, p.DstPort(), p.SrcPort(), &reply)
		}
		if !send && !ready && seg.Flags&wire.TCPSyn != 0 {
			s.drop(DropListenOverflow)
			if l.refuse {
				s.refuseTCP(m.src, p, &seg)
			}
		}
		if ready && l.onAccept != nil {
			l.onAccept()
			// Accepted at once: the segment that completed the handshake
			// may carry the first data (a client that wrote during the
			// handshake sends it with the ACK); the connection takes it
			// now rather than the peer sending it again.
			if len(seg.Payload) > 0 || seg.Flags&wire.TCPFin != 0 {
				if e := s.tcp.conns[makeTCPKey(p.DstPort(), remote)]; e != nil {
					e.c.Input(s.now, &seg)
					s.tcpQueue(e)
				}
			}
		}
		return
	}
	s.drop(DropNoSocket)
	if reply, ok := tcp.ResetFor(&seg); ok {
		s.sendTCP(m.src, p.DstPort(), p.SrcPort(), &reply)
	}
}

// tcpFull reports whether a new connection would find no record: every
// one of the Resources is taken, or promised to a handshake completed and
// waiting for Accept.
func (s *Stack) tcpFull() bool {
	if s.res == nil || s.res.sizes.TCPConns == 0 {
		return false
	}
	free := len(s.res.free)
	for _, l := range s.tcp.listenList {
		_, ready := l.l.Pending()
		free -= ready
	}
	return free <= 0
}

// refuseTCP answers a SYN with a reset and counts it.
func (s *Stack) refuseTCP(src netip.Addr, p wire.TCPPacket, seg *tcp.Repr) {
	if reply, ok := tcp.ResetFor(seg); ok {
		s.counters.TCPRefused++
		s.sendTCP(src, p.DstPort(), p.SrcPort(), &reply)
	}
}

// sendTCP sends one segment that belongs to no connection: a reset, or a
// listener's SYN-ACK.
func (s *Stack) sendTCP(dst netip.Addr, srcPort, dstPort uint16, r *tcp.Repr) {
	nexthop, ok := s.route(dst)
	if !ok {
		return
	}
	f, _, ok := s.beginFrame(nexthop)
	if !ok {
		return
	}
	n := r.Emit(f.buf[wire.EthernetHeaderLen+wire.IPv4HeaderLen:s.mtu], srcPort, dstPort, s.srcAddr(), dst)
	if n == 0 {
		s.abandonFrame(f)
		return
	}
	s.finishTCPFrame(f, dst, n)
}

func (s *Stack) finishTCPFrame(f frameSlot, dst netip.Addr, n int) {
	s.ipID++
	ip := wire.IPv4Repr{Src: s.srcAddr(), Dst: dst, Protocol: wire.IPProtocolTCP, TTL: s.cfg.TTL, ID: s.ipID, DontFrag: true, PayloadLen: n}
	ip.Emit(f.buf[wire.EthernetHeaderLen:])
	s.endFrame(f, wire.IPv4HeaderLen+n)
	s.counters.TxIPv4++
	s.counters.TxTCP++
}

// pollTCP moves due timers into the run queue, then gives each queued
// connection a turn: its timers, then up to tcpTurn segments, while the
// budget lasts. A connection with more to send goes to the back of the
// queue; one the device had no room for stays at the front. It answers
// the earliest deadline and whether work remains now.
func (s *Stack) pollTCP(budget int) (next reactor.Instant, more bool) {
	next = s.pollListeners(&budget)
	t := &s.tcp
	for {
		e, ok := t.timers.popDue(s.now)
		if !ok {
			break
		}
		s.tcpQueue(e)
	}
	for budget > 0 && t.run.len() > 0 {
		e := t.run.popFront()
		e.queued = false
		if e.gone {
			s.tcpRecycle(e)
			continue
		}
		c := e.c
		c.Poll(s.now) // fires only timers that are due
		sent, full := s.tcpOutput(c, min(budget, tcpTurn))
		budget -= sent
		at := c.PollAt()
		switch {
		case full:
			e.queued = true
			t.run.pushFront(e)
			return reactor.Min(next, t.timers.top()), true
		case at <= s.now && sent > 0:
			s.tcpQueue(e)
		case c.State() == tcp.Closed && at == reactor.Never:
			s.tcpForget(e)
		default:
			t.timers.schedule(e, at)
		}
	}
	return reactor.Min(next, t.timers.top()), t.run.len() > 0
}

// tcpOutput sends up to limit of c's segments. It reports how many went
// out and whether the device ran out of room.
func (s *Stack) tcpOutput(c *tcp.Conn, limit int) (sent int, deviceFull bool) {
	local, remote := c.Tuple()
	nexthop, ok := s.route(remote.Addr())
	if !ok {
		return 0, false
	}
	for sent < limit {
		f, why, ok := s.beginFrame(nexthop)
		if !ok {
			return sent, why == DropDeviceBusy
		}
		n, ok := c.Output(s.now, f.buf[wire.EthernetHeaderLen+wire.IPv4HeaderLen:s.mtu], local.Addr(), remote.Addr())
		if !ok {
			s.abandonFrame(f)
			return sent, false
		}
		s.finishTCPFrame(f, remote.Addr(), n)
		sent++
	}
	return sent, false
}
