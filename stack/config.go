package stack

import (
	"net/netip"
	"time"
)

// Config is a stack's static configuration. Zero fields take the documented
// defaults.
type Config struct {
	// Addr is the interface address and prefix, e.g. 10.77.0.2/24. An invalid
	// prefix leaves the stack unconfigured (it answers nothing until SetAddr).
	Addr netip.Prefix
	// Gateway is the default router; invalid means on-link traffic only.
	Gateway netip.Addr
	// DNS lists name servers for the resolver; the stack only keeps them,
	// at most MaxServers (the first).
	DNS []netip.Addr
	// NTP lists time servers for the SNTP client; the stack only keeps
	// them, at most MaxServers (the first).
	NTP []netip.Addr

	// TTL of packets the stack sends. Default 64.
	TTL uint8

	// ARPCacheSize is the number of neighbour entries. Default 32.
	ARPCacheSize int
	// ARPEntryTTL is how long a resolved entry is trusted. Default 60 s.
	ARPEntryTTL time.Duration
	// ARPRetryInterval is the time between requests for one address. Default 1 s.
	ARPRetryInterval time.Duration
	// ARPRetries is the number of requests before giving up. Default 3.
	ARPRetries int
	// ARPPendingPackets bounds the packets (of link MTU each, preallocated)
	// held while their next hop is resolved. Default 8.
	ARPPendingPackets int
	// GratuitousARPs is the number of gratuitous ARP announcements sent when
	// the address is configured or the link comes up. Default 2; negative
	// sends none.
	GratuitousARPs int

	// ReassemblySlots is the number of IPv4 datagrams reassembled at once.
	// Default 2; negative disables reassembly (fragments are dropped).
	ReassemblySlots int
	// ReassemblyMaxSize is the largest reassembled datagram payload, in
	// bytes; each slot preallocates this much. Default 8192, at most 65515.
	ReassemblyMaxSize int
	// ReassemblyTimeout drops an incomplete datagram. Default 30 s.
	ReassemblyTimeout time.Duration

	// MaxFramesPerPoll bounds frames received (and, separately, sent) per
	// poll. Default 32.
	MaxFramesPerPoll int
	// ICMPErrorsPerSecond rate-limits ICMP error messages (RFC 1812 4.3.2.8).
	// Default 100; negative disables ICMP errors.
	ICMPErrorsPerSecond int

	// EphemeralPorts is the range port-0 binds pick from, randomly.
	// Default 49152-65535 (RFC 6335).
	EphemeralFirst, EphemeralLast uint16

	// Resources, if set, is the memory the stack uses instead of
	// allocating its own: TCP connection records, the ARP cache, the
	// pending packets and the reassembly slots, sized by its Sizes (which
	// then replace ARPCacheSize, ARPPendingPackets, ReassemblySlots and
	// ReassemblyMaxSize). See Resources for what it changes.
	Resources *Resources

	// Seed seeds the stack's random choices (ephemeral ports, IP IDs). Zero
	// takes a seed from crypto/rand; simulations set it for repeatability.
	Seed uint64
}

const maxIPv4Payload = 65535 - 20

func (c *Config) setDefaults() {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if c.TTL == 0 {
		c.TTL = 64
	}
	def(&c.ARPCacheSize, 32)
	defDur(&c.ARPEntryTTL, 60*time.Second)
	defDur(&c.ARPRetryInterval, time.Second)
	def(&c.ARPRetries, 3)
	def(&c.ARPPendingPackets, 8)
	def(&c.GratuitousARPs, 2)
	def(&c.ReassemblySlots, 2)
	def(&c.ReassemblyMaxSize, 8192)
	if c.ReassemblyMaxSize > maxIPv4Payload {
		c.ReassemblyMaxSize = maxIPv4Payload
	}
	defDur(&c.ReassemblyTimeout, 30*time.Second)
	def(&c.MaxFramesPerPoll, 32)
	def(&c.ICMPErrorsPerSecond, 100)
	if c.EphemeralFirst == 0 && c.EphemeralLast == 0 {
		c.EphemeralFirst, c.EphemeralLast = 49152, 65535
	}
	if c.ARPCacheSize < 1 {
		c.ARPCacheSize = 1
	}
	if c.ARPPendingPackets < 0 {
		c.ARPPendingPackets = 0
	}
}

func (c *Config) validate() error {
	if c.Addr.IsValid() && !c.Addr.Addr().Is4() {
		return ErrBadConfig
	}
	if c.Gateway.IsValid() && !c.Gateway.Is4() {
		return ErrBadConfig
	}
	if c.EphemeralFirst == 0 || c.EphemeralFirst > c.EphemeralLast {
		return ErrBadConfig
	}
	return nil
}
