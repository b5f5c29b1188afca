package ringdev

import "github.com/seed947b3480/legation/hal"

// Port is the reactor's half of a ring device: the hal.Device methods that
// move frames, report the link and register the waker. A driver's Device
// embeds it; its methods are called from the reactor's goroutine only. The
// zero Port is not usable: get one from Driver.Port.
//
// The methods have pointer receivers, like a driver's own methods, so that
// embedding a Port adds them to *Device's method set and not to Device's.
type Port struct{ d *Driver }

// Receive lends the oldest received frame, in place in the receive ring.
func (p *Port) Receive() ([]byte, bool) { return p.d.rx.Peek() }

// ReleaseRx gives the frame lent by Receive back to the receive goroutine.
func (p *Port) ReleaseRx() { p.d.rx.Release() }

// Transmit lends the next transmit slot's frame space, MTU bytes after the
// headroom. It fails while the link is not up and when the ring is full; in
// the latter case the reactor is woken when room appears.
func (p *Port) Transmit() ([]byte, bool) {
	d := p.d
	if hal.LinkState(d.link.Load()) != hal.LinkUp {
		return nil, false
	}
	buf, ok := d.tx.Lease()
	if !ok {
		// Announce the wait, then look again: the transmit goroutine may
		// have freed a slot between the failed Lease and the Store, and it
		// only wakes us if it sees the flag. If the second look succeeds the
		// flag stays set, which costs at most one spurious wake.
		d.txBlocked.Store(true)
		if buf, ok = d.tx.Lease(); !ok {
			return nil, false
		}
	}
	end := d.headroom + d.mtu
	return buf[d.headroom:end:end], true
}

// Commit queues the first n bytes of the buffer lent by Transmit (at most
// the MTU) and signals the transmit goroutine. Commit(0) abandons the buffer.
func (p *Port) Commit(n int) {
	d := p.d
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

// LinkState reports what the driver last set with SetLink.
func (p *Port) LinkState() hal.LinkState { return hal.LinkState(p.d.link.Load()) }

// SetWaker registers who to wake for received frames, transmit room and link
// changes; nil unregisters. Registering allocates once; waking never does.
func (p *Port) SetWaker(w hal.Waker) {
	if w == nil {
		p.d.waker.Store(nil)
		return
	}
	p.d.waker.Store(&wakerBox{w})
}
