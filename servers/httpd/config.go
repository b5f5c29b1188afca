package httpd

import (
	"time"

	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

// Config sets the server's limits and timeouts. The zero value is a sound
// server for a small device; every field has a documented default.
type Config struct {
	// MaxConns bounds open connections. A connection beyond it is answered
	// 503 and closed. Default 64.
	MaxConns int
	// MaxActive bounds requests in progress at once: each holds a buffer of
	// BufferSize bytes lent from the server's pool. When every buffer is
	// lent, the connection that has been sending its head the longest is
	// answered 408 and closed, so slow clients cannot starve new ones.
	// Default 16.
	MaxActive int
	// BufferSize is the buffer lent to each request: it holds the request
	// head, and a body for a Handler (StreamHandlers get theirs in pieces).
	// It bounds the head: a longer head is refused with 431. Default 4096.
	BufferSize int
	// MaxHeaders bounds the header fields of a request; more is 431.
	// Default 32.
	MaxHeaders int
	// MaxURI bounds the request target; longer is 414. Default 2048.
	MaxURI int
	// MaxBody bounds a request body passed to a StreamHandler that sets no
	// limit of its own; larger is 413. Default 1 MiB. A Handler's body
	// must also fit its request buffer.
	MaxBody int64
	// HeaderTimeout bounds the time from a request's first byte to the end
	// of its head; a client slower than that is answered 408. Default 10 s.
	HeaderTimeout time.Duration
	// IOTimeout bounds a stall while a body is received or a response is
	// sent: no byte in or out for that long ends the exchange (408 if the
	// body stalled, a reset if the client stopped reading). Default 30 s.
	IOTimeout time.Duration
	// IdleTimeout closes a keep-alive connection with no request for that
	// long. Default 60 s.
	IdleTimeout time.Duration
	// MaxRequestsPerConn closes a connection after that many requests
	// (0: no limit).
	MaxRequestsPerConn int
	// TLS, when set, makes the server speak HTTPS: each connection runs
	// a handshake (TLS 1.3 with a *tlsstream.Acceptor, package
	// tlsx/tlsstream) before its first request, and everything else
	// (keep-alive, streaming, static resources, WebSocket upgrades) runs
	// unchanged inside the session. Listen checks it first (Prepare). The
	// handshake counts against HeaderTimeout: a client must finish it and
	// start its first request within HeaderTimeout of the accept (as a
	// plain client must start its request), or it is dropped. ALPN offers
	// "http/1.1" unless the Securer's configuration says otherwise. A
	// refusal at MaxConns is a plain close (no 503: answering would cost a
	// handshake). nil: plain HTTP.
	TLS Securer
	// Listen configures the TCP listener: backlog, SYN cookies, buffers.
	// Unless it names buffer sizes or a Pool of its own, connections
	// borrow their TCP buffers from a tcp.BufferPool of
	// tcp.DefaultBufferSize buffers (at most 2*MaxConns), so an idle
	// keep-alive connection holds no TCP buffer either.
	Listen stack.ListenConfig
}

// Defaults of Config.
const (
	DefaultMaxConns      = 64
	DefaultMaxActive     = 16
	DefaultBufferSize    = 4096
	DefaultMaxHeaders    = 32
	DefaultMaxURI        = 2048
	DefaultMaxBody       = 1 << 20
	DefaultHeaderTimeout = 10 * time.Second
	DefaultIOTimeout     = 30 * time.Second
	DefaultIdleTimeout   = 60 * time.Second

	// minBufferSize leaves room for a plausible head.
	minBufferSize = 256
)

func (c Config) withDefaults() Config {
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxActive <= 0 {
		c.MaxActive = DefaultMaxActive
	}
	if c.BufferSize <= 0 {
		c.BufferSize = DefaultBufferSize
	}
	c.BufferSize = max(c.BufferSize, minBufferSize)
	if c.MaxHeaders <= 0 {
		c.MaxHeaders = DefaultMaxHeaders
	}
	if c.MaxURI <= 0 {
		c.MaxURI = DefaultMaxURI
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.HeaderTimeout <= 0 {
		c.HeaderTimeout = DefaultHeaderTimeout
	}
	if c.IOTimeout <= 0 {
		c.IOTimeout = DefaultIOTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	l := &c.Listen
	if l.Pool == nil && l.RxBufferSize == 0 && l.TxBufferSize == 0 {
		l.Pool = tcp.NewBufferPool(tcp.DefaultBufferSize, 2*c.MaxConns)
	}
	return c
}
