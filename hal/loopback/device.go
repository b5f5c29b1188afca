package loopback

import (
	"sync/atomic"

	"github.com/seed947b3480/legation/hal"
)

// link is the state both ends share.
type link struct {
	state atomic.Uint32 // a hal.LinkState
}

// wakerBox lets a Waker interface value sit behind an atomic pointer: the
// peer's goroutine reads it on every Commit while this end's goroutine may
// replace it with SetWaker.
type wakerBox struct{ w hal.Waker }

// Device is one end of a loopback link. Its hal.Device methods are called
// from one goroutine (the one driving this end); SetLinkState and Stats may be
// called from any goroutine.
type Device struct {
	link *link
	peer *Device
	// rx holds frames sent by the peer: the peer is its only producer and
	// this end its only consumer.
	rx   *hal.Ring
	addr hal.HardwareAddr
	mtu  int

	waker atomic.Pointer[wakerBox]
	// txBlocked is set by this end when Transmit found the peer's ring full,
	// and cleared by the peer when it frees a slot (and wakes us), so that a
	// stack waiting for transmit room is woken exactly when room appears.
	txBlocked atomic.Bool

	leased bool // a Transmit buffer is out; only this end's goroutine touches it
	rxLent bool // a received frame is out; only this end's goroutine touches it

	n counters
}

var _ hal.Device = (*Device)(nil)

// NewPair returns the two ends of a new link, up.
func NewPair(cfg Config) (a, b *Device) {
	cfg = cfg.withDefaults()
	l := &link{}
	l.state.Store(uint32(hal.LinkUp))
	a = &Device{link: l, rx: hal.NewRing(cfg.Slots, cfg.MTU), addr: cfg.A, mtu: cfg.MTU}
	b = &Device{link: l, rx: hal.NewRing(cfg.Slots, cfg.MTU), addr: cfg.B, mtu: cfg.MTU}
	a.peer, b.peer = b, a
	return a, b
}

// Receive lends the oldest frame sent by the peer, in place in this end's
// receive ring. Frames queued before the link went down are still delivered:
// they had already arrived.
func (d *Device) Receive() ([]byte, bool) {
	f, ok := d.rx.Peek()
	if ok && !d.rxLent {
		d.rxLent = true
		d.n.rxFrames.Add(1)
		d.n.rxBytes.Add(uint64(len(f)))
	}
	return f, ok
}

// ReleaseRx frees the slot of the frame lent by Receive and, if the peer is
// waiting for transmit room, wakes it.
func (d *Device) ReleaseRx() {
	if !d.rxLent {
		return
	}
	d.rxLent = false
	d.rx.Release()
	// Pairs with Transmit's store-then-lease: either the peer sees the slot
	// freed by Release, or we see its flag here.
	if d.peer.txBlocked.CompareAndSwap(true, false) {
		d.peer.wake()
	}
}

// Transmit lends a free slot of the peer's receive ring, MTU bytes long. It
// answers ok=false, lending nothing, while the link is down or while the
// peer's ring is full; in the second case the peer wakes this end when it
// frees a slot.
func (d *Device) Transmit() ([]byte, bool) {
	if hal.LinkState(d.link.state.Load()) != hal.LinkUp {
		d.n.txLinkDown.Add(1)
		return nil, false
	}
	buf, ok := d.peer.rx.Lease()
	if !ok {
		d.txBlocked.Store(true)
		// The peer may have freed a slot between the failed Lease and the
		// flag becoming visible; look once more so that wake is not lost.
		if buf, ok = d.peer.rx.Lease(); !ok {
			d.n.txNoRoom.Add(1)
			return nil, false
		}
		d.txBlocked.Store(false)
	}
	d.leased = true
	return buf, true
}

// Commit publishes the first n bytes (at most the MTU) of the buffer lent by
// Transmit to the peer and wakes it. Commit(0) abandons the buffer. A buffer
// lent before the link went down is still delivered.
func (d *Device) Commit(n int) {
	if !d.leased {
		return
	}
	d.leased = false
	if n <= 0 {
		return
	}
	n = min(n, d.mtu)
	d.peer.rx.Commit(n)
	d.n.txFrames.Add(1)
	d.n.txBytes.Add(uint64(n))
	d.peer.wake()
}

// Capabilities reports the configured MTU and no offload: frames cross the
// link exactly as committed, so checksums are whatever the sender wrote.
func (d *Device) Capabilities() hal.Capabilities { return hal.Capabilities{MTU: d.mtu} }

// LinkState reports the state shared by both ends.
func (d *Device) LinkState() hal.LinkState { return hal.LinkState(d.link.state.Load()) }

// HardwareAddr reports this end's configured address.
func (d *Device) HardwareAddr() hal.HardwareAddr { return d.addr }

// SetWaker registers who to wake when a frame arrives, transmit room frees up
// or the link state changes. It allocates once per call, never per frame.
func (d *Device) SetWaker(w hal.Waker) {
	if w == nil {
		d.waker.Store(nil)
		return
	}
	d.waker.Store(&wakerBox{w: w})
}

func (d *Device) wake() {
	if b := d.waker.Load(); b != nil {
		b.w.Wake()
	}
}

// SetLinkState sets the state of the link as both ends see it, and wakes both
// if it changed. While the link is down, Transmit on either end answers
// ok=false; frames already in flight are still delivered.
func (d *Device) SetLinkState(s hal.LinkState) {
	if hal.LinkState(d.link.state.Swap(uint32(s))) == s {
		return
	}
	d.wake()
	d.peer.wake()
}

// Stats returns a snapshot of this end's counters. Safe from any goroutine.
func (d *Device) Stats() Stats { return d.n.snapshot() }
