package ringdev

import (
	"fmt"
	"sync/atomic"

	"github.com/seed947b3480/legation/hal"
)

// wakerBox lets a Waker interface value sit behind an atomic pointer: the
// driver goroutines read it for every frame while the reactor may replace it.
type wakerBox struct{ w hal.Waker }

// Driver is the driver goroutines' handle on a port. Exactly one receive
// goroutine may call LeaseRx and Received, and exactly one transmit goroutine
// NextTx, ReleaseTx, WaitTx and RunTx; SetLink, Wake, RxError, Stats and
// Rings are safe from any goroutine.
type Driver struct {
	// rx: the receive goroutine produces, the reactor consumes.
	// tx: the reactor produces, the transmit goroutine consumes.
	rx, tx *hal.Ring
	// mtu is the longest frame either way; headroom is the space in front
	// of each transmit frame that the writer may fill (a length prefix).
	mtu, headroom int

	// txSignal tells the transmit goroutine that tx has frames. Capacity 1
	// and a non-blocking send: one pending signal covers any number of
	// commits, because the goroutine drains the whole ring per signal.
	txSignal chan struct{}
	// txBlocked is set by Transmit when the ring was full and cleared by
	// ReleaseTx when it frees a slot, so the reactor is woken exactly when
	// transmit room appears rather than once per frame.
	txBlocked atomic.Bool

	waker atomic.Pointer[wakerBox]
	link  atomic.Uint32 // a hal.LinkState

	n counters
}

// New makes a port over the driver's rings: frames of up to mtu bytes, and
// headroom bytes in front of every transmit frame for the writer. The link
// starts down. New panics if a receive slot is shorter than mtu or a
// transmit slot shorter than headroom+mtu: ring sizes are the driver's own
// arithmetic, not input.
func New(rx, tx *hal.Ring, mtu, headroom int) *Driver {
	if mtu <= 0 || headroom < 0 || rx.SlotSize() < mtu || tx.SlotSize() < headroom+mtu {
		panic(fmt.Sprintf("ringdev: slots of %d (rx) and %d (tx) bytes cannot carry %d-byte frames after %d bytes of headroom",
			rx.SlotSize(), tx.SlotSize(), mtu, headroom))
	}
	return &Driver{
		rx:       rx,
		tx:       tx,
		mtu:      mtu,
		headroom: headroom,
		txSignal: make(chan struct{}, 1),
	}
}

// Port returns the reactor's half, to embed in the driver's Device.
func (d *Driver) Port() Port { return Port{d} }

// Rings returns the rings given to New, for looking at (Cap, Len); leasing
// and peeking are the port's.
func (d *Driver) Rings() (rx, tx *hal.Ring) { return d.rx, d.tx }

// Wake wakes the reactor, if a waker is registered.
func (d *Driver) Wake() {
	if b := d.waker.Load(); b != nil {
		b.w.Wake()
	}
}

// SetLink sets the link state and wakes the reactor if it changed. Transmit
// refuses while the link is not up.
func (d *Driver) SetLink(s hal.LinkState) {
	if hal.LinkState(d.link.Swap(uint32(s))) != s {
		d.Wake()
	}
}
