package dhcp

import (
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/wire"
)

// Config tunes a client. Zero fields take the documented defaults; the
// RFC's values are the defaults wherever it gives one.
type Config struct {
	// Hostname is sent as option 12 when not empty (at most 255 bytes).
	Hostname string
	// ClientID is sent as option 61. Default: hardware type 1 followed by
	// the interface's MAC address (RFC 2132 9.14). At most 255 bytes.
	ClientID []byte
	// ParamRequest is the parameter request list, option 55. Default:
	// subnet mask, router, DNS, NTP, T1 and T2 (1, 3, 6, 42, 58, 59).
	ParamRequest []byte

	// RequestedAddr is an address remembered from an earlier lease (kept
	// in flash, say). With it, Start begins in INIT-REBOOT and asks for it
	// back (RFC 2131 3.2) instead of discovering.
	RequestedAddr netip.Addr

	// Timeout is how long the future returned by Start waits for the first
	// lease before failing with ErrTimeout. The client itself keeps trying.
	// Default 60 s; negative waits forever.
	Timeout time.Duration
	// StartDelay is the upper bound of a random wait before the first
	// DISCOVER. RFC 2131 4.4.1 suggests one to ten seconds so that a
	// building's worth of devices powering up together do not all ask at
	// once; the default is 0 so that a lone device comes up at once.
	StartDelay time.Duration

	// RetransmitBase is the first retransmission interval of DISCOVER and
	// REQUEST; each later one doubles up to RetransmitMax. Defaults 4 s
	// and 64 s (RFC 2131 4.1).
	RetransmitBase, RetransmitMax time.Duration
	// RetransmitJitter randomises each interval by up to ± this much.
	// Default 1 s (RFC 2131 4.1); negative disables it.
	RetransmitJitter time.Duration
	// RequestAttempts is how many times a REQUEST is sent in REQUESTING or
	// REBOOTING before the client gives up on it and starts over. Default 4
	// (sent at 0, 4, 12 and 28 s, given up at about 60 s).
	RequestAttempts int
	// RenewRetryMin is the shortest wait between retransmissions in
	// RENEWING and REBINDING, which otherwise wait half the time left
	// until T2 or expiry. Default 60 s (RFC 2131 4.4.5).
	RenewRetryMin time.Duration

	// ProbeCount is the number of ARP probes (RFC 5227) sent for an
	// acknowledged address before the client takes it; a host that answers
	// or probes for it too makes the client decline it. Default 2;
	// negative skips probing. ProbeInterval separates the probes and
	// follows the last one. Default 1 s.
	//
	// RFC 5227 asks for three probes one to two seconds apart and a two
	// second wait after the last; the defaults trade a little of that
	// certainty for a device that boots in about two seconds.
	ProbeCount    int
	ProbeInterval time.Duration
	// DeclineWait is how long the client waits after declining an address
	// before starting over. Default 10 s (RFC 2131 3.1.5).
	DeclineWait time.Duration

	// LinkCheckInterval is how often the client looks at the link state.
	// When the link comes back after going down, the client confirms its
	// lease with INIT-REBOOT (RFC 2131 3.2) or starts over. The stack
	// has no link-change notification, so this is a poll. Default 1 s;
	// negative disables link watching.
	LinkCheckInterval time.Duration
	// ReleaseLinger bounds how long Release waits for its DHCPRELEASE to
	// leave before it removes the address. Default 1 s.
	ReleaseLinger time.Duration

	// OnChange is called on the reactor goroutine after every change the
	// client makes: bound, renewed, rebound, expired, NAK, declined,
	// released. The Lease is a value; the callback may keep it.
	OnChange func(Lease)

	// Seed seeds transaction IDs and retransmission jitter. Zero takes a
	// seed from crypto/rand; tests set it for repeatability.
	Seed uint64
}

var defaultParamRequest = []byte{
	byte(wire.DHCPv4OptSubnetMask), byte(wire.DHCPv4OptRouter), byte(wire.DHCPv4OptDNS),
	byte(wire.DHCPv4OptNTP), byte(wire.DHCPv4OptRenewalTime), byte(wire.DHCPv4OptRebindingTime),
}

func (c *Config) setDefaults() {
	defDur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	defDur(&c.Timeout, 60*time.Second)
	defDur(&c.RetransmitBase, 4*time.Second)
	defDur(&c.RetransmitMax, 64*time.Second)
	defDur(&c.RetransmitJitter, time.Second)
	defDur(&c.RenewRetryMin, 60*time.Second)
	defDur(&c.ProbeInterval, time.Second)
	defDur(&c.DeclineWait, 10*time.Second)
	defDur(&c.LinkCheckInterval, time.Second)
	defDur(&c.ReleaseLinger, time.Second)
	if c.RequestAttempts == 0 {
		c.RequestAttempts = 4
	}
	if c.ProbeCount == 0 {
		c.ProbeCount = 2
	}
	if c.ParamRequest == nil {
		c.ParamRequest = defaultParamRequest
	}
}

func (c *Config) validate() error {
	switch {
	case len(c.Hostname) > 255, len(c.ClientID) > 255, len(c.ParamRequest) > 255,
		c.ClientID != nil && len(c.ClientID) < 2,
		c.RequestedAddr.IsValid() && !c.RequestedAddr.Is4(),
		c.RetransmitBase < 0, c.RetransmitMax < c.RetransmitBase, c.RetransmitJitter >= c.RetransmitBase,
		c.RequestAttempts < 1, c.RenewRetryMin < 0, c.ProbeInterval < 0,
		c.DeclineWait < 0, c.ReleaseLinger < 0, c.StartDelay < 0:
		return ErrBadConfig
	}
	return nil
}
