package tcp

import (
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// Listener is the passive side of one port, sans-IO like Conn: the stack
// hands it the segments for the port that match no connection, sends the
// replies it returns, and asks it for SYN-ACKs to send again.
//
// It keeps the SYN cache of RFC 4987 section 3.3: a handshake in progress,
// and a completed one waiting for Accept, is a fixed record of under 100
// bytes in a table allocated once, with no data buffers and no Conn. Accept
// builds the Conn, with its buffers, from the oldest completed record.
// When the SYN queue is full the listener answers with SYN cookies (RFC
// 4987 3.6) and keeps nothing; with cookies off it drops the SYN, and the
// client tries again. When the accept queue is full it drops SYNs and
// handshake-completing ACKs, as Linux does, so a client is never told it
// is connected to a listener that cannot take it.
//
// Data that arrives on a completed connection before Accept is not
// acknowledged and not kept (the peer sends it again): a connection costs
// no buffers until its owner takes it. A stack that accepts from the
// OnAccept callback, inside the same poll, never drops anything.
type Listener struct {
	cfg     ListenerConfig
	isn     ISNGenerator
	cookies SYNCookies

	recs     []passive
	free     []int32
	byRemote map[netip.AddrPort]int32
	acceptQ  []int32 // FIFO of completed records, oldest first
	synCount int

	rcvShift  uint8
	synWindow uint16

	resendAt reactor.Instant // earliest SYN-ACK resend or expiry; may be early
	stats    ListenerStats
}

// ListenerConfig sets up a Listener.
type ListenerConfig struct {
	// Conn is the configuration of accepted connections. Leave its
	// buffers nil: Accept allocates them, or takes the caller's, or, if
	// Conn.Pool is set, leaves them to be borrowed from the pool while
	// they hold data, so that Accept allocates no buffer.
	Conn Config
	// SYNBacklog bounds handshakes in progress. Default 128.
	SYNBacklog int
	// AcceptBacklog bounds completed connections not yet accepted.
	// Default 16.
	AcceptBacklog int
	// DisableCookies drops SYNs that find the SYN queue full instead of
	// answering them with SYN cookies.
	DisableCookies bool
	// SYNACKRetries is how many times an unanswered SYN-ACK is sent
	// again, after 1, 2, 4... seconds (RFC 6298's initial RTO, doubled).
	// Default 5, as Linux's tcp_synack_retries.
	SYNACKRetries int
	// RxBufferSize and TxBufferSize are the buffers Accept allocates when
	// the caller supplies none; the SYN-ACK's window and window scale are
	// derived from RxBufferSize. Default DefaultBufferSize each. With
	// Conn.Pool set both are the pool's Size.
	RxBufferSize, TxBufferSize int
}

// Defaults of ListenerConfig.
const (
	DefaultSYNBacklog    = 128
	DefaultAcceptBacklog = 16
	DefaultSYNACKRetries = 5
)

// ListenerStats counts what a listener did.
type ListenerStats struct {
	SYNs            uint64 // SYNs received for new connections
	SYNACKs         uint64 // SYN-ACKs sent from the queue, first and again
	CookiesSent     uint64 // SYN-ACKs answered statelessly, the queue being full
	CookiesAccepted uint64 // connections made from a valid cookie
	CookiesRejected uint64 // ACKs with no record and a bad or stale cookie
	SYNQueueFull    uint64 // SYNs dropped: SYN queue full, cookies off
	AcceptQueueFull uint64 // SYNs and ACKs dropped: accept queue full
	Expired         uint64 // handshakes abandoned after the last SYN-ACK
	Resets          uint64 // records ended by the peer's reset
	EarlyData       uint64 // segments with data dropped before Accept
	Accepted        uint64
}

// passive is one record of the SYN cache.
type passive struct {
	remote    netip.AddrPort
	irs, iss  Seq
	tsRecent  uint32
	sndWnd    uint32 // the peer's window, unscaled in a SYN, scaled after
	synAt     reactor.Instant
	resendAt  reactor.Instant // next SYN-ACK; Never once established
	peerMSS   uint16
	peerShift uint8
	opts      passiveOpts
	retries   uint8
}

type passiveOpts uint8

const (
	optWS passiveOpts = 1 << iota
	optSACK
	optTS
	optEstablished
	optUsed
	optEarlyData // data was dropped before Accept: acknowledge at once after
)

// NewListener returns a listener with every record allocated. isn and
// cookies are the stack's keyed generators.
func NewListener(cfg ListenerConfig, isn ISNGenerator, cookies SYNCookies) *Listener {
	if cfg.SYNBacklog <= 0 {
		cfg.SYNBacklog = DefaultSYNBacklog
	}
	if cfg.AcceptBacklog <= 0 {
		cfg.AcceptBacklog = DefaultAcceptBacklog
	}
	if cfg.SYNACKRetries <= 0 {
		cfg.SYNACKRetries = DefaultSYNACKRetries
	}
	if cfg.Conn.Pool != nil {
		cfg.RxBufferSize, cfg.TxBufferSize = cfg.Conn.Pool.Size(), cfg.Conn.Pool.Size()
	}
	if cfg.RxBufferSize <= 0 {
		cfg.RxBufferSize = DefaultBufferSize
	}
	if cfg.TxBufferSize <= 0 {
		cfg.TxBufferSize = DefaultBufferSize
	}
	cfg.Conn.RxBuffer, cfg.Conn.TxBuffer = nil, nil
	n := cfg.SYNBacklog + cfg.AcceptBacklog
	l := &Listener{
		cfg:       cfg,
		isn:       isn,
		cookies:   cookies,
		recs:      make([]passive, n),
		free:      make([]int32, n),
		byRemote:  make(map[netip.AddrPort]int32, n),
		acceptQ:   make([]int32, 0, cfg.AcceptBacklog),
		resendAt:  reactor.Never,
		synWindow: uint16(min(cfg.RxBufferSize, 0xffff)),
	}
	if !cfg.Conn.DisableWindowScale {
		l.rcvShift = windowShift(cfg.RxBufferSize)
	}
	for i := range l.free {
		l.free[i] = int32(n - 1 - i)
	}
	return l
}

// Stats returns the listener's counters.
func (l *Listener) Stats() ListenerStats { return l.stats }

// Pending returns the handshakes in progress and the connections waiting
// for Accept.
func (l *Listener) Pending() (handshaking, ready int) { return l.synCount, len(l.acceptQ) }

// Input takes a segment for the listener's port, from remote to local,
// that matched no connection, and returns the segment to send back, if
// any: a SYN-ACK, a reset, or nothing. It reports accepted=true when a
// connection became ready for Accept.
func (l *Listener) Input(now reactor.Instant, local, remote netip.AddrPort, seg *Repr) (reply Repr, send, ready bool) {
	if i, ok := l.byRemote[remote]; ok {
		return l.inputRecord(now, local, i, seg)
	}
	switch seg.Flags & (wire.TCPSyn | wire.TCPAck | wire.TCPRst | wire.TCPFin) {
	case wire.TCPSyn:
		return l.inputSYN(now, local, remote, seg)
	case wire.TCPAck, wire.TCPAck | wire.TCPFin:
		if !l.cfg.DisableCookies {
			return l.inputCookieACK(now, local, remote, seg)
		}
	}
	reply, send = ResetFor(seg)
	return reply, send, false
}

// inputSYN answers a SYN for a new connection.
func (l *Listener) inputSYN(now reactor.Instant, local, remote netip.AddrPort, seg *Repr) (Repr, bool, bool) {
	l.stats.SYNs++
	if len(l.acceptQ) >= l.cfg.AcceptBacklog {
		l.stats.AcceptQueueFull++
		return Repr{}, false, false
	}
	if l.synCount >= l.cfg.SYNBacklog || len(l.free) == 0 {
		if l.cfg.DisableCookies {
			l.stats.SYNQueueFull++
			return Repr{}, false, false
		}
		l.stats.CookiesSent++
		return l.cookieSYNACK(now, local, remote, seg), true, false
	}
	i := l.free[len(l.free)-1]
	l.free = l.free[:len(l.free)-1]
	r := &l.recs[i]
	*r = passive{remote: remote, irs: seg.Seq, iss: l.isn.ISN(now, local, remote), synAt: now, opts: optUsed}
	r.takeOptions(&seg.Options, &l.cfg.Conn)
	r.sndWnd = uint32(seg.Window)
	r.resendAt = now.Add(time.Second)
	l.resendAt = reactor.Min(l.resendAt, r.resendAt)
	l.byRemote[remote] = i
	l.synCount++
	l.stats.SYNACKs++
	return l.synACK(now, r), true, false
}

// takeOptions keeps what the peer's SYN offered that this side uses too.
func (r *passive) takeOptions(o *wire.TCPOptions, cfg *Config) {
	r.peerMSS = DefaultMSS
	if o.HasMSS {
		r.peerMSS = o.MSS
	}
	if o.HasWindowScale && !cfg.DisableWindowScale {
		r.opts |= optWS
		r.peerShift = min(o.WindowScale, wire.TCPMaxWindowScale)
	}
	if o.SACKPermitted && !cfg.DisableSACK {
		r.opts |= optSACK
	}
	if o.HasTimestamps && !cfg.DisableTimestamps {
		r.opts |= optTS
		r.tsRecent = o.TSVal
	}
}

// synACK builds the SYN-ACK for record r, as Conn would in SYN-RECEIVED.
func (l *Listener) synACK(now reactor.Instant, r *passive) Repr {
	s := Repr{Seq: r.iss, Ack: r.irs + 1, Flags: wire.TCPSyn | wire.TCPAck, Window: l.synWindow}
	o := &s.Options
	o.MSS, o.HasMSS = l.mss(), true
	if r.opts&optWS != 0 {
		o.WindowScale, o.HasWindowScale = l.rcvShift, true
	}
	o.SACKPermitted = r.opts&optSACK != 0
	if r.opts&optTS != 0 {
		o.HasTimestamps = true
		o.TSVal = tsValue(now, uint32(r.iss))
		o.TSEcr = r.tsRecent
	}
	return s
}

// mss is the MSS accepted connections advertise.
func (l *Listener) mss() uint16 {
	if l.cfg.Conn.MSS == 0 {
		return DefaultMSS
	}
	return max(l.cfg.Conn.MSS, minMSS)
}

// cookieSYNACK answers a SYN statelessly: the ISS is a cookie and the
// options the connection needs later ride in the timestamp.
func (l *Listener) cookieSYNACK(now reactor.Instant, local, remote netip.AddrPort, seg *Repr) Repr {
	var r passive
	r.takeOptions(&seg.Options, &l.cfg.Conn)
	mss := min(r.peerMSS, l.mss())
	iss := l.cookies.Make(now, local, remote, seg.Seq, mss)
	r.iss, r.irs = iss, seg.Seq
	if r.opts&optTS == 0 {
		// Without timestamps a cookie carries the MSS alone (syncookie.go).
		r.opts &^= optWS | optSACK
	}
	s := l.synACK(now, &r)
	if r.opts&optTS != 0 {
		co := CookieOptions{WindowScale: r.peerShift, HasWindowScale: r.opts&optWS != 0, SACKPermitted: r.opts&optSACK != 0}
		s.Options.TSVal = co.Timestamp(tsValue(now, uint32(iss)))
	}
	return s
}

// inputCookieACK makes a connection from an ACK that carries a valid
// cookie, or answers it with a reset.
func (l *Listener) inputCookieACK(now reactor.Instant, local, remote netip.AddrPort, seg *Repr) (Repr, bool, bool) {
	mss, err := l.cookies.Check(now, local, remote, seg.Seq, seg.Ack)
	if err != nil {
		l.stats.CookiesRejected++
		reply, send := ResetFor(seg)
		return reply, send, false
	}
	if len(l.acceptQ) >= l.cfg.AcceptBacklog || len(l.free) == 0 {
		l.stats.AcceptQueueFull++
		return Repr{}, false, false
	}
	l.stats.CookiesAccepted++
	i := l.free[len(l.free)-1]
	l.free = l.free[:len(l.free)-1]
	r := &l.recs[i]
	*r = passive{remote: remote, irs: seg.Seq - 1, iss: seg.Ack - 1, synAt: now, peerMSS: mss, opts: optUsed, resendAt: reactor.Never}
	if seg.Options.HasTimestamps {
		co := DecodeCookieTimestamp(seg.Options.TSEcr)
		r.opts |= optTS
		r.tsRecent = seg.Options.TSVal
		if co.HasWindowScale && !l.cfg.Conn.DisableWindowScale {
			r.opts |= optWS
			r.peerShift = co.WindowScale
		}
		if co.SACKPermitted && !l.cfg.Conn.DisableSACK {
			r.opts |= optSACK
		}
	}
	l.byRemote[remote] = i
	l.complete(r, seg)
	l.acceptQ = append(l.acceptQ, i)
	return Repr{}, false, true
}

// inputRecord handles a segment for a handshake in progress or a
// connection waiting for Accept.
func (l *Listener) inputRecord(now reactor.Instant, local netip.AddrPort, i int32, seg *Repr) (Repr, bool, bool) {
	r := &l.recs[i]
	established := r.opts&optEstablished != 0
	switch {
	case seg.Flags&wire.TCPRst != 0:
		// RFC 5961 3.2: only a reset at exactly RCV.NXT ends it; one
		// elsewhere in the window would earn a challenge ACK, which the
		// record leaves to the peer's next retransmission.
		if seg.Seq == r.irs+1 {
			l.stats.Resets++
			l.release(i)
		}
		return Repr{}, false, false
	case seg.Flags&wire.TCPSyn != 0:
		if !established && seg.Flags&wire.TCPAck == 0 && seg.Seq == r.irs {
			// The SYN again: our SYN-ACK was lost.
			l.stats.SYNACKs++
			return l.synACK(now, r), true, false
		}
		return Repr{}, false, false
	case seg.Flags&wire.TCPAck == 0:
		return Repr{}, false, false
	}
	if established {
		if len(seg.Payload) > 0 || seg.Flags&wire.TCPFin != 0 {
			l.stats.EarlyData++
			r.opts |= optEarlyData
		}
		return Repr{}, false, false
	}
	if seg.Ack != r.iss+1 {
		reply, send := ResetFor(seg) // RFC 9293 3.10.7.4, SYN-RECEIVED
		return reply, send, false
	}
	if seg.Seq != r.irs+1 {
		return Repr{}, false, false // not the segment after the SYN: wait for it
	}
	if len(l.acceptQ) >= l.cfg.AcceptBacklog {
		l.stats.AcceptQueueFull++
		return Repr{}, false, false
	}
	if seg.Options.HasTimestamps && r.opts&optTS != 0 {
		r.tsRecent = seg.Options.TSVal
	}
	l.synCount--
	l.complete(r, seg)
	l.acceptQ = append(l.acceptQ, i)
	return Repr{}, false, true
}

// complete marks r established by the ACK seg.
func (l *Listener) complete(r *passive, seg *Repr) {
	r.opts |= optEstablished
	r.resendAt = reactor.Never
	shift := uint8(0)
	if r.opts&optWS != 0 {
		shift = r.peerShift
	}
	r.sndWnd = uint32(seg.Window) << shift
	if len(seg.Payload) > 0 || seg.Flags&wire.TCPFin != 0 {
		l.stats.EarlyData++
		r.opts |= optEarlyData
	}
}

// release frees record i.
func (l *Listener) release(i int32) {
	r := &l.recs[i]
	if r.opts&optEstablished == 0 {
		l.synCount--
	}
	delete(l.byRemote, r.remote)
	*r = passive{}
	l.free = append(l.free, i)
}

// PollAt returns when Resend next has something to do; it may be early.
func (l *Listener) PollAt() reactor.Instant { return l.resendAt }

// Resend returns the next SYN-ACK due at now, for remote, and abandons
// handshakes whose last SYN-ACK went unanswered. The caller sends each
// segment it returns and calls again until ok is false.
func (l *Listener) Resend(now reactor.Instant) (remote netip.AddrPort, seg Repr, ok bool) {
	if now < l.resendAt {
		return netip.AddrPort{}, Repr{}, false
	}
	next := reactor.Never
	for i := range l.recs {
		r := &l.recs[i]
		if r.opts&optUsed == 0 || r.resendAt == reactor.Never {
			continue
		}
		if now < r.resendAt {
			next = reactor.Min(next, r.resendAt)
			continue
		}
		if int(r.retries) >= l.cfg.SYNACKRetries {
			l.stats.Expired++
			l.release(int32(i))
			continue
		}
		r.retries++
		r.resendAt = now.Add(time.Second << r.retries)
		l.stats.SYNACKs++
		// Others may be due too: come back at once.
		l.resendAt = now
		return r.remote, l.synACK(now, r), true
	}
	l.resendAt = next
	return netip.AddrPort{}, Repr{}, false
}

// Accept returns a connection built from the oldest completed handshake,
// with rx and tx as its buffers (nil allocates the configured size, or
// with a Conn.Pool borrows from the pool as needed; an rx smaller than
// RxBufferSize may have to drop data the SYN-ACK's window invited, which
// the peer then sends again), or false if none is waiting. The Conn is
// ESTABLISHED, addressed from local's address and the listener's port.
func (l *Listener) Accept(now reactor.Instant, local netip.Addr, port uint16, rx, tx []byte) (*Conn, bool) {
	return l.AcceptInto(nil, now, local, port, rx, tx)
}

// Ready reports whether a completed handshake waits for Accept.
func (l *Listener) Ready() bool { return len(l.acceptQ) > 0 }

// AcceptInto is Accept building the connection in c, a record done with
// (see Conn.Reinit), instead of a new one; nil makes a new one. With rx
// and tx supplied (or a Conn.Pool) it then allocates nothing.
func (l *Listener) AcceptInto(c *Conn, now reactor.Instant, local netip.Addr, port uint16, rx, tx []byte) (*Conn, bool) {
	if len(l.acceptQ) == 0 {
		return nil, false
	}
	i := l.acceptQ[0]
	copy(l.acceptQ, l.acceptQ[1:])
	l.acceptQ = l.acceptQ[:len(l.acceptQ)-1]
	r := l.recs[i]
	l.release(i)
	if rx == nil && l.cfg.Conn.Pool == nil {
		rx = make([]byte, l.cfg.RxBufferSize)
	}
	if tx == nil && l.cfg.Conn.Pool == nil {
		tx = make([]byte, l.cfg.TxBufferSize)
	}
	cfg := l.cfg.Conn
	cfg.RxBuffer, cfg.TxBuffer = rx, tx
	if c == nil {
		c = NewConn(cfg)
	} else {
		c.Reinit(cfg)
	}
	c.adopt(now, netip.AddrPortFrom(local, port), r.remote, &r, l.rcvShift, l.synWindow)
	l.stats.Accepted++
	return c, true
}

// Close forgets every record: handshakes in progress and connections not
// yet accepted. reset is called with the reset to send to each of the
// latter, so their peers learn at once.
func (l *Listener) Close(reset func(remote netip.AddrPort, seg *Repr)) {
	for _, i := range l.acceptQ {
		r := &l.recs[i]
		seg := Repr{Seq: r.iss + 1, Ack: r.irs + 1, Flags: wire.TCPRst | wire.TCPAck}
		reset(r.remote, &seg)
	}
	l.acceptQ = l.acceptQ[:0]
	for i := range l.recs {
		if l.recs[i].opts&optUsed != 0 {
			l.release(int32(i))
		}
	}
	l.resendAt = reactor.Never
}
