package tcp

import "time"

// Config sets up a Conn. The zero value is a sound connection: every
// option of RFC 7323 and RFC 2018 offered, Nagle and delayed ACKs on, and
// the connect and user timeouts armed.
type Config struct {
	// RxBuffer and TxBuffer are the receive and send rings. The Conn uses
	// them for its whole life and the caller may reuse them once it is
	// closed; nil allocates DefaultBufferSize bytes, unless Pool is set.
	RxBuffer, TxBuffer []byte

	// Pool, if set, lends the buffers RxBuffer and TxBuffer leave nil, so
	// that an idle connection holds none (conn_pool.go): the receive
	// buffer is borrowed when data arrives and given back once the user
	// has read it all, the send buffer is borrowed by Write or WriteLease
	// and given back once the peer has acknowledged it all, and both go
	// back when the connection closes or is released. The window offered
	// while no receive buffer is held, and the window scale, are those of
	// a pool buffer. When the pool is empty, arriving data is dropped
	// unacknowledged (Stats.PoolMisses; the peer sends it again) and
	// Write refuses with ErrWouldBlock until OnWritable says a buffer
	// came back. The pool must be used on the reactor goroutine only.
	Pool *BufferPool

	// MSS is the maximum segment size to advertise, the largest payload
	// this side can receive: the stack passes its MTU minus 40. It also
	// caps what is sent. Default 536 (RFC 9293 3.7.1).
	MSS uint16

	// DisableSACK, DisableTimestamps and DisableWindowScale stop this side
	// from offering (or accepting) SACK (RFC 2018), timestamps (RFC 7323
	// section 3) and window scaling (RFC 7323 section 2). All three are on
	// when false.
	DisableSACK, DisableTimestamps, DisableWindowScale bool

	// NoDelay disables Nagle's algorithm (RFC 9293 3.7.4): small segments
	// go out even while earlier data is unacknowledged.
	NoDelay bool

	// DelayedAck is how long an ACK for in-order data may wait for a
	// second segment or for data to ride on (RFC 9293 3.8.6.3, RFC 5681
	// 4.2). 0 means DefaultDelayedAck, negative acknowledges every segment
	// at once.
	DelayedAck time.Duration

	// ConnectTimeout bounds the handshake, from Connect or AcceptSYN.
	// 0 means DefaultConnectTimeout, negative none.
	ConnectTimeout time.Duration

	// UserTimeout aborts the connection when data stays unacknowledged,
	// or zero-window probes stay unanswered, that long (RFC 9293 3.8.4,
	// RFC 5482). 0 means DefaultUserTimeout, negative none.
	UserTimeout time.Duration

	// TimeWait is how long TIME-WAIT lasts, 2*MSL. 0 means
	// DefaultTimeWait; negative skips TIME-WAIT, which risks old segments
	// reaching a new incarnation of the connection (RFC 9293 3.4.2): for
	// tests and benchmarks that reuse ports.
	TimeWait time.Duration

	// KeepAlive is the idle time before keep-alive probes start (RFC 9293
	// 3.8.4); 0 keeps them off. KeepAliveInterval (default 75 s) separates
	// the probes and after KeepAliveCount (default 9) unanswered ones the
	// connection is aborted, as on Linux.
	KeepAlive         time.Duration
	KeepAliveInterval time.Duration
	KeepAliveCount    int

	// OutOfOrderRanges bounds out-of-order reassembly: how many separate
	// ranges beyond a hole are kept. Default DefaultAssemblerRanges. (A
	// Conn whose receive buffer comes from a Pool borrows the table of
	// ranges with it, so an idle one holds none.)
	OutOfOrderRanges int

	// RTT bounds the retransmission timeout.
	RTT RTTConfig
}

// Defaults of Config.
const (
	DefaultBufferSize        = 16 << 10
	DefaultMSS               = 536
	DefaultDelayedAck        = 40 * time.Millisecond
	DefaultConnectTimeout    = 30 * time.Second
	DefaultUserTimeout       = 5 * time.Minute
	DefaultTimeWait          = 60 * time.Second
	DefaultKeepAliveInterval = 75 * time.Second
	DefaultKeepAliveCount    = 9

	// minMSS is the smallest peer MSS believed: a peer announcing less
	// would make us cut data into absurdly many segments (Linux clamps
	// at 48 bytes of payload for the same reason; CVE-2019-11479).
	minMSS = 64
)

// resolve fills in defaults. Durations that are "off" become 0.
func (c Config) resolve() Config {
	if c.RxBuffer == nil && c.Pool == nil {
		c.RxBuffer = make([]byte, DefaultBufferSize)
	}
	if c.TxBuffer == nil && c.Pool == nil {
		c.TxBuffer = make([]byte, DefaultBufferSize)
	}
	if c.MSS == 0 {
		c.MSS = DefaultMSS
	}
	c.MSS = max(c.MSS, minMSS)
	c.DelayedAck = orDefault(c.DelayedAck, DefaultDelayedAck)
	c.ConnectTimeout = orDefault(c.ConnectTimeout, DefaultConnectTimeout)
	c.UserTimeout = orDefault(c.UserTimeout, DefaultUserTimeout)
	c.TimeWait = orDefault(c.TimeWait, DefaultTimeWait)
	c.KeepAlive = max(c.KeepAlive, 0)
	if c.KeepAliveInterval <= 0 {
		c.KeepAliveInterval = DefaultKeepAliveInterval
	}
	if c.KeepAliveCount <= 0 {
		c.KeepAliveCount = DefaultKeepAliveCount
	}
	if c.OutOfOrderRanges == 0 {
		c.OutOfOrderRanges = DefaultAssemblerRanges
	}
	c.RTT = c.RTT.withDefaults()
	return c
}

// orDefault maps 0 to def and a negative d to 0, "off".
func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// settings is what a Conn keeps of its Config once it is made: the buffers
// became its rings (or the pool its pool), the RTT bounds its estimator
// and the reassembly limit its table, so only the rest stays, packed, to
// keep an idle connection small.
type settings struct {
	DelayedAck, ConnectTimeout, UserTimeout, TimeWait time.Duration
	KeepAlive, KeepAliveInterval                      time.Duration
	KeepAliveCount                                    int32
	MSS                                               uint16
	DisableSACK, DisableTimestamps                    bool
	DisableWindowScale, NoDelay                       bool
	PoolRx, PoolTx                                    bool   // the pool lends this ring
	OutOfOrderRanges                                  uint16 // the reassembly table a pooled rx borrows with it
}

// settings returns what a Conn keeps of a resolved c.
func (c Config) settings() settings {
	return settings{
		DelayedAck: c.DelayedAck, ConnectTimeout: c.ConnectTimeout, UserTimeout: c.UserTimeout, TimeWait: c.TimeWait,
		KeepAlive: c.KeepAlive, KeepAliveInterval: c.KeepAliveInterval, KeepAliveCount: int32(c.KeepAliveCount),
		MSS: c.MSS, DisableSACK: c.DisableSACK, DisableTimestamps: c.DisableTimestamps,
		DisableWindowScale: c.DisableWindowScale, NoDelay: c.NoDelay,
		PoolRx: c.Pool != nil && c.RxBuffer == nil, PoolTx: c.Pool != nil && c.TxBuffer == nil,
		OutOfOrderRanges: uint16(min(max(c.OutOfOrderRanges, 0), 0xffff)),
	}
}
