package websocket

import (
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
)

// Defaults of Config.
const (
	DefaultMaxMessage   = 64 << 10
	DefaultCloseTimeout = 5 * time.Second
	DefaultBufferSize   = 4 << 10
	DefaultBuffers      = 32
	DefaultMaxConns     = 64

	// MaxMessageLimit caps Config.MaxMessage: 2 GiB - 1, what an int
	// holds on 32-bit targets.
	MaxMessageLimit = 1<<31 - 1
)

// Config sets up a Group. The zero value is sound: 64 KiB messages, a 5 s
// closing handshake, no keep-alive pings, and a pool of 32 buffers of 4 KiB
// (128 KiB at most) for the messages being assembled.
type Config struct {
	// MaxMessage bounds a received message, all its fragments together;
	// a larger one closes the connection with 1009 (CloseMessageTooBig)
	// as soon as a frame header announces it. Default DefaultMaxMessage;
	// at most MaxMessageLimit.
	MaxMessage int

	// MaxConns bounds the Group's open connections. httpd answers an
	// upgrade beyond it with 503 (Group.Full); Adopt beyond it closes the
	// connection with 1013 (try again later). 0 means DefaultMaxConns,
	// negative no limit.
	MaxConns int

	// CloseTimeout bounds the closing handshake: how long the server waits
	// for the peer's close frame after sending its own (and, after a
	// protocol error, for the peer to close TCP) before it drops the TCP
	// connection with a reset. 0 means DefaultCloseTimeout.
	CloseTimeout time.Duration

	// PingInterval makes the server ping a connection that received
	// nothing for between one and two intervals; 0 sends no pings.
	// A connection that then receives nothing, pong or otherwise, for
	// PongTimeout is dropped (a reset, and OnClose with CloseAbnormal:
	// a peer that does not answer will not read a close frame either).
	// PongTimeout 0 means PingInterval.
	PingInterval time.Duration
	PongTimeout  time.Duration

	// Pool lends the buffers in which fragmented messages, and messages
	// that arrive in more than one piece, are assembled. nil makes a
	// tcp.BufferPool of Buffers buffers of BufferSize bytes (defaults
	// DefaultBuffers and DefaultBufferSize) for this Group alone; httpd
	// may pass the pool its connections use. When
	// the pool is empty a connection stops reading until a buffer comes
	// back (TCP flow control holds its peer meanwhile). A message larger
	// than a pool buffer, up to MaxMessage, is assembled in a larger
	// buffer taken from the heap and dropped after delivery, except that
	// the Group keeps the largest one for the next such message.
	Pool       Pool
	BufferSize int
	Buffers    int

	// Recycle reuses the records of ended connections for new ones, so
	// that adopting a connection allocates nothing once the Group has
	// seen its peak. The application then must not use a Conn once its
	// OnClose has returned (nor keep it past then): its record serves a
	// later connection. Without it, a Conn stays valid (and reports
	// itself closed) for as long as it is referenced.
	Recycle bool

	// Clock tells the time inside callbacks, to date timers started there
	// (a Close from OnMessage, a pong): the stack (*stack.Stack) or the
	// reactor's clock. nil dates them by the latest instant given to
	// Poll or Adopt, which may be early.
	Clock Clock
}

// Clock reports the current instant; *stack.Stack and reactor.Clock
// implement it.
type Clock interface {
	Now() reactor.Instant
}

// Waker is woken when a Group needs Poll sooner than its last answer said;
// a *reactor.Handle is one.
type Waker interface {
	Wake()
}

// Pool lends fixed-size buffers: Get returns one of Size bytes, or nil when
// none is free; Put gives one back. *tcp.BufferPool is one.
type Pool interface {
	Get() []byte
	Put([]byte)
	Size() int
}

// Handler is what an application does with a Group's connections. Every
// callback runs on the reactor goroutine; nil ones are skipped.
type Handler struct {
	// OnOpen runs when Adopt takes a connection over, before any of its
	// messages is delivered.
	OnOpen func(c *Conn)

	// OnMessage delivers a whole message: text (valid UTF-8) or binary.
	// msg is valid only during the call (it may be the TCP receive ring
	// itself); copy what must outlive it.
	OnMessage func(c *Conn, text bool, msg []byte)

	// OnWritable runs when the send ring gained room after Send,
	// SendPart or Ping could not take everything, so the application can
	// resume.
	OnWritable func(c *Conn)

	// OnClose runs once per connection, when it closes for the
	// application: code and reason are those of the peer's close frame
	// (CloseNoStatus if it had no code), whether the peer started the
	// closing handshake or answered ours; the code the server sent when
	// it failed the connection for a protocol error (1002, 1007, 1009);
	// or CloseAbnormal when the connection ended without a close frame
	// (TCP closed or reset, the close or pong timeout). reason is valid
	// only during the call. Nothing can be sent from then on.
	OnClose func(c *Conn, code CloseCode, reason []byte)
}

// withDefaults fills in the zero fields.
func (cfg Config) withDefaults() Config {
	if cfg.MaxMessage <= 0 {
		cfg.MaxMessage = DefaultMaxMessage
	}
	cfg.MaxMessage = min(cfg.MaxMessage, MaxMessageLimit)
	if cfg.CloseTimeout <= 0 {
		cfg.CloseTimeout = DefaultCloseTimeout
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.PingInterval < 0 {
		cfg.PingInterval = 0
	}
	if cfg.PongTimeout <= 0 {
		cfg.PongTimeout = cfg.PingInterval
	}
	if cfg.BufferSize <= 0 {
		cfg.BufferSize = DefaultBufferSize
	}
	if cfg.Buffers <= 0 {
		cfg.Buffers = DefaultBuffers
	}
	return cfg
}

var _ Pool = (*tcp.BufferPool)(nil)
