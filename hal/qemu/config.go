package qemu

import (
	"crypto/rand"
	"fmt"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/ringdev"
)

// Defaults and limits for Config.
const (
	// DefaultMTU is a standard Ethernet frame without FCS: IP MTU 1500 + 14.
	DefaultMTU = 1514
	// DefaultSlots is the size of each ring, in frames.
	DefaultSlots = ringdev.DefaultSlots
	// MinMTU is the shortest Ethernet frame without FCS.
	MinMTU = 60
	// MaxMTU is the largest frame one UDP datagram can carry, and so the
	// largest that both forms can.
	MaxMTU = 65507
)

// Config sizes a device. Zero fields take the defaults.
type Config struct {
	// MTU is the largest frame in bytes, Ethernet header included
	// (default 1514). Longer frames from QEMU are a protocol error on a
	// stream and are dropped and counted on datagrams.
	MTU int
	// RxSlots and TxSlots size the receive and transmit rings in frames
	// (default 256 each, rounded up to a power of two).
	RxSlots, TxSlots int
	// HWAddr is the stack's MAC address. Zero picks a random one in
	// 52:54:00, the block QEMU itself uses for its guests' NICs (locally
	// administered, unicast), so captures read naturally.
	HWAddr hal.HardwareAddr
}

func (c Config) withDefaults() (Config, error) {
	if c.MTU == 0 {
		c.MTU = DefaultMTU
	}
	if c.MTU < MinMTU || c.MTU > MaxMTU {
		return c, fmt.Errorf("%w: MTU %d not in [%d, %d]", ErrConfig, c.MTU, MinMTU, MaxMTU)
	}
	var err error
	if c.RxSlots, c.TxSlots, err = ringdev.Slots(c.RxSlots, c.TxSlots); err != nil {
		return c, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if c.HWAddr == (hal.HardwareAddr{}) {
		c.HWAddr = hal.HardwareAddr{0x52, 0x54, 0x00}
		rand.Read(c.HWAddr[3:]) // crypto/rand.Read never fails on supported systems
	}
	return c, nil
}
