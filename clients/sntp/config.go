package sntp

import (
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// MinPollInterval is the shortest time between the starts of two rounds:
// RFC 4330 section 10 forbids polling a server more often than every 15 s.
// Retransmissions within a round do not count.
const MinPollInterval = 16 * time.Second

// Config tunes a client. Zero fields take the documented defaults.
type Config struct {
	// Servers are the NTP servers to ask, in order of preference. Nil
	// means the stack's list (stack.NTP, which DHCP fills), read again at
	// the start of every round.
	Servers []netip.Addr
	// Port is the servers' UDP port. Default 123.
	Port uint16
	// MaxServers bounds the servers the client keeps state for; further
	// ones are ignored. Default 4.
	MaxServers int

	// Timeout is how long the first request to a server waits for its
	// reply; each retransmission waits twice as long as the one before,
	// every wait randomised by ±25%. Default 2 s.
	Timeout time.Duration
	// Attempts is the number of requests sent to one server in a round
	// before failing over to the next. Default 3.
	Attempts int

	// PollInterval is the time between periodic rounds (after Start), each
	// randomised upwards by up to 25%. Default 64 s; at least
	// MinPollInterval.
	PollInterval time.Duration
	// MaxPollInterval caps the poll interval that RATE kiss-o'-deaths
	// double. Default 1024 s; at least PollInterval.
	MaxPollInterval time.Duration

	// EraFloor is a time the true time is known to be later than, such as
	// the firmware's build date. While the reactor's clock reads earlier
	// (a device without a real-time clock), NTP timestamps are placed in
	// the 136 years from the floor on instead of within 68 years of the
	// reactor's clock. Default 2025-01-01 UTC.
	EraFloor time.Time

	// Socket sizes the client's UDP socket. Default: 1 KiB and 8 slots to
	// receive, 256 bytes and 2 slots to send.
	Socket udp.Config

	// Seed seeds the request nonces and the randomised intervals. Zero
	// takes a seed from crypto/rand; tests set it for repeatability.
	Seed uint64
}

func (c *Config) setDefaults() {
	if c.Port == 0 {
		c.Port = wire.NTPPort
	}
	if c.MaxServers <= 0 {
		c.MaxServers = 4
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Second
	}
	if c.Attempts <= 0 {
		c.Attempts = 3
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 64 * time.Second
	}
	c.PollInterval = max(c.PollInterval, MinPollInterval)
	if c.MaxPollInterval <= 0 {
		c.MaxPollInterval = 1024 * time.Second
	}
	c.MaxPollInterval = max(c.MaxPollInterval, c.PollInterval)
	if c.EraFloor.IsZero() {
		c.EraFloor = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if c.Socket.RxBuffer == nil {
		c.Socket.RxBuffer = make([]byte, 1024)
	}
	if c.Socket.RxSlots <= 0 {
		c.Socket.RxSlots = 8
	}
	if c.Socket.TxBuffer == nil {
		c.Socket.TxBuffer = make([]byte, 256)
	}
	if c.Socket.TxSlots <= 0 {
		c.Socket.TxSlots = 2
	}
}
