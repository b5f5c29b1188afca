package qemu

import (
	"bufio"
	"net"
	"sync"
	"sync/atomic"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/ringdev"
)

// lenPrefix is the stream form's frame header: a big-endian uint32 length.
const lenPrefix = 4

// connBox holds the current connection behind an atomic pointer: the receive
// goroutine installs and removes it, the transmit goroutine writes to it and
// Close closes it.
type connBox struct{ c net.Conn }

// port is ringdev.Port under an unexported name, so that embedding it gives
// Device the port's hal.Device methods without an exported field.
type port = ringdev.Port

// Device is one end of a QEMU netdev socket. The hal.Device methods are
// called from the reactor's goroutine only; Stats, Addr and Close from any
// goroutine.
//
// Receive, ReleaseRx, Transmit, Commit, LinkState and SetWaker are the
// embedded ringdev.Port's. Transmit lends buffers of MTU bytes and fails
// while the transmit ring is full (the reactor is woken when room appears),
// while the link is down and after Close. LinkState is up while a stream is
// connected (always, for datagrams) and down after Close.
type Device struct {
	port
	// drv is the driver goroutines' side of port: the rings, link state,
	// waker and the counters both drivers keep.
	drv *ringdev.Driver

	addr  hal.HardwareAddr
	mtu   int
	local net.Addr
	// headroom is lenPrefix on streams (the transmit goroutine writes the
	// length in front of the frame, in the slot) and 0 on datagrams.
	headroom int

	ln   net.Listener // Listen only
	conn atomic.Pointer[connBox]

	closed atomic.Bool
	done   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once

	// Receive goroutine only. br is reset onto each new stream connection;
	// scratch takes frames that find the receive ring full (and, on
	// datagrams, oversized ones whole); hdr is the length prefix.
	br      *bufio.Reader
	scratch []byte
	hdr     [lenPrefix]byte

	n counters
}

var (
	_ hal.Device = (*Device)(nil)
	_ hal.Closer = (*Device)(nil)
)

// newDevice allocates everything a device of either form needs up front.
func newDevice(cfg Config, headroom, scratch int) *Device {
	// One spare byte per receive slot: a datagram that fills it is longer
	// than the MTU, which a read into exactly MTU bytes would silently
	// truncate instead.
	rx := hal.NewRing(cfg.RxSlots, cfg.MTU+1)
	tx := hal.NewRing(cfg.TxSlots, headroom+cfg.MTU)
	drv := ringdev.New(rx, tx, cfg.MTU, headroom)
	return &Device{
		port:     drv.Port(),
		drv:      drv,
		addr:     cfg.HWAddr,
		mtu:      cfg.MTU,
		headroom: headroom,
		done:     make(chan struct{}),
		scratch:  make([]byte, scratch),
	}
}

// Addr reports the local address: the one Listen bound (useful with port
// 0), or the local end of a dialled stream or datagram socket.
func (d *Device) Addr() net.Addr { return d.local }

// Capabilities reports the MTU; no checksum offload.
func (d *Device) Capabilities() hal.Capabilities { return hal.Capabilities{MTU: d.mtu} }

// HardwareAddr reports the stack's MAC address (Config.HWAddr).
func (d *Device) HardwareAddr() hal.HardwareAddr { return d.addr }

// start runs the receive loop and the transmit goroutine.
func (d *Device) start(rxLoop func()) {
	d.wg.Add(2)
	go func() {
		defer d.wg.Done()
		rxLoop()
	}()
	go d.txLoop()
}

// Close stops both goroutines, waits for them to return and closes the
// connection and listener. It returns nil; a second Close returns ErrClosed.
func (d *Device) Close() error {
	err := error(ErrClosed)
	d.once.Do(func() {
		err = nil
		d.closed.Store(true)
		d.drv.SetLink(hal.LinkDown) // Transmit refuses from here on
		close(d.done)
		// Closing the sockets fails any pending accept, read or write, so
		// both goroutines return. The receive goroutine checks closed after
		// installing a connection, so one accepted concurrently is closed
		// there.
		// Their errors are not reported: a connection the peer already
		// dropped fails to close again, and there is nothing to do about it.
		if d.ln != nil {
			d.ln.Close()
		}
		if b := d.conn.Load(); b != nil {
			b.c.Close()
		}
		d.wg.Wait()
	})
	return err
}
