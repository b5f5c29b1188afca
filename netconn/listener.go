package netconn

import (
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

// Listener is a TCP listener of the stack as a net.Listener.
type Listener struct {
	r    *reactor.Reactor
	addr *net.TCPAddr

	amu  sync.Mutex // one Accept in flight at a time
	acc  op
	conn *Conn // the accepted connection, handed over with acc
	dl   deadline

	closer

	// Reactor goroutine only.
	tl   *stack.TCPListener
	gone bool
	// ready holds connections taken from the stack's listener as soon as
	// their handshake completes, oldest first, until an Accept asks for
	// them: the stack keeps no data for a connection nobody has accepted
	// (tcp.Listener), so a client's first bytes sent before the server's
	// goroutine is back in Accept would wait for a retransmission (200 ms
	// and more). Bounded by backlog, as Linux bounds its accept queue.
	ready   []*Conn
	backlog int

	startAccept, cancelAccept func()
}

var _ net.Listener = (*Listener)(nil)

// defaultBacklog is the stack's default accept backlog (stack.ListenConfig).
const defaultBacklog = 16

// Listen listens on network "tcp" or "tcp4" at address ":port",
// "0.0.0.0:port" or the stack's own "ip:port". Port 0 picks a free port
// from the ephemeral range. Addr reports the stack's address when the
// listener takes every local address.
func (n *Net) Listen(network, address string) (net.Listener, error) {
	if network != "tcp" && network != "tcp4" {
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	local, err := n.localAddr(address)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	l := &Listener{r: n.r, closer: newCloser(), backlog: n.cfg.Backlog}
	if l.backlog <= 0 {
		l.backlog = defaultBacklog
	}
	l.acc.init()
	l.dl.init()
	l.startAccept = l.beginAccept
	l.cancelAccept = l.acc.cancel
	cfg := stack.ListenConfig{Conn: n.tcpConfig(), Backlog: n.cfg.Backlog}
	var lerr error
	n.do(func() {
		if a := local.Addr(); !a.IsUnspecified() && a != n.s.Addr().Addr() {
			lerr = syscall.EADDRNOTAVAIL
			return
		}
		l.tl, local, lerr = n.listenTCP(local, cfg)
		if lerr == nil {
			l.addr = net.TCPAddrFromAddrPort(n.shownAddr(local))
			l.tl.OnAccept(l.takeReady)
		}
	})
	if lerr != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: net.TCPAddrFromAddrPort(local), Err: sysErr(lerr)}
	}
	return l, nil
}

// listenTCP opens the stack's listener; port 0 takes a free ephemeral one.
// Reactor goroutine only.
func (n *Net) listenTCP(local netip.AddrPort, cfg stack.ListenConfig) (*stack.TCPListener, netip.AddrPort, error) {
	if local.Port() != 0 {
		tl, err := n.s.ListenTCP(local.Port(), cfg)
		return tl, local, err
	}
	const first, span = 49152, 65536 - 49152
	start := rand.IntN(span)
	for i := 0; i < span; i++ {
		port := uint16(first + (start+i)%span)
		tl, err := n.s.ListenTCP(port, cfg)
		if err == stack.ErrPortInUse {
			continue
		}
		return tl, netip.AddrPortFrom(local.Addr(), port), err
	}
	return nil, local, stack.ErrPortInUse
}

// Accept waits for the next connection. See AcceptTCP.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.AcceptTCP()
	if err != nil {
		return nil, err
	}
	return c, nil
}

// AcceptTCP waits for the next connection, until the listener is closed
// (net.ErrClosed) or its deadline passes.
func (l *Listener) AcceptTCP() (*Conn, error) {
	l.amu.Lock()
	defer l.amu.Unlock()
	if l.closed.Load() {
		return nil, l.opError(net.ErrClosed)
	}
	if l.dl.expired() {
		return nil, l.opError(errTimeout)
	}
	l.acc.run(l.r, l.startAccept, l.cancelAccept, &l.dl, l.closing)
	c := l.conn
	l.conn = nil
	if c == nil {
		return nil, l.opError(l.acc.err)
	}
	return c, nil
}

// Close stops listening and returns once the port is free; a waiting
// Accept returns net.ErrClosed, and connections not yet accepted are
// reset.
func (l *Listener) Close() error {
	if !l.shut(l.r, l.closeReactor, true) {
		return l.opError(net.ErrClosed)
	}
	return nil
}

// Addr returns the listener's address, a *net.TCPAddr.
func (l *Listener) Addr() net.Addr { return l.addr }

// SetDeadline sets the deadline for Accept, a waiting one included; the
// zero time clears it.
func (l *Listener) SetDeadline(t time.Time) error {
	if l.closed.Load() {
		return l.opError(net.ErrClosed)
	}
	l.dl.set(t)
	return nil
}

func (l *Listener) opError(err error) error {
	return &net.OpError{Op: "accept", Net: "tcp", Addr: l.addr, Err: sysErr(err)}
}

func (l *Listener) beginAccept() {
	if l.gone {
		l.acc.fail(net.ErrClosed)
		return
	}
	l.acc.pending = true
	l.pumpAccept()
}

// takeReady moves the connections whose handshake completed from the
// stack's listener into ready, so that they receive from their first
// segment on, then serves a waiting Accept.
func (l *Listener) takeReady() {
	l.fill()
	l.pumpAccept()
}

func (l *Listener) fill() {
	for len(l.ready) < l.backlog {
		tc, ok := l.tl.Accept()
		if !ok {
			return
		}
		l.ready = append(l.ready, newConn(l.r, tc))
	}
}

// pumpAccept hands a waiting Accept the oldest established connection.
func (l *Listener) pumpAccept() {
	if !l.acc.pending {
		return
	}
	l.fill() // room freed by the last Accept: take from the stack
	if len(l.ready) == 0 {
		return
	}
	l.conn = l.ready[0]
	copy(l.ready, l.ready[1:])
	l.ready[len(l.ready)-1] = nil
	l.ready = l.ready[:len(l.ready)-1]
	l.acc.finish()
}

func (l *Listener) closeReactor() {
	l.gone = true
	if l.acc.pending {
		l.acc.fail(net.ErrClosed)
	}
	l.tl.OnAccept(nil)
	l.tl.Close()
	// Connections nobody accepted are reset, as the stack's own queue is.
	for i, c := range l.ready {
		c.tc.Abort()
		c.closeReactor()
		l.ready[i] = nil
	}
	l.ready = l.ready[:0]
}
