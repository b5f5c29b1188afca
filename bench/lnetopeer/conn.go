package lnetopeer

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/soypat/lneto"
	"github.com/soypat/lneto/tcp"
)

// DefaultBufferSize is the size of each of a Conn's rings, legation's default.
const DefaultBufferSize = 16 << 10

// MaxRxBuffer is the largest receive ring lneto can use: it neither offers
// nor accepts window scaling, so its window field stops at 65535.
const MaxRxBuffer = 65535

// ConnConfig sets up a Conn.
type ConnConfig struct {
	// RxBuffer and TxBuffer are lneto's receive and send rings; nil
	// allocates DefaultBufferSize bytes. RxBuffer may not exceed
	// MaxRxBuffer.
	RxBuffer, TxBuffer []byte
	// Segments is how many sent, unacknowledged segments lneto tracks
	// (tcp.ConnConfig.TxPacketQueueSize): with no congestion control, it is
	// lneto's whole flight. Default: enough MSS-sized segments to fill
	// TxBuffer.
	Segments int
	// NoLossRecovery leaves lneto without its retransmission timer, as an
	// lneto tcp.Conn is by default: lost data is then resent only on
	// duplicate ACKs (lneto's fast retransmit), so never when the last
	// segment in flight is lost.
	NoLossRecovery bool
}

// Conn is one lneto TCP connection held by a Peer, with calls that never
// block: lneto's own Read and Write wait (with a backoff strategy) when there
// is nothing to read or no room, which on the reactor goroutine would wait
// forever.
type Conn struct {
	c    tcp.Conn
	rto  tcp.RTO
	peer *Peer

	closeReq bool // Close was called, lneto's Close is deferred until acked

	ctlArmed bool // a control-segment retry is scheduled
	ctlAt    reactor.Instant
	ctlWait  time.Duration

	// What became of the connection: its port, the last state it was seen
	// in other than CLOSED, and resets seen on that port.
	port          uint16
	last          tcp.State
	rstIn, rstOut bool
}

// yieldBackoff should never run: Conn only calls lneto's Read and Write when
// they can complete at once.
func yieldBackoff(uint) time.Duration { return lneto.BackoffFlagGosched }

// NewConn returns a closed connection on p; Dial or Listen opens it. The
// Conn stays p's (for control retries and timers) and can be opened again
// once closed.
func (p *Peer) NewConn(cfg ConnConfig) (*Conn, error) {
	if cfg.RxBuffer == nil {
		cfg.RxBuffer = make([]byte, DefaultBufferSize)
	}
	if cfg.TxBuffer == nil {
		cfg.TxBuffer = make([]byte, DefaultBufferSize)
	}
	if len(cfg.RxBuffer) > MaxRxBuffer {
		return nil, errors.New("lnetopeer: RxBuffer larger than lneto's 65535-byte window")
	}
	if cfg.Segments <= 0 {
		mss := p.cfg.MTU - 40
		cfg.Segments = (len(cfg.TxBuffer) + mss - 1) / mss
	}
	c := &Conn{peer: p}
	lcfg := tcp.ConnConfig{
		RxBuf:             cfg.RxBuffer,
		TxBuf:             cfg.TxBuffer,
		TxPacketQueueSize: cfg.Segments,
		RWBackoff:         yieldBackoff,
	}
	if !cfg.NoLossRecovery {
		lcfg.LossRecovery = &c.rto
		lcfg.Nanotime = p.nanotime
	}
	if err := c.c.Configure(lcfg); err != nil {
		return nil, err
	}
	p.conns = append(p.conns, c)
	return c, nil
}

// TCP returns lneto's connection, for anything Conn does not wrap. Its
// Read, Write, Flush and Close may block.
func (c *Conn) TCP() *tcp.Conn { return &c.c }

// RTO returns lneto's retransmission timer, for its estimates.
func (c *Conn) RTO() *tcp.RTO { return &c.rto }

// Dial opens the connection actively from localPort to remote.
func (c *Conn) Dial(localPort uint16, remote netip.AddrPort) error {
	if !remote.Addr().Is4() {
		return lneto.ErrInvalidAddr
	}
	c.reset(localPort)
	err := c.peer.st.DialTCP4(&c.c, localPort, remote.Addr().As4(), remote.Port())
	c.peer.Wake()
	return err
}

// Listen opens the connection passively on port; it takes the first SYN.
func (c *Conn) Listen(port uint16) error {
	c.reset(port)
	return c.peer.st.ListenTCP4(&c.c, port)
}

func (c *Conn) reset(port uint16) {
	c.closeReq = false
	c.ctlArmed = false
	c.port = port
	c.last = tcp.StateClosed
	c.rstIn, c.rstOut = false, false
}

func (c *Conn) observe() {
	if st := c.c.State(); st != tcp.StateClosed {
		c.last = st
	}
}

// Dropped reports whether lneto gave the connection up without a word: it
// is CLOSED, no reset crossed the link on its port, and the last state it
// was seen in is one a connection cannot leave for CLOSED by the protocol
// (anything but LAST-ACK and TIME-WAIT, which close normally). from is that
// state.
func (c *Conn) Dropped() (from tcp.State, dropped bool) {
	if c.c.State() != tcp.StateClosed || c.rstIn || c.rstOut {
		return c.last, false
	}
	switch c.last {
	case tcp.StateClosed, tcp.StateListen, tcp.StateLastAck, tcp.StateTimeWait:
		return c.last, false
	}
	return c.last, true
}

// LastState reports the last state the connection was seen in other than
// CLOSED.
func (c *Conn) LastState() tcp.State { return c.last }

// State reports lneto's TCP state.
func (c *Conn) State() tcp.State { return c.c.State() }

// Established reports whether the handshake is done and the connection not
// yet closed.
func (c *Conn) Established() bool { return c.c.State().IsSynchronized() }

// opening reports whether the connection is on its way to established.
func (c *Conn) opening() bool {
	st := c.c.State()
	return st.IsPreestablished() || c.c.AwaitingSynSend()
}

// Write queues as much of b as lneto's send ring has room for and reports how
// much that was; 0 with a nil error means no room yet (or no connection
// yet). It fails once the sending side is closed.
func (c *Conn) Write(b []byte) (int, error) {
	if c.closeReq {
		return 0, net.ErrClosed
	}
	if !c.c.State().TxDataOpen() {
		if c.opening() {
			return 0, nil
		}
		return 0, net.ErrClosed
	}
	n := min(len(b), c.c.FreeOutput())
	if n == 0 {
		return 0, nil
	}
	n, err := c.c.Write(b[:n])
	c.peer.Wake()
	return n, err
}

// Read copies received data into b. It answers 0 and a nil error when
// nothing is waiting yet, and io.EOF once the peer has closed (or the
// connection is gone) and everything was read.
func (c *Conn) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if c.c.BufferedInput() > 0 {
		n, err := lnetoRead(&c.c, b)
		if n > 0 {
			// Reading may have opened the window enough for an update.
			c.peer.Wake()
		}
		return n, err
	}
	if c.opening() || c.c.State().RxDataOpen() {
		return 0, nil
	}
	return 0, io.EOF
}

// Acked reports whether everything written has been sent and acknowledged.
func (c *Conn) Acked() bool {
	return c.c.FreeOutput() == c.c.InternalHandler().SizeOutput()
}

// Close closes the sending side once the connection is established and
// everything written is acknowledged: lneto refuses to send data after its FIN, so a segment lost before an
// immediate Close could never be retransmitted. The connection closes in the
// background; State reports the progress.
func (c *Conn) Close() {
	if c.closeReq {
		return
	}
	c.closeReq = true
	c.peer.Wake()
}

// Abort drops the connection without a word to the peer.
func (c *Conn) Abort() {
	c.c.Abort()
	c.reset(c.port)
}

// control runs on every Peer poll: a deferred Close, and the SYN or SYN-ACK
// retransmission lneto leaves to its caller. It answers when it next needs
// to run.
func (c *Conn) control(now reactor.Instant, n *Stats) reactor.Instant {
	if c.closeReq && !c.opening() && c.Acked() {
		c.closeReq = false
		c.c.Close() // an error means it is closing or closed already
	}
	if !c.c.IsAwaitingControl() {
		c.ctlArmed = false
		return reactor.Never
	}
	if !c.ctlArmed {
		c.ctlArmed = true
		c.ctlWait = controlRetryFirst
		c.ctlAt = now.Add(c.ctlWait)
		return c.ctlAt
	}
	if now.Before(c.ctlAt) {
		return c.ctlAt
	}
	c.c.RequeueControl()
	n.ControlRetries++
	c.ctlWait = min(2*c.ctlWait, controlRetryMax)
	c.ctlAt = now.Add(c.ctlWait)
	return c.ctlAt
}

// lnetoRead reads from c, but never empties its receive ring while lneto
// holds out-of-order data staged in that ring. lneto v0.3.2 stages a segment
// that arrives beyond a hole in the ring's free space, at the offset its
// sequence number implies from the ring's write position; but a Read that
// empties the ring resets the ring's offsets to zero, moving the write
// position, so once the hole is filled the staged bytes are delivered from
// the wrong place and the application reads garbage
// (TestLnetoBugReassemblyAfterDrain). Leaving one byte unread keeps the write
// position where the staged data expects it; that byte is read once the hole
// is filled.
func lnetoRead(c *tcp.Conn, b []byte) (int, error) {
	buffered := c.BufferedInput()
	if buffered == 0 || len(b) == 0 {
		return 0, nil
	}
	ringFree := c.InternalHandler().SizeInput() - buffered
	if c.FreeInput() < ringFree { // the window excludes staged out-of-order bytes
		if buffered == 1 {
			return 0, nil
		}
		b = b[:min(len(b), buffered-1)]
	}
	return c.Read(b)
}
