package dns

import (
	"net/netip"
	"time"
)

// Limits fixed at compile time, because they size arrays that a Result or a
// query carries by value.
const (
	// MaxAddrs is the most addresses a Result holds; further records in an
	// answer are ignored (and counted in Stats.AddrsDropped).
	MaxAddrs = 8
	// MaxServers is the most name servers used; further ones are ignored.
	MaxServers = 8
	// maxMessage is the largest DNS message over UDP without EDNS(0)
	// (RFC 1035 2.3.4); a longer one arrives with TC set.
	maxMessage = 512
	// maxTCPMessage is the most a TCP length prefix can announce
	// (RFC 1035 4.2.2).
	maxTCPMessage = 65535
)

// Config tunes a Resolver. Zero fields take the documented defaults.
type Config struct {
	// Servers are the name servers to ask, in order of preference. Empty:
	// the stack's DNS list (Host.DNS) at port 53, read when each lookup
	// starts, so a DHCP lease that changes it takes effect at once.
	Servers []netip.AddrPort

	// Timeout is how long the first send waits for an answer. Each round
	// through the servers doubles it, up to MaxTimeout, and every wait is
	// randomised by ±25% so that many devices do not retry in step.
	// Default 1 s.
	Timeout time.Duration
	// MaxTimeout caps a single wait. Default 8 s.
	MaxTimeout time.Duration
	// Attempts is the number of sends per question, over all servers, before
	// the lookup fails with ErrTimeout (or the last server error). Default 4.
	Attempts int

	// MaxQueries bounds the questions in flight at once; a lookup that would
	// exceed it fails at once with ErrTooManyQueries. LookupHost asks two
	// questions (A and AAAA) unless the cache answers one. Default 8.
	MaxQueries int
	// Sockets is the number of UDP sockets, one per question in flight:
	// each question rebinds an idle one to a fresh random ephemeral port.
	// At least MaxQueries, which is the default; more cost memory and buy
	// nothing. Each one holds RxBuffer bytes of receive buffer and 1 KiB of
	// send buffer.
	Sockets int
	// RxBuffer is the receive buffer of each socket, in bytes. At least 512
	// (one maximal answer); default 1024.
	RxBuffer int

	// CacheEntries is the number of answers cached (one per name and type);
	// the least recently used is evicted. Default 32; negative disables the
	// cache.
	CacheEntries int
	// MaxTTL caps how long a positive answer is cached. Default 24 h.
	MaxTTL time.Duration
	// MaxNegativeTTL caps how long NXDOMAIN and NODATA answers are cached
	// (RFC 2308 5). Default 1 h.
	MaxNegativeTTL time.Duration

	// MaxTCPMessage is the longest answer taken over TCP, in bytes. A
	// truncated (TC) answer over UDP is asked for again over TCP, from the
	// same server (RFC 7766); a longer answer fails with ErrTCPTooLarge.
	// Default 65535, the most a TCP length prefix can announce; at least
	// 512. Negative turns the TCP fallback off: a truncated answer then
	// fails with ErrTruncated, as it does on a Host that cannot dial TCP.
	MaxTCPMessage int
	// TCPConns bounds the TCP fallbacks at once; further ones wait for a
	// connection to finish. Each holds a buffer of MaxTCPMessage bytes and
	// 4.5 KiB of TCP rings, allocated by New (only if the fallback is on).
	// Default 1.
	TCPConns int
	// TCPTimeout bounds a TCP fallback, from the truncated answer to the
	// last byte of the whole one: the wait for a free connection, the
	// handshake, the query and the answer. When it runs out the server
	// counts as failed with ErrTCPTimeout. Default 5 s.
	TCPTimeout time.Duration

	// MaxCNAMEHops bounds the CNAME records followed for one lookup, within
	// one answer and across the questions asked for a chain's target.
	// Default 8.
	MaxCNAMEHops int

	// Seed seeds the transaction IDs and the backoff randomisation (source
	// ports are drawn by the stack, from its own seed). Zero takes a seed
	// from crypto/rand; tests set it for repeatability. Never set it in
	// production: predictable IDs invite spoofed answers.
	Seed uint64
}

func (c *Config) setDefaults() {
	dur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	num := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	dur(&c.Timeout, time.Second)
	dur(&c.MaxTimeout, 8*time.Second)
	if c.MaxTimeout < c.Timeout {
		c.MaxTimeout = c.Timeout
	}
	num(&c.Attempts, 4)
	num(&c.MaxQueries, 8)
	num(&c.Sockets, c.MaxQueries)
	if c.Sockets < c.MaxQueries {
		c.Sockets = c.MaxQueries
	}
	num(&c.RxBuffer, 1024)
	if c.RxBuffer < maxMessage {
		c.RxBuffer = maxMessage
	}
	if c.CacheEntries == 0 {
		c.CacheEntries = 32
	}
	if c.CacheEntries < 0 {
		c.CacheEntries = 0
	}
	dur(&c.MaxTTL, 24*time.Hour)
	dur(&c.MaxNegativeTTL, time.Hour)
	num(&c.MaxCNAMEHops, 8)
	switch {
	case c.MaxTCPMessage == 0 || c.MaxTCPMessage > maxTCPMessage:
		c.MaxTCPMessage = maxTCPMessage
	case c.MaxTCPMessage < 0:
		c.MaxTCPMessage = -1
	case c.MaxTCPMessage < maxMessage:
		c.MaxTCPMessage = maxMessage
	}
	num(&c.TCPConns, 1)
	dur(&c.TCPTimeout, 5*time.Second)
}
