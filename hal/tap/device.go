package tap

import (
	"os"
	"sync"
	"syscall"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/ringdev"
)

// port is ringdev.Port under an unexported name, so that embedding it gives
// Device the port's hal.Device methods without an exported field.
type port = ringdev.Port

// Device is an open tap interface. The hal.Device methods are called from
// the reactor's goroutine only; Stats, Name and Close from any goroutine.
//
// Receive, ReleaseRx, Transmit, Commit, LinkState and SetWaker are the
// embedded ringdev.Port's. Transmit lends buffers of MTU+14 bytes and fails
// while the transmit ring is full (the reactor is woken when room appears),
// when the link is down and after Close. LinkState is up from Open until the
// fd fails or the device is closed.
type Device struct {
	port
	// drv is the driver goroutines' side of port: the rings, link state,
	// waker and counters.
	drv *ringdev.Driver

	name     string
	addr     hal.HardwareAddr
	maxFrame int // MTU + Ethernet header

	file *os.File
	raw  syscall.RawConn

	done chan struct{}
	wg   sync.WaitGroup
	once sync.Once

	r reader // the receive goroutine's state; see rx_linux.go
}

var (
	_ hal.Device = (*Device)(nil)
	_ hal.Closer = (*Device)(nil)
)

// Name reports the kernel's name for the interface (useful when
// Config.Name was empty or a pattern like "tap%d").
func (d *Device) Name() string { return d.name }

// Stats returns a snapshot of the counters. Safe from any goroutine.
func (d *Device) Stats() Stats { return d.drv.Stats() }

// Capabilities reports the largest frame; no checksum offload.
func (d *Device) Capabilities() hal.Capabilities { return hal.Capabilities{MTU: d.maxFrame} }

// HardwareAddr reports the stack's MAC address (Config.HWAddr).
func (d *Device) HardwareAddr() hal.HardwareAddr { return d.addr }

// Close stops both goroutines, waits for them to return and closes the fd;
// an interface that Open created disappears with it. A second Close returns
// ErrClosed.
func (d *Device) Close() error {
	err := error(ErrClosed)
	d.once.Do(func() {
		d.drv.SetLink(hal.LinkDown) // Transmit refuses from here on
		close(d.done)
		// Closing the file makes the poller fail the pending read and any
		// pending write, so both goroutines return; done being closed tells
		// the transmit goroutine that its failed write is no error.
		err = d.file.Close()
		d.wg.Wait()
	})
	return err
}
