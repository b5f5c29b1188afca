package qemu

import (
	"bufio"
	"net"
	"sync"
	"sync/atomic"

	"github.com/seed947b3480/legation/hal"
)

// lenPrefix is the stream form's frame header: a big-endian uint32 length.
const lenPrefix = 4

// wakerBox lets a Waker interface value sit behind an atomic pointer: the
// driver goroutines read it for every frame while the reactor may replace it.
type wakerBox struct{ w hal.Waker }

// connBox holds the current connection behind an atomic pointer: the receive
// goroutine installs and removes it, the transmit goroutine writes to it and
// Close closes it.
type connBox struct{ c net.Conn }

// Device is one end of a QEMU netdev socket. The hal.Device methods are
// called from the reactor's goroutine only; Stats, Addr and Close from any
// goroutine.
type Device struct {
	addr  hal.HardwareAddr
	mtu   int
	local net.Addr
	// headroom is lenPrefix on streams (the transmit goroutine writes the
	// length in front of the frame, in the slot) and 0 on datagrams.
	headroom int

	ln   net.Listener // Listen only
	conn atomic.Pointer[connBox]

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
	return &Device{
		addr:     cfg.HWAddr,
		mtu:      cfg.MTU,
		headroom: headroom,
		// One spare byte per receive slot: a datagram that fills it is
		// longer than the MTU, which a read into exactly MTU bytes would
		// silently truncate instead.
		rx:       hal.NewRing(cfg.RxSlots, cfg.MTU+1),
		tx:       hal.NewRing(cfg.TxSlots, headroom+cfg.MTU),
		txSignal: make(chan struct{}, 1),
		done:     make(chan struct{}),
		scratch:  make([]byte, scratch),
	}
}

// Addr reports the local address: the one Listen bound (useful with port
// 0), or the local end of a dialled stream or datagram socket.
func (d *Device) Addr() net.Addr { return d.local }

// Stats returns a snapshot of the counters. Safe from any goroutine.
func (d *Device) Stats() Stats { return d.n.snapshot() }

// Receive lends the oldest received frame, in place in the receive ring.
func (d *Device) Receive() ([]byte, bool) { return d.rx.Peek() }

// ReleaseRx gives the frame lent by Receive back to the receive goroutine.
func (d *Device) ReleaseRx() { d.rx.Release() }

// Transmit lends the next transmit slot, MTU bytes long. It fails when the
// ring is full (the reactor is woken when room appears), while the link is
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
	return buf[d.headroom : d.headroom+d.mtu], true
}

// Commit queues the first n bytes of the buffer lent by Transmit.
func (d *Device) Commit(n int) {
	if n <= 0 {
		return
	}
	if n > d.mtu {
		n = d.mtu
	}
	d.tx.Commit(d.headroom + n)
	select {
	case d.txSignal <- struct{}{}:
	default:
	}
}

// Capabilities reports the MTU; no checksum offload.
func (d *Device) Capabilities() hal.Capabilities { return hal.Capabilities{MTU: d.mtu} }

// LinkState is up while a stream is connected (always, for datagrams) and
// down after Close.
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
		d.setLink(hal.LinkDown) // Transmit refuses from here on
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
