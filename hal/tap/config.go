package tap

import (
	"crypto/rand"
	"fmt"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/ringdev"
)

// Defaults for the zero Config fields.
const (
	// DefaultMTU is the IP MTU of a standard Ethernet link.
	DefaultMTU = 1500
	// DefaultSlots is the size of each ring, in frames.
	DefaultSlots = ringdev.DefaultSlots
	// ethHeader is the Ethernet II header without VLAN tag and FCS: the
	// difference between the IP MTU and the largest frame.
	ethHeader = 14
	// maxMTU keeps the largest frame inside one 64 KiB read.
	maxMTU = 65535 - ethHeader
	// minMTU is IPv4's minimum (RFC 791).
	minMTU = 68
	// ifNameSize is IFNAMSIZ, terminating NUL included.
	ifNameSize = 16
)

// Config describes the interface to open. Zero fields take the defaults.
type Config struct {
	// Name is the interface name, e.g. "tap0". An existing tap interface of
	// that name is attached to; otherwise one is created, and it disappears
	// again when the device is closed. Empty lets the kernel pick ("tapN").
	Name string
	// MTU is the IP MTU (default 1500): frames up to MTU+14 bytes are
	// carried, longer ones received from the kernel are dropped and counted.
	// It should match the MTU the kernel side is configured with.
	MTU int
	// RxSlots and TxSlots size the receive and transmit rings in frames
	// (default 256 each, rounded up to a power of two).
	RxSlots, TxSlots int
	// HWAddr is the stack's own MAC address, the source of the frames it
	// sends; it is not the kernel interface's address. Zero picks a random
	// locally administered unicast address.
	HWAddr hal.HardwareAddr
	// Netns, if set, names a network namespace under /var/run/netns (as made
	// by `ip netns add`), or is an absolute path to a namespace file such as
	// /proc/PID/ns/net. The tap fd is opened inside it: a tap fd belongs to
	// the namespace it was opened in, wherever it is used from later.
	Netns string
}

func (c Config) withDefaults() (Config, error) {
	if c.MTU == 0 {
		c.MTU = DefaultMTU
	}
	if c.MTU < minMTU || c.MTU > maxMTU {
		return c, fmt.Errorf("%w: MTU %d not in [%d, %d]", ErrConfig, c.MTU, minMTU, maxMTU)
	}
	if len(c.Name) >= ifNameSize {
		return c, fmt.Errorf("%w: interface name %q longer than %d bytes", ErrConfig, c.Name, ifNameSize-1)
	}
	var err error
	if c.RxSlots, c.TxSlots, err = ringdev.Slots(c.RxSlots, c.TxSlots); err != nil {
		return c, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if c.HWAddr == (hal.HardwareAddr{}) {
		c.HWAddr = randomLAA()
	}
	return c, nil
}

// randomLAA returns a random locally administered unicast MAC address.
func randomLAA() hal.HardwareAddr {
	var a hal.HardwareAddr
	rand.Read(a[:])          // crypto/rand.Read never fails on supported systems
	a[0] = a[0]&^0x01 | 0x02 // unicast, locally administered
	return a
}
