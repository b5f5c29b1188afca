// Package hal is the device contract between legation's network stack and the
// hardware (or host facility) that moves Ethernet frames: a NIC driver, a
// Linux TAP device, QEMU's netdev socket, or the in-memory link used by tests.
//
// The contract is deliberately as small as embassy-net-driver's: a device
// lends receive buffers (lease, then release) and transmit buffers (lease,
// then commit), reports its capabilities, link state and hardware address,
// and wakes the reactor when something changed. Buffers are lent rather than
// passed to closures because a closure through an interface escapes to the
// heap; lending keeps every per-frame path allocation-free.
//
// A Device is used from one goroutine only (the reactor's). Drivers that own
// a goroutine of their own (TAP, QEMU) exchange frames with the reactor through
// Ring, a fixed-slot single-producer/single-consumer ring that needs no locks.
//
// This package imports only the standard library. It does not read the clock:
// middleware that needs time (the fault injector's delay) implements Clocked
// and is given the current instant by the stack.
package hal

// HardwareAddr is an IEEE 802 MAC-48 address.
type HardwareAddr [6]byte

// LinkState reports whether the link can carry frames.
type LinkState uint8

const (
	LinkDown LinkState = iota
	LinkUp
)

func (s LinkState) String() string {
	if s == LinkUp {
		return "up"
	}
	return "down"
}

// Checksum offload bits for Capabilities.
type Offload uint8

const (
	// OffloadRxIPv4 means the device verified IPv4 header checksums of received frames.
	OffloadRxIPv4 Offload = 1 << iota
	// OffloadRxL4 means the device verified TCP/UDP/ICMP checksums of received frames.
	OffloadRxL4
	// OffloadTxIPv4 means the device fills IPv4 header checksums of transmitted frames.
	OffloadTxIPv4
	// OffloadTxL4 means the device fills TCP/UDP/ICMP checksums of transmitted frames.
	OffloadTxL4
)

// Capabilities describes what a device can carry.
type Capabilities struct {
	// MTU is the largest Ethernet frame the device carries, header included
	// and FCS excluded: 1514 for a standard Ethernet link with IP MTU 1500.
	MTU int
	// Offload lists the checksum work the device does itself.
	Offload Offload
}

// Device is one Ethernet interface. All methods are called from the reactor's
// goroutine; none blocks.
type Device interface {
	// Receive lends the next received frame. ok is false when none is waiting.
	// The frame stays valid until ReleaseRx; the caller must release it before
	// calling Receive again.
	Receive() (frame []byte, ok bool)
	// ReleaseRx returns the frame lent by the last Receive to the device.
	ReleaseRx()

	// Transmit lends a buffer of Capabilities().MTU bytes for the next frame to
	// send. ok is false when the device has no room: a device never lends a
	// transmit buffer it cannot send. The caller must Commit before calling
	// Transmit again.
	Transmit() (buf []byte, ok bool)
	// Commit sends the first n bytes of the buffer lent by Transmit.
	// Commit(0) abandons the buffer without sending.
	Commit(n int)

	Capabilities() Capabilities
	LinkState() LinkState
	HardwareAddr() HardwareAddr

	// SetWaker registers who to wake when a frame arrives, transmit room frees
	// up or the link state changes. The device may call w.Wake from any
	// goroutine. Passing nil unregisters.
	SetWaker(w Waker)
}

// Waker is how a device (or any other goroutine) tells the reactor that
// something needs attention. Wake must be safe to call from any goroutine,
// must not block and must not allocate.
type Waker interface {
	Wake()
}

// Clocked is implemented by devices and middleware that hold frames until a
// later instant (the fault injector's delay and reorder). The stack calls Tick
// with the current instant, in nanoseconds of the reactor's clock, at the start
// of each poll; Tick answers the instant at which it next needs a poll, or
// ok=false if it needs none. Middleware that wraps a Clocked device forwards
// Tick to it and answers the earlier of the two.
type Clocked interface {
	Tick(nowNanos int64) (nextNanos int64, ok bool)
}

// Closer is implemented by devices that own OS resources or goroutines.
type Closer interface {
	Close() error
}
