package udp

import (
	"net/netip"

	"github.com/seed947b3480/legation/reactor"
)

// Host is what a socket needs from the stack that carries it. The stack
// implements it; the methods are not for applications.
type Host interface {
	// BindUDP claims local port port (0: a random ephemeral port) for s and
	// returns the port claimed.
	BindUDP(s *Socket, port uint16) (uint16, error)
	// UnbindUDP releases s's port and forgets s: it takes s off its list of
	// sockets with datagrams to send and its list of sockets with a
	// deadline. Rebind relies on that to bind s again.
	UnbindUDP(s *Socket)
	// UDPSendReady tells the stack that s has datagrams queued to send.
	UDPSendReady(s *Socket)
	// UDPMaxPayload reports the largest datagram payload the stack sends.
	UDPMaxPayload() int
	// UDPTimerChanged tells the stack that s.PollAt changed.
	UDPTimerChanged(s *Socket)
}

// Config sizes a socket's buffers. Buffers left nil are allocated by
// NewSocket with the default sizes; pass your own to own the memory.
type Config struct {
	RxBuffer []byte // received datagram bytes; default 4 KiB
	RxSlots  int    // received datagrams; default 16
	TxBuffer []byte // datagram bytes waiting to be sent; default 4 KiB
	TxSlots  int    // datagrams waiting to be sent; default 16
}

const (
	defaultBuffer = 4096
	defaultSlots  = 16
)

// RecvResult is the outcome of a receive future: the datagram's length, as
// copied into the caller's buffer, and its source.
type RecvResult struct {
	N    int
	From netip.AddrPort
	// Truncated reports that the datagram was longer than the buffer.
	Truncated bool
}

// Stats counts a socket's traffic.
type Stats struct {
	RxDatagrams, RxBytes uint64
	RxDropped            uint64 // arrived while the receive ring was full
	TxDatagrams, TxBytes uint64
}

// Socket is a UDP endpoint. All methods run on the reactor goroutine.
type Socket struct {
	host   Host
	local  netip.AddrPort // address may be unspecified: any local address
	remote netip.AddrPort // valid once connected
	bound  bool
	closed bool

	rx, tx *PacketRing

	onReadable func()
	onWritable func()
	txBlocked  bool // a send found the ring full; fire onWritable when room frees

	recv         reactor.Future[RecvResult]
	recvBuf      []byte
	recvPending  bool
	recvDeadline reactor.Instant

	// SendQueued and TimerQueued are the stack's bookkeeping: the socket is
	// on its send list, or on its list of sockets with a deadline.
	SendQueued, TimerQueued bool

	stats Stats
}

// NewSocket returns an unbound socket carried by host.
func NewSocket(host Host, cfg Config) *Socket {
	if cfg.RxBuffer == nil {
		cfg.RxBuffer = make([]byte, defaultBuffer)
	}
	if cfg.TxBuffer == nil {
		cfg.TxBuffer = make([]byte, defaultBuffer)
	}
	if cfg.RxSlots <= 0 {
		cfg.RxSlots = defaultSlots
	}
	if cfg.TxSlots <= 0 {
		cfg.TxSlots = defaultSlots
	}
	return &Socket{
		host:         host,
		rx:           NewPacketRing(cfg.RxBuffer, cfg.RxSlots),
		tx:           NewPacketRing(cfg.TxBuffer, cfg.TxSlots),
		recvDeadline: reactor.Never,
	}
}

// Bind claims a local port; port 0 picks a random ephemeral one. addr may be
// the unspecified address to accept datagrams for any local address.
func (s *Socket) Bind(local netip.AddrPort) error {
	if s.closed {
		return ErrClosed
	}
	if s.bound {
		return ErrAlreadyBound
	}
	if a := local.Addr(); a.IsValid() && !a.Is4() {
		return ErrAddressFamily
	}
	p, err := s.host.BindUDP(s, local.Port())
	if err != nil {
		return err
	}
	a := local.Addr()
	if !a.IsValid() {
		a = netip.IPv4Unspecified()
	}
	s.local = netip.AddrPortFrom(a, p)
	s.bound = true
	return nil
}

// Rebind moves the socket to a new local port, as if it were closed and a
// fresh socket bound in its place, but keeping its buffers, callbacks,
// connected peer and counters. It releases the current port (if bound) and
// then binds local; port 0 picks a fresh random ephemeral port. A DNS
// resolver calls it before each query so that every query leaves from an
// unpredictable port (RFC 5452) without a new socket. It allocates nothing,
// and neither does package stack for it: its port table loses one entry
// and gains one.
//
// Datagrams already received belonged to the old port and are discarded,
// and so are datagrams queued but not yet sent: they were addressed from
// the old port. A pending Recv stays pending, with its deadline: it is a
// wait on this socket, not on a port, and completes with the first datagram
// that reaches the new one. A sender refused with ErrWouldBlock is told
// through OnWritable that the send ring has room again.
//
// On ErrAddressFamily or ErrClosed nothing changes. If the new bind fails
// (ErrAddressInUse, ErrNoPorts) the old port is already released: the
// socket is left unbound, and Bind, Rebind or a send binds it later.
func (s *Socket) Rebind(local netip.AddrPort) error {
	if s.closed {
		return ErrClosed
	}
	if a := local.Addr(); a.IsValid() && !a.Is4() {
		return ErrAddressFamily
	}
	if s.bound {
		s.host.UnbindUDP(s)
		s.bound = false
		s.local = netip.AddrPort{}
		// UnbindUDP took the socket off the host's lists; say so, or the
		// next send or deadline would never be queued again.
		s.SendQueued, s.TimerQueued = false, false
	}
	s.rx.Reset()
	s.tx.Reset()
	err := s.Bind(local)
	if s.recvPending && s.recvDeadline != reactor.Never {
		s.host.UDPTimerChanged(s)
	}
	if s.txBlocked {
		s.txBlocked = false
		if s.onWritable != nil {
			s.onWritable()
		}
	}
	return err
}

// Connect fixes the peer: Send goes there and only its datagrams are
// received. An unbound socket is bound to an ephemeral port first.
func (s *Socket) Connect(remote netip.AddrPort) error {
	if s.closed {
		return ErrClosed
	}
	if !remote.Addr().Is4() || remote.Port() == 0 {
		return ErrBadAddress
	}
	if !s.bound {
		if err := s.Bind(netip.AddrPort{}); err != nil {
			return err
		}
	}
	s.remote = remote
	return nil
}

// LocalAddr reports the bound address and port.
func (s *Socket) LocalAddr() netip.AddrPort { return s.local }

// RemoteAddr reports the connected peer, if any.
func (s *Socket) RemoteAddr() netip.AddrPort { return s.remote }

// Bound reports whether the socket holds a port.
func (s *Socket) Bound() bool { return s.bound }

// Stats reports the socket's counters.
func (s *Socket) Stats() Stats { return s.stats }

// Close releases the port and fails a pending receive. Queued datagrams not
// yet sent are discarded.
func (s *Socket) Close() {
	if s.closed {
		return
	}
	if s.bound {
		s.host.UnbindUDP(s)
	}
	s.closed, s.bound = true, false
	s.rx.Reset()
	s.tx.Reset()
	s.finishRecv(RecvResult{}, ErrClosed)
}

// OnReadable registers fn to run (on the reactor) each time a datagram is
// queued for receiving. nil unregisters.
func (s *Socket) OnReadable(fn func()) { s.onReadable = fn }

// OnWritable registers fn to run when a send that found the ring full can be
// retried. nil unregisters.
func (s *Socket) OnWritable(fn func()) { s.onWritable = fn }

// SendTo queues p for dst. It copies p; it never blocks. It fails with
// ErrWouldBlock when the send ring is full (OnWritable tells when to retry)
// and ErrTooLarge when p can never be sent.
func (s *Socket) SendTo(p []byte, dst netip.AddrPort) error {
	if s.closed {
		return ErrClosed
	}
	if !dst.Addr().Is4() || dst.Port() == 0 {
		return ErrBadAddress
	}
	if len(p) > s.host.UDPMaxPayload() || !s.tx.Fits(len(p)) {
		return ErrTooLarge
	}
	if !s.bound {
		if err := s.Bind(netip.AddrPort{}); err != nil {
			return err
		}
	}
	b, ok := s.tx.Enqueue(len(p), dst)
	if !ok {
		s.txBlocked = true
		return ErrWouldBlock
	}
	copy(b, p)
	s.host.UDPSendReady(s)
	return nil
}

// Send queues p for the connected peer.
func (s *Socket) Send(p []byte) error {
	if !s.remote.IsValid() {
		return ErrNotConnected
	}
	return s.SendTo(p, s.remote)
}

// CanSend reports whether a datagram of n bytes would be queued now.
func (s *Socket) CanSend(n int) bool {
	if s.closed || n > s.host.UDPMaxPayload() {
		return false
	}
	return s.tx.CanEnqueue(n)
}

// RecvFrom copies the oldest received datagram into p and reports its length
// and source. It fails with ErrWouldBlock when none is queued. A datagram
// longer than p is truncated (and its rest discarded), and truncated is true.
func (s *Socket) RecvFrom(p []byte) (n int, from netip.AddrPort, truncated bool, err error) {
	if s.closed {
		return 0, netip.AddrPort{}, false, ErrClosed
	}
	addr, b, ok := s.rx.Peek()
	if !ok {
		return 0, netip.AddrPort{}, false, ErrWouldBlock
	}
	n = copy(p, b)
	s.rx.Dequeue()
	return n, addr, n < len(b), nil
}

// Peek lends the oldest received datagram without copying; it stays valid
// until Discard or the next Deliver that reuses its bytes, whichever comes
// first, so use it before returning to the reactor.
func (s *Socket) Peek() (from netip.AddrPort, p []byte, ok bool) { return s.rx.Peek() }

// Discard drops the oldest received datagram (after Peek).
func (s *Socket) Discard() { s.rx.Dequeue() }

// Readable reports the number of datagrams queued for receiving.
func (s *Socket) Readable() int { return s.rx.Len() }

// Recv starts a receive into p that completes when a datagram arrives or at
// deadline (Never for none) with ErrTimeout. It returns the socket's one
// receive future, so it allocates nothing. A second Recv while one is pending
// returns a future already failed with ErrBusy.
func (s *Socket) Recv(p []byte, deadline reactor.Instant) *reactor.Future[RecvResult] {
	f := &s.recv
	if s.recvPending {
		var busy reactor.Future[RecvResult]
		busy.Complete(RecvResult{}, ErrBusy)
		return &busy
	}
	f.Reset()
	if s.closed {
		f.Complete(RecvResult{}, ErrClosed)
		return f
	}
	s.recvBuf, s.recvPending, s.recvDeadline = p, true, deadline
	s.tryCompleteRecv()
	if s.recvPending && deadline != reactor.Never {
		// TimerQueued is the stack's bookkeeping, like SendQueued.
		s.host.UDPTimerChanged(s)
	}
	return f
}

func (s *Socket) tryCompleteRecv() {
	if !s.recvPending || s.rx.Empty() {
		return
	}
	n, from, trunc, err := s.RecvFrom(s.recvBuf)
	s.finishRecv(RecvResult{N: n, From: from, Truncated: trunc}, err)
}

func (s *Socket) finishRecv(r RecvResult, err error) {
	if !s.recvPending {
		return
	}
	s.recvPending, s.recvBuf, s.recvDeadline = false, nil, reactor.Never
	s.recv.Complete(r, err)
}

// Deliver is called by the stack with a datagram from src addressed to dst.
// It reports whether the socket accepted it; a full receive ring drops it
// (counted in Stats.RxDropped) and the stack counts the drop too.
func (s *Socket) Deliver(src netip.AddrPort, dst netip.Addr, payload []byte) bool {
	if s.closed {
		return false
	}
	b, ok := s.rx.Enqueue(len(payload), src)
	if !ok {
		s.stats.RxDropped++
		return false
	}
	copy(b, payload)
	s.stats.RxDatagrams++
	s.stats.RxBytes += uint64(len(payload))
	s.tryCompleteRecv()
	if s.onReadable != nil && !s.rx.Empty() {
		s.onReadable()
	}
	return true
}

// Accepts reports whether a datagram from src to dst belongs to this socket:
// it matches the bound address (unless unspecified) and the connected peer
// (if connected).
func (s *Socket) Accepts(src netip.AddrPort, dst netip.Addr) bool {
	if a := s.local.Addr(); a.IsValid() && !a.IsUnspecified() && a != dst {
		return false
	}
	return !s.remote.IsValid() || s.remote == src
}

// PeekSend lends the stack the oldest datagram waiting to be sent.
func (s *Socket) PeekSend() (dst netip.AddrPort, payload []byte, ok bool) {
	return s.tx.Peek()
}

// PopSend removes the datagram lent by PeekSend once the stack has sent it
// (or given up on it) and fires the writable callback if a send was refused.
func (s *Socket) PopSend(sent bool) {
	if _, p, ok := s.tx.Peek(); ok && sent {
		s.stats.TxDatagrams++
		s.stats.TxBytes += uint64(len(p))
	}
	s.tx.Dequeue()
	if s.txBlocked {
		s.txBlocked = false
		if s.onWritable != nil {
			s.onWritable()
		}
	}
}

// PollAt reports when the socket next needs Poll: the receive deadline.
func (s *Socket) PollAt() reactor.Instant {
	if s.recvPending {
		return s.recvDeadline
	}
	return reactor.Never
}

// Poll expires a receive whose deadline has passed.
func (s *Socket) Poll(now reactor.Instant) {
	if s.recvPending && now >= s.recvDeadline {
		s.finishRecv(RecvResult{}, ErrTimeout)
	}
}
