package http

import (
	"time"

	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
)

// Defaults of Config.
const (
	DefaultMaxConns        = 8
	DefaultMaxConnsPerHost = 2
	DefaultMaxIdleConns    = 4
	DefaultMaxQueued       = 32
	DefaultIdleTimeout     = 30 * time.Second
	DefaultConnectTimeout  = 10 * time.Second
	DefaultHeaderTimeout   = 30 * time.Second
	DefaultIOTimeout       = 30 * time.Second
	DefaultMaxRedirects    = 10
	DefaultMaxHeaderBytes  = 8 << 10
	DefaultMaxHeaders      = 64
	DefaultMaxURL          = 2048
	DefaultMaxDrain        = 64 << 10
	DefaultUserAgent       = "legation"
)

// Host is what the client needs from the network stack, a way to dial TCP
// for the default Dialer; *stack.Stack satisfies it. The client takes its
// instants from its own Poll, which the reactor calls with its clock.
type Host = stream.TCPHost

// Config tunes a Client. Zero fields take the documented defaults; for the
// durations and counts where it makes sense, a negative value turns the
// limit off.
type Config struct {
	// Resolver resolves host names; nil limits the client to URLs whose
	// host is an address literal (others fail with ErrNoResolver). Only
	// IPv4 addresses are asked for, as the stack speaks IPv4.
	Resolver *dns.Resolver

	// Dialer opens the streams of http:// URLs. nil: plain TCP over the
	// host with TCP, &stream.TCP{Host: host, Config: TCP}.
	Dialer stream.Dialer
	// TLSDialer opens the streams of https:// URLs, with the URL's host as
	// the server name. nil: https URLs fail with ErrNoTLS.
	TLSDialer stream.Dialer
	// TCP configures the connections the default Dialer opens. Its
	// RxBuffer and TxBuffer must be nil (each connection gets its own
	// rings, or borrows them from TCP.Pool, which suits a client with
	// several idle keep-alive connections). Nagle's algorithm is turned
	// off (NoDelay), as net/http does, unless Nagle is set.
	TCP   tcp.Config
	Nagle bool

	// MaxConns bounds the open connections, over all hosts. Default 8.
	MaxConns int
	// MaxConnsPerHost bounds the connections to one scheme, host and port.
	// Default 2.
	MaxConnsPerHost int
	// MaxIdleConns bounds the keep-alive connections kept open between
	// requests, over all hosts; negative keeps none. Default 4.
	MaxIdleConns int
	// MaxQueued bounds the requests waiting for a connection (every
	// connection to their origin busy): Do refuses a request with
	// ErrQueueFull when MaxQueued+MaxConns requests are queued (a burst of
	// Do calls waits in the queue until the client's next turn, so the
	// connections' share counts too). Default 32.
	MaxQueued int
	// DisableKeepAlives sends "Connection: close" and uses each connection
	// for one request.
	DisableKeepAlives bool

	// IdleTimeout closes a keep-alive connection unused for that long.
	// Default 30 s, under the 60 s that servers/httpd (and many servers)
	// wait, so the client usually closes first; negative: never.
	IdleTimeout time.Duration
	// ConnectTimeout bounds opening a connection, from the dial to the
	// stream being ready (the TCP handshake, and TLS's). Default 10 s.
	ConnectTimeout time.Duration
	// HeaderTimeout bounds the wait for the response head, from the last
	// byte of the request handed to the stream to the end of the head.
	// Default 30 s.
	HeaderTimeout time.Duration
	// IOTimeout bounds a stall while the request is sent or the body
	// received: no byte taken or arriving for that long. Default 30 s.
	IOTimeout time.Duration
	// Timeout bounds a request as a whole, from Do to the last byte of the
	// body, redirects and retries included. Default none; Request.Timeout
	// overrides it for one request.
	Timeout time.Duration

	// MaxRedirects bounds the redirects followed for one request; one
	// more fails with ErrTooManyRedirects. Default 10. NoRedirects (or a
	// negative MaxRedirects) returns every 3xx response as it is.
	MaxRedirects int
	NoRedirects  bool

	// MaxHeaderBytes bounds the response head and its trailers together
	// (a longer one fails with ErrHeadTooLarge); it is the size of the
	// buffer each Request gets on its first Do. Default 8 KiB.
	MaxHeaderBytes int
	// MaxHeaders bounds the header fields (and trailer fields) of a
	// response. Default 64.
	MaxHeaders int
	// MaxURL bounds a URL, the one given and those redirects lead to.
	// Default 2048.
	MaxURL int
	// MaxDrain is how much of a response body the client reads and throws
	// away to keep the connection (a redirect's body, the rest of a body
	// whose OnData failed); beyond it the connection is closed instead.
	// Default 64 KiB.
	MaxDrain int64

	// UserAgent is sent unless the request has a User-Agent field.
	// Default "legation"; "-" sends none.
	UserAgent string
}

func (c *Config) setDefaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.MaxConns, DefaultMaxConns)
	def(&c.MaxConnsPerHost, DefaultMaxConnsPerHost)
	def(&c.MaxIdleConns, DefaultMaxIdleConns)
	def(&c.MaxQueued, DefaultMaxQueued)
	def(&c.MaxRedirects, DefaultMaxRedirects)
	def(&c.MaxHeaderBytes, DefaultMaxHeaderBytes)
	def(&c.MaxHeaders, DefaultMaxHeaders)
	def(&c.MaxURL, DefaultMaxURL)
	defDur(&c.IdleTimeout, DefaultIdleTimeout)
	defDur(&c.ConnectTimeout, DefaultConnectTimeout)
	defDur(&c.HeaderTimeout, DefaultHeaderTimeout)
	defDur(&c.IOTimeout, DefaultIOTimeout)
	if c.MaxDrain == 0 {
		c.MaxDrain = DefaultMaxDrain
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.MaxConns < 1 {
		c.MaxConns = 1
	}
	if c.MaxConnsPerHost < 1 {
		c.MaxConnsPerHost = 1
	}
	if c.MaxIdleConns < 0 || c.DisableKeepAlives {
		c.MaxIdleConns = 0
	}
	if c.MaxQueued < 0 {
		c.MaxQueued = 0
	}
	if c.MaxRedirects < 0 {
		c.NoRedirects = true
	}
	// Room for a status line and a few fields, and a sane field count.
	c.MaxHeaderBytes = max(c.MaxHeaderBytes, 256)
	c.MaxHeaders = max(c.MaxHeaders, 4)
	c.MaxURL = max(c.MaxURL, 64)
	c.MaxURL = min(c.MaxURL, 1<<16-1)
	c.MaxHeaderBytes = min(c.MaxHeaderBytes, 1<<24)
}

// deadline returns now+d, or Never for a negative d (no limit).
func deadline(now reactor.Instant, d time.Duration) reactor.Instant {
	if d <= 0 {
		return reactor.Never
	}
	return now.Add(d)
}
