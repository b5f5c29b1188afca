package tap

import (
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/seed947b3480/legation/hal"
)

// wakerBox lets a Waker interface value sit behind an atomic pointer: the
// driver goroutines read it for every frame while the reactor may replace it.
type wakerBox struct{ w hal.Waker }

// Device is an open tap interface. The hal.Device methods are called from
// the reactor's goroutine only; Stats, Name and Close from any goroutine.
type Device struct {
	name     string
	addr     hal.HardwareAddr
	maxFrame int // MTU + Ethernet header

	file *os.File
	raw  syscall.RawConn

	// rx: the receive goroutine produces, the reactor consumes.
	// tx: the reactor produces, the transmit goroutine consumes.
	rx, tx *hal.Ring
	// txSignal tells the transmit goroutine that tx has frames. Capacity 1
	// and a non-blocking send: one pending signal covers any number of
	// commits, because the goroutine drains the whole ring per signal.
	txSignal chan struct{}
	// txBlocked is set by Transmit when the ring was full and cleared by the
	// transmit goroutine when it frees a slot, so the reactor is woken
	// exactly when transmit room appears rather than once per frame.
	txBlocked atomic.Bool

	waker  atomic.Pointer[wakerBox]
	link   atomic.Uint32 // a hal.LinkState
	closed atomic.Bool
	done   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once

	r reader // the receive goroutine's state; see rx_linux.go

	n counters
}

var (
	_ hal.Device = (*Device)(nil)
	_ hal.Closer = (*Device)(nil)
)

// Name reports the kernel's name for the interface (useful when
// Config.Name was empty or a pattern like "tap%d").
func (d *Device) Name() string { return d.name }

// Stats returns a snapshot of the counters. Safe from any goroutine.
func (d *Device) Stats() Stats { return d.n.snapshot() }

// Receive lends the oldest received frame, in place in the receive ring.
func (d *Device) Receive() ([]byte, bool) { return d.rx.Peek() }

// ReleaseRx gives the frame lent by Receive back to the receive goroutine.
func (d *Device) ReleaseRx() { d.rx.Release() }

// Transmit lends the next transmit slot, MTU+14 bytes long. It fails when
// the ring is full (the reactor is woken when room appears), when the link is
// down and after Close.
func (d *Device) Transmit() ([]byte, bool) {
	if hal.LinkState(d.link.Load()) != hal.LinkUp {
		return nil, false
	}
	buf, ok := d.tx.Lease()
	if !ok {
		// Announce the wait, then look again: the transmit goroutine may
		// have freed a slot between the failed Lease and the Store, and it
		// only wakes us if it sees the flag.
		d.txBlocked.Store(true)
		if buf, ok = d.tx.Lease(); !ok {
			return nil, false
		}
	}
	return buf[:d.maxFrame], true
}

// Commit queues the first n bytes of the buffer lent by Transmit.
func (d *Device) Commit(n int) {
	if n <= 0 {
		return
	}
	d.tx.Commit(n)
	select {
	case d.txSignal <- struct{}{}:
	default:
	}
}

// Capabilities reports the largest frame; no checksum offload.
func (d *Device) Capabilities() hal.Capabilities { return hal.Capabilities{MTU: d.maxFrame} }

// LinkState is up from Open until the fd fails or the device is closed.
func (d *Device) LinkState() hal.LinkState { return hal.LinkState(d.link.Load()) }

// HardwareAddr reports the stack's MAC address (Config.HWAddr).
func (d *Device) HardwareAddr() hal.HardwareAddr { return d.addr }

// SetWaker registers who to wake for received frames, transmit room and link
// changes.
func (d *Device) SetWaker(w hal.Waker) {
	if w == nil {
		d.waker.Store(nil)
		return
	}
	d.waker.Store(&wakerBox{w})
}

func (d *Device) wake() {
	if b := d.waker.Load(); b != nil {
		b.w.Wake()
	}
}

func (d *Device) setLink(s hal.LinkState) {
	if hal.LinkState(d.link.Swap(uint32(s))) != s {
		d.wake()
	}
}

// Close stops both goroutines, waits for them to return and closes the fd;
// an interface that Open created disappears with it. A second Close returns
// ErrClosed.
func (d *Device) Close() error {
	err := error(ErrClosed)
	d.once.Do(func() {
		d.closed.Store(true)
		d.setLink(hal.LinkDown) // Transmit refuses from here on
		close(d.done)
		// Closing the file makes the poller fail the pending read and any
		// pending write, so both goroutines return.
		err = d.file.Close()
		d.wg.Wait()
	})
	return err
}
