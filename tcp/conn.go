package tcp

import (
	"net/netip"
	"unsafe"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// Conn is one TCP connection: the state machine of RFC 9293 with its send
// and receive rings, driven by the stack. It is sans-IO: Input takes a
// segment that arrived, Output writes the next segment to send, PollAt
// names the next instant a timer needs attention and Poll attends to it.
// Nothing in it reads a clock, sleeps or blocks; every call is passed the
// current instant.
//
// A Conn belongs to the reactor goroutine: the stack calls Input, Output
// and Poll, the user calls Read, Write and Close, callbacks run inside the
// stack's calls, and nothing is locked.
//
// Once established, a segment in and a segment out allocate nothing.
//
// What a Conn does not do: listen (Listener does, and hands it over
// through Accept), find itself by 4-tuple, verify checksums, or know about
// IP. It does not send urgent data (a received URG is delivered as
// ordinary data, RFC 6093), generate D-SACK (RFC 2883), use ECN, or take
// part in path MTU discovery. It keeps FIN-WAIT-2 for as long as the peer
// keeps its side open, as RFC 9293 does, unless its owner released it
// (Release, FinWait2Timeout).
type Conn struct {
	cfg      settings
	state    State
	opened   bool
	passive  bool
	events   event
	sndShift uint8 // the peer's window scale
	rcvShift uint8 // our window scale
	err      Error // why it closed; 0 while open and after a graceful close
	happened event // the future-completing events fired so far
	released bool  // the owner let go: Release
	pooling  poolState
	// Facts for retransmission: kept with the flags above, where they
	// fill what would be padding.
	synRetransmitted bool
	rtoRepeated      bool // the segment at SND.UNA was already resent by the timer

	local, remote endpoint

	// Send sequence variables (RFC 9293 3.3.1).
	iss       Seq
	sndUna    Seq
	sndNxt    Seq    // next to send; a timeout pulls it back to sndUna (go-back-N)
	sndMax    Seq    // highest sequence number sent plus one
	smallEnd  Seq    // end of the last short segment sent: Nagle (Minshall)
	sndWnd    uint32 // the peer's window in bytes, scaled
	sndWl1    Seq
	sndWl2    Seq
	maxSndWnd uint32 // largest window the peer offered: RFC 5961 5.2 and SWS avoidance
	smss      uint32 // payload per segment we send, after options in every segment

	// Receive sequence variables.
	irs    Seq
	rcvNxt Seq
	rcvAdv Seq // right edge of the furthest window advertised; never moves back

	// pool lends tx and rx while they hold data, for the sides whose
	// buffer Config left nil (conn_pool.go); nil when both are the
	// owner's.
	pool   *BufferPool
	tx, rx Ring
	asm    Assembler

	finQueued  bool // the user closed the sending side: a FIN follows the data
	finAcked   bool // ...and the peer acknowledged it
	finRecvd   bool // the peer's FIN arrived in order
	finHeld    bool // the peer's FIN arrived beyond a hole
	finHeldSeq Seq  // ...at this sequence number
	rdClosed   bool // Close: nothing more will be read

	wsOK, sackOK, tsOK bool
	tsRecent           uint32          // RFC 7323 TS.Recent
	tsRecentAt         reactor.Instant // when TS.Recent was last set (RFC 7323 5.5)
	tsOffset           uint32          // per-connection offset of our TSval clock
	lastAckSent        Seq             // RFC 7323 Last.ACK.sent

	rtt RTTEstimator
	cc  NewReno
	sb  Scoreboard

	// What Output owes. (The order of this block and the next avoids
	// padding: TestConnSize.)
	ackNow         bool // an ACK must go out now
	sendSyn        bool // the SYN or SYN-ACK must be (re)sent
	rtxNow         bool // retransmit at SND.UNA: fast retransmit or NewReno partial ACK
	forceNow       bool // the persist timer fired: send despite SWS avoidance, or probe
	keepNow        bool // a keep-alive probe is due
	rstNow         bool // a reset must be sent: <SEQ=rstSeq><ACK=rstAck><CTL=rstFlags>
	rstFlags       wire.TCPFlags
	ackSegs        int32 // in-order segments received since our last ACK
	rstSeq, rstAck Seq

	challengeCount int32           // challenge ACKs sent in the current period
	persistN       int32           // persist backoff exponent
	keepProbes     int32           // keep-alive probes unanswered
	challengeAt    reactor.Instant // start of the current challenge ACK period

	// Timers. A deadline is reactor.Never when off.
	now        reactor.Instant // the latest instant seen
	rtoAt      reactor.Instant
	delAckAt   reactor.Instant
	persistAt  reactor.Instant
	twAt       reactor.Instant
	openAt     reactor.Instant // connect timeout
	flightAt   reactor.Instant // when SND.UNA last moved or the flight began: user timeout
	lastRecv   reactor.Instant // last acceptable segment: keep-alive
	probeSince reactor.Instant // first zero-window probe not yet answered, Never if none
	lastSend   reactor.Instant // last data sent: restart after idle (RFC 5681 4.1)

	stats        Stats
	onReadable   func()
	onWritable   func()
	onPeerClosed func()
	onClosed     func(error)
	futs         *connFutures // made on the first ConnectFuture or CloseFuture

	// notifier hears of user calls that queue output (conn_notify.go).
	notifier Notifier
}

// NewConn returns a closed connection set up by cfg, ready for Connect or
// AcceptSYN. It allocates what cfg does not supply (buffers, the
// reassembly table) now, so that nothing is allocated later; with a
// Config.Pool it allocates no buffer, and borrows them as needed.
func NewConn(cfg Config) *Conn {
	c := new(Conn)
	c.init(cfg, nil)
	return c
}

// Reinit makes c what NewConn(cfg) would return, in place: a table of
// connection records made once (the stack's Resources) serves one
// connection after another without allocating. The reassembly table and
// the futures c already has are kept and reused when they fit (futures
// are Reset, dropping their callbacks), so with cfg's buffers or a Pool
// supplied and the default RTT bounds, Reinit allocates nothing.
//
// c must be done with: CLOSED, and nobody (neither the stack nor the
// user) left holding it as the old connection.
func (c *Conn) Reinit(cfg Config) {
	spans, futs := c.asm.spans, c.futs
	*c = Conn{}
	c.init(cfg, spans)
	if futs != nil {
		futs.connect.Reset()
		futs.close.Reset()
		c.futs = futs
	}
}

// init sets up a zero c; spans, if long enough, is reused as the
// reassembly table.
func (c *Conn) init(cfg Config, spans []span) {
	cfg = cfg.resolve()
	var pool *BufferPool
	if cfg.RxBuffer == nil || cfg.TxBuffer == nil {
		pool = cfg.Pool // resolve left a side nil only for the pool
	}
	c.cfg = cfg.settings()
	c.pool = pool
	c.tx = NewRing(cfg.TxBuffer)
	c.rx = NewRing(cfg.RxBuffer)
	c.rtt = NewRTTEstimator(cfg.RTT)
	c.rtoAt, c.delAckAt, c.persistAt = reactor.Never, reactor.Never, reactor.Never
	c.twAt, c.openAt, c.probeSince = reactor.Never, reactor.Never, reactor.Never
	if !c.cfg.PoolRx { // else lent with the receive buffer
		if n := max(cfg.OutOfOrderRanges, 0); cap(spans) >= n {
			spans = spans[:n]
			clear(spans)
			c.asm = Assembler{spans: spans}
		} else {
			c.asm = NewAssembler(cfg.OutOfOrderRanges)
		}
	}
}

// Tuple returns the local and remote address and port.
func (c *Conn) Tuple() (local, remote netip.AddrPort) {
	return c.local.addrPort(), c.remote.addrPort()
}

// State returns the connection state.
func (c *Conn) State() State { return c.state }

// Err returns why the connection closed: nil while open and after a
// graceful close, else one of the Err values of this package.
func (c *Conn) Err() error {
	if c.err == 0 {
		return nil
	}
	return c.err
}

// unsent returns the queued bytes at or after SND.NXT.
func (c *Conn) unsent() uint32 {
	if d := c.dataEnd().Sub(c.sndNxt); d > 0 {
		return uint32(d)
	}
	return 0
}

// dataEnd is the sequence number just past the queued data: our FIN's,
// once the user closed.
func (c *Conn) dataEnd() Seq { return c.sndUna.Add(uint32(c.tx.Len())) }

// finSent reports whether our FIN went out and is not yet acknowledged.
func (c *Conn) finSent() bool {
	return c.finQueued && !c.finAcked && c.sndMax.GreaterThan(c.dataEnd())
}

// flight returns the sequence space sent and not acknowledged.
func (c *Conn) flight() uint32 { return uint32(c.sndMax - c.sndUna) }

// rcvWnd returns RCV.WND: what the peer may still send, by the window we
// advertised.
func (c *Conn) rcvWnd() uint32 {
	if d := c.rcvAdv.Sub(c.rcvNxt); d > 0 {
		return uint32(d)
	}
	return 0
}

// inRecovery reports whether SACK loss recovery (RFC 6675) is under way.
func (c *Conn) inRecovery() bool {
	_, rec := c.sb.RecoveryPoint()
	return c.sackOK && rec
}

// due reports whether the deadline t has come at now.
func due(t, now reactor.Instant) bool { return t != reactor.Never && !now.Before(t) }

// RecordBytes is the memory the connection holds besides its buffers: the
// Conn itself, its reassembly table (unless lent by a Pool with the
// receive buffer) and its futures, once made. It is what a table of
// records sized up front costs per record.
func (c *Conn) RecordBytes() int {
	n := int(unsafe.Sizeof(*c))
	if !c.cfg.PoolRx {
		n += cap(c.asm.spans) * int(unsafe.Sizeof(span{}))
	}
	if c.futs != nil {
		n += int(unsafe.Sizeof(*c.futs))
	}
	return n
}
