package stack

import (
	"net/netip"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
)

// TCPListener accepts connections on one port. Its SYN queue and accept
// queue are tcp.Listener's fixed records: a handshake costs under 100
// bytes and no buffers until Accept. When the SYN queue is full it answers
// with SYN cookies (unless DisableCookies); when the accept queue is full
// it drops SYNs, and the peer tries again, as Linux does.
type TCPListener struct {
	s        *Stack
	port     uint16
	l        *tcp.Listener
	onAccept func()
	closed   bool
	refuse   bool // ListenConfig.RefuseWhenFull
	pooled   bool // accepted connections borrow from a tcp.BufferPool
}

// ListenConfig configures a listener.
type ListenConfig struct {
	// Conn is the configuration of accepted connections. Its buffers are
	// ignored: each connection gets its own at Accept (or the caller's,
	// through AcceptBuffers), or borrows them from Pool.
	Conn tcp.Config
	// Backlog bounds completed connections not yet accepted. Default 16.
	Backlog int
	// SYNBacklog bounds handshakes in progress. Default 128.
	SYNBacklog int
	// DisableCookies drops SYNs beyond SYNBacklog instead of answering
	// them with SYN cookies.
	DisableCookies bool
	// RxBufferSize and TxBufferSize are the buffers Accept allocates.
	// Default tcp.DefaultBufferSize.
	RxBufferSize, TxBufferSize int
	// Pool, if set, lends accepted connections their buffers only while
	// they hold data (see tcp.Config.Pool): Accept allocates no buffer,
	// an idle connection holds none, and the SYN-ACK's window and window
	// scale are those of a pool buffer; RxBufferSize and TxBufferSize are
	// then ignored. AcceptBuffers still uses the caller's buffers for the
	// sides it is given. It overrides Conn.Pool. The pool may be shared
	// with other listeners and with DialTCP on the same reactor.
	Pool *tcp.BufferPool
	// RefuseWhenFull answers a SYN that finds the accept queue full with a
	// reset, counted in Counters.TCPRefused, instead of dropping it for
	// the peer to try again: a client learns at once that the device is
	// at capacity. (A stack with Resources refuses SYNs that find every
	// connection record taken either way.)
	RefuseWhenFull bool
}

// ListenTCP opens a listener on port.
func (s *Stack) ListenTCP(port uint16, cfg ListenConfig) (*TCPListener, error) {
	if port == 0 {
		return nil, ErrBadConfig
	}
	if _, taken := s.tcp.listeners[port]; taken {
		return nil, ErrPortInUse
	}
	conn := s.tcpConfig(cfg.Conn)
	if cfg.Pool != nil {
		conn.Pool = cfg.Pool
	}
	if r := s.res; r != nil && r.sizes.TCPBufferSize > 0 && conn.Pool == nil && cfg.RxBufferSize <= 0 && cfg.TxBufferSize <= 0 {
		// Accept gives connections the records' rings: offer their window.
		cfg.RxBufferSize, cfg.TxBufferSize = r.sizes.TCPBufferSize, r.sizes.TCPBufferSize
	}
	tl := tcp.NewListener(tcp.ListenerConfig{
		Conn:           conn,
		SYNBacklog:     cfg.SYNBacklog,
		AcceptBacklog:  cfg.Backlog,
		DisableCookies: cfg.DisableCookies,
		RxBufferSize:   cfg.RxBufferSize,
		TxBufferSize:   cfg.TxBufferSize,
	}, s.tcp.isn, s.tcp.cookies)
	l := &TCPListener{s: s, port: port, l: tl, refuse: cfg.RefuseWhenFull, pooled: conn.Pool != nil}
	s.tcp.listeners[port] = l
	s.tcp.listenList = append(s.tcp.listenList, l)
	return l, nil
}

// Accept returns the oldest established connection not yet accepted, with
// buffers of the configured sizes, or none if the listener has a Pool.
func (l *TCPListener) Accept() (*tcp.Conn, bool) { return l.AcceptBuffers(nil, nil) }

// AcceptBuffers is Accept with the caller's receive and send rings (nil
// allocates the configured size, or borrows from the listener's Pool).
func (l *TCPListener) AcceptBuffers(rx, tx []byte) (*tcp.Conn, bool) {
	if l.closed {
		return nil, false
	}
	s := l.s
	if !l.l.Ready() {
		return nil, false
	}
	s.refreshNow()
	var sl *tcpSlot
	var c *tcp.Conn
	var ok bool
	if s.res != nil && s.res.sizes.TCPConns > 0 {
		if sl = s.res.takeTCP(); sl == nil {
			s.counters.TCPNoSlot++
			return nil, false
		}
		if sl.rx != nil && !l.pooled {
			if rx == nil {
				rx = sl.rx
			}
			if tx == nil {
				tx = sl.tx
			}
		}
		c, ok = l.l.AcceptInto(&sl.c, s.now, s.srcAddr(), l.port, rx, tx)
	} else {
		c, ok = l.l.Accept(s.now, s.srcAddr(), l.port, rx, tx)
	}
	if !ok {
		if sl != nil {
			s.res.putTCP(sl.idx)
		}
		return nil, false
	}
	_, remote := c.Tuple()
	s.tcpQueue(s.tcpAdd(c, makeTCPKey(l.port, remote), sl))
	s.wake()
	return c, true
}

// OnAccept registers fn to run when a connection is ready to Accept. It
// runs inside the stack's poll; accepting from it keeps the connection's
// first data from being dropped and sent again.
func (l *TCPListener) OnAccept(fn func()) { l.onAccept = fn }

// Stats returns the listener's counters: SYNs, cookies, queue overflows.
func (l *TCPListener) Stats() tcp.ListenerStats { return l.l.Stats() }

// Pending returns the handshakes in progress and the connections waiting
// for Accept.
func (l *TCPListener) Pending() (handshaking, ready int) { return l.l.Pending() }

// Close stops listening; connections not yet accepted are reset.
func (l *TCPListener) Close() {
	if l.closed {
		return
	}
	l.closed = true
	s := l.s
	delete(s.tcp.listeners, l.port)
	for i, x := range s.tcp.listenList {
		if x == l {
			s.tcp.listenList = append(s.tcp.listenList[:i], s.tcp.listenList[i+1:]...)
			break
		}
	}
	l.l.Close(func(remote netip.AddrPort, seg *tcp.Repr) {
		s.sendTCP(remote.Addr(), l.port, remote.Port(), seg)
	})
	s.wake()
}

// pollListeners sends the SYN-ACKs due again, within budget, and returns
// the earliest listener deadline.
func (s *Stack) pollListeners(budget *int) reactor.Instant {
	next := reactor.Never
	for _, l := range s.tcp.listenList {
		for *budget > 0 {
			remote, seg, ok := l.l.Resend(s.now)
			if !ok {
				break
			}
			s.sendTCP(remote.Addr(), l.port, remote.Port(), &seg)
			*budget--
		}
		next = reactor.Min(next, l.l.PollAt())
	}
	return next
}
