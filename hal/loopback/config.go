package loopback

import "github.com/seed947b3480/legation/hal"

// Defaults for the zero Config fields.
const (
	// DefaultMTU is a standard Ethernet frame without FCS: IP MTU 1500 + 14.
	DefaultMTU = 1514
	// DefaultSlots is the receive ring size of each end.
	DefaultSlots = 64
)

// Default hardware addresses: locally administered, unicast.
var (
	DefaultAddrA = hal.HardwareAddr{0x02, 0, 0, 0, 0, 0x01}
	DefaultAddrB = hal.HardwareAddr{0x02, 0, 0, 0, 0, 0x02}
)

// Config sizes a link. Zero fields take the defaults above.
type Config struct {
	// MTU is the largest frame, in bytes, header included (default 1514).
	MTU int
	// Slots is the number of frames each direction can hold in flight
	// (default 64, rounded up to a power of two).
	Slots int
	// A and B are the ends' hardware addresses.
	A, B hal.HardwareAddr
}

func (c Config) withDefaults() Config {
	if c.MTU <= 0 {
		c.MTU = DefaultMTU
	}
	if c.Slots <= 0 {
		c.Slots = DefaultSlots
	}
	if c.A == (hal.HardwareAddr{}) {
		c.A = DefaultAddrA
	}
	if c.B == (hal.HardwareAddr{}) {
		c.B = DefaultAddrB
	}
	return c
}
