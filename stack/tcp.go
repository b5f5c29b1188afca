package stack

import (
	"net/netip"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/wire"
)

// tcpKey finds a connection: the local address is the stack's own, so the
// local port and the remote address and port are enough.
type tcpKey struct {
	local  uint16
	remote netip.AddrPort
}

// tcpEntry is the stack's record of one connection.
type tcpEntry struct {
	c        *tcp.Conn
	key      tcpKey
	listener *TCPListener // until accepted
}

// tcpTable holds the connections and listeners. Lookup by 4-tuple and by
// port is a map access; every poll walks the connections for their timers
// and output (a timer wheel replaces the walk when thousands of idle
// connections make it matter).
type tcpTable struct {
	conns     map[tcpKey]*tcpEntry
	list      []*tcpEntry
	listeners map[uint16]*TCPListener
	isn       tcp.ISNGenerator
}

func (t *tcpTable) init() {
	t.conns = make(map[tcpKey]*tcpEntry)
	t.listeners = make(map[uint16]*TCPListener)
	t.isn = tcp.NewISNGenerator()
}

// TCPListener accepts connections on one port. Connections still in the
// handshake and established ones not yet accepted count against Backlog;
// a SYN beyond it is dropped (the peer retries), as Linux does without
// SYN cookies.
type TCPListener struct {
	s        *Stack
	port     uint16
	cfg      tcp.Config
	backlog  int
	inflight int
	ready    []*tcp.Conn
	onAccept func()
	closed   bool
}

// ListenConfig configures a listener.
type ListenConfig struct {
	// Conn is the configuration of accepted connections. Its buffers, if
	// set, would be shared: leave them nil and each connection gets its own.
	Conn tcp.Config
	// Backlog bounds connections in the handshake plus those not yet
	// accepted. Default 16.
	Backlog int
}

// ListenTCP opens a listener on port.
func (s *Stack) ListenTCP(port uint16, cfg ListenConfig) (*TCPListener, error) {
	if port == 0 {
		return nil, ErrBadConfig
	}
	if _, taken := s.tcp.listeners[port]; taken {
		return nil, ErrPortInUse
	}
	if cfg.Backlog <= 0 {
		cfg.Backlog = 16
	}
	cfg.Conn.RxBuffer, cfg.Conn.TxBuffer = nil, nil
	l := &TCPListener{s: s, port: port, cfg: s.tcpConfig(cfg.Conn), backlog: cfg.Backlog}
	s.tcp.listeners[port] = l
	return l, nil
}

// Accept returns the oldest established connection not yet accepted.
func (l *TCPListener) Accept() (*tcp.Conn, bool) {
	if len(l.ready) == 0 {
		return nil, false
	}
	c := l.ready[0]
	copy(l.ready, l.ready[1:])
	l.ready[len(l.ready)-1] = nil
	l.ready = l.ready[:len(l.ready)-1]
	l.inflight--
	return c, true
}

// OnAccept registers fn to run when a connection is ready to Accept.
func (l *TCPListener) OnAccept(fn func()) { l.onAccept = fn }

// Close stops listening; connections not yet accepted are reset.
func (l *TCPListener) Close() {
	if l.closed {
		return
	}
	l.closed = true
	delete(l.s.tcp.listeners, l.port)
	for _, c := range l.ready {
		c.Abort()
	}
	l.ready = nil
	for _, e := range l.s.tcp.list {
		if e.listener == l {
			e.c.Abort()
			e.listener = nil
		}
	}
	l.s.wake()
}

// DialTCP starts an active open to remote from a random ephemeral port. The
// connection's ConnectFuture completes when it is established or fails.
func (s *Stack) DialTCP(remote netip.AddrPort, cfg tcp.Config) (*tcp.Conn, error) {
	if !s.addr.IsValid() {
		return nil, ErrNoAddress
	}
	if _, ok := s.route(remote.Addr()); !ok || !remote.Addr().Is4() || remote.Port() == 0 {
		return nil, ErrNoRoute
	}
	first, last := uint32(s.cfg.EphemeralFirst), uint32(s.cfg.EphemeralLast)
	span := last - first + 1
	start := s.rng.Uint32N(span)
	for i := uint32(0); i < span; i++ {
		port := uint16(first + (start+i)%span)
		key := tcpKey{local: port, remote: remote}
		if _, taken := s.tcp.conns[key]; taken {
			continue
		}
		if _, taken := s.tcp.listeners[port]; taken {
			continue
		}
		c := tcp.NewConn(s.tcpConfig(cfg))
		local := netip.AddrPortFrom(s.addr.Addr(), port)
		if err := c.Connect(s.now, local, remote, s.tcp.isn.ISN(s.now, local, remote)); err != nil {
			return nil, err
		}
		c.SetNotifier(s.waker)
		s.tcpAdd(&tcpEntry{c: c, key: key})
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

func (s *Stack) tcpAdd(e *tcpEntry) {
	s.tcp.conns[e.key] = e
	s.tcp.list = append(s.tcp.list, e)
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
	key := tcpKey{local: p.DstPort(), remote: netip.AddrPortFrom(m.src, p.SrcPort())}
	if e := s.tcp.conns[key]; e != nil {
		e.c.Input(s.now, &seg)
		s.tcpAfterInput(e)
		return
	}
	if l := s.tcp.listeners[p.DstPort()]; l != nil && seg.Flags&(wire.TCPSyn|wire.TCPAck|wire.TCPRst) == wire.TCPSyn {
		if l.inflight >= l.backlog {
			s.drop(DropListenOverflow)
			return
		}
		c := tcp.NewConn(l.cfg)
		local := netip.AddrPortFrom(m.dst, p.DstPort())
		if err := c.AcceptSYN(s.now, local, key.remote, &seg, s.tcp.isn.ISN(s.now, local, key.remote)); err != nil {
			s.drop(DropBadLength)
			return
		}
		l.inflight++
		c.SetNotifier(s.waker)
		s.tcpAdd(&tcpEntry{c: c, key: key, listener: l})
		return
	}
	s.drop(DropNoSocket)
	if reply, ok := tcp.ResetFor(&seg); ok {
		s.sendTCPReset(m.src, p.DstPort(), p.SrcPort(), &reply)
	}
}

// tcpAfterInput hands a connection that finished its handshake to its
// listener.
func (s *Stack) tcpAfterInput(e *tcpEntry) {
	l := e.listener
	if l == nil {
		return
	}
	switch e.c.State() {
	case tcp.SynReceived:
		return
	case tcp.Closed:
		l.inflight--
	default:
		l.ready = append(l.ready, e.c)
		if l.onAccept != nil {
			l.onAccept()
		}
	}
	e.listener = nil
}

func (s *Stack) sendTCPReset(dst netip.Addr, srcPort, dstPort uint16, r *tcp.Repr) {
	nexthop, ok := s.route(dst)
	if !ok {
		return
	}
	f, _, ok := s.beginFrame(nexthop)
	if !ok {
		return
	}
	n := r.Emit(f.buf[wire.EthernetHeaderLen+wire.IPv4HeaderLen:], srcPort, dstPort, s.srcAddr(), dst)
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

// pollTCP fires due timers and sends what the connections have, at most
// budget segments, one connection after another in turn, and forgets the
// connections that reached CLOSED; it answers the earliest timer and whether
// output remains. A connection with nothing due costs one PollAt: no route
// lookup and no frame lease.
func (s *Stack) pollTCP(budget int) (next reactor.Instant, more bool) {
	next = reactor.Never
	list := s.tcp.list
	n := len(list)
	if n == 0 {
		return next, false
	}
	start := s.tcpNext % n
	for i := 0; i < n; i++ {
		e := list[(start+i)%n]
		c := e.c
		if at := c.PollAt(); at > s.now {
			next = reactor.Min(next, at)
			continue
		}
		c.Poll(s.now)
		s.tcpAfterInput(e)
		if s.tcpOutput(c, &budget) {
			s.tcpNext = (start + i) % n
			return reactor.Min(next, c.PollAt()), true
		}
		next = reactor.Min(next, c.PollAt())
	}
	s.tcpNext = (start + 1) % n
	s.reapTCP()
	return next, budget == 0
}

// tcpOutput sends c's segments while it has some and the budget lasts. It
// reports true when the device ran out of room, so the round stops there
// and resumes with c when the device wakes the stack.
func (s *Stack) tcpOutput(c *tcp.Conn, budget *int) (deviceFull bool) {
	local, remote := c.Tuple()
	nexthop, ok := s.route(remote.Addr())
	if !ok {
		return false
	}
	for *budget > 0 {
		f, why, ok := s.beginFrame(nexthop)
		if !ok {
			return why == DropDeviceBusy
		}
		n, ok := c.Output(s.now, f.buf[wire.EthernetHeaderLen+wire.IPv4HeaderLen:s.mtu], local.Addr(), remote.Addr())
		if !ok {
			s.abandonFrame(f)
			return false
		}
		s.finishTCPFrame(f, remote.Addr(), n)
		*budget--
	}
	return false
}

// reapTCP forgets connections that reached CLOSED.
func (s *Stack) reapTCP() {
	list := s.tcp.list[:0]
	for _, e := range s.tcp.list {
		if e.c.State() == tcp.Closed {
			if e.listener != nil {
				e.listener.inflight--
			}
			delete(s.tcp.conns, e.key)
			continue
		}
		list = append(list, e)
	}
	clear(s.tcp.list[len(list):])
	s.tcp.list = list
}
