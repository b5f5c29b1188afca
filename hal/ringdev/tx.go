package ringdev

import (
	"errors"
	"io"
)

// NextTx lends the transmit goroutine the oldest committed slot: headroom
// bytes for the writer to fill, then the frame. ok is false when the ring is
// empty. Repeated calls without ReleaseTx return the same slot.
func (d *Driver) NextTx() (slot []byte, ok bool) { return d.tx.Peek() }

// ReleaseTx frees the slot lent by NextTx. If a Transmit found the ring full
// since the last such wake, it wakes the reactor: once per wait for room, not
// once per frame.
func (d *Driver) ReleaseTx() {
	d.tx.Release()
	if d.txBlocked.Swap(false) {
		d.Wake()
	}
}

// WaitTx blocks until the reactor has committed frames since the last wait
// (true) or done is closed (false). Either may win when both are ready, so a
// caller stopping on done drains at most what was already committed.
func (d *Driver) WaitTx(done <-chan struct{}) bool {
	select {
	case <-d.txSignal:
		return true
	case <-done:
		return false
	}
}

// RunTx is a transmit goroutine: it writes every committed slot to w with
// one Write each, headroom included, then waits for the next commit, until
// done is closed. w is chosen once, so no frame pays for choosing it.
//
// A frame written counts in TxFrames and TxBytes (headroom excluded); a
// failed write counts in TxErrors and the frame is dropped, unless done is
// already closed, in which case the failure is the driver shutting down and
// RunTx returns at once. ErrNoLink from w counts as neither.
func (d *Driver) RunTx(w io.Writer, done <-chan struct{}) {
	for {
		for {
			slot, ok := d.NextTx()
			if !ok {
				break
			}
			if !d.write(w, slot, done) {
				return
			}
			d.ReleaseTx()
		}
		if !d.WaitTx(done) {
			return
		}
	}
}

// write sends one slot and counts the outcome; false means stop.
func (d *Driver) write(w io.Writer, slot []byte, done <-chan struct{}) bool {
	_, err := w.Write(slot)
	switch {
	case err == nil:
		d.n.txFrames.Add(1)
		d.n.txBytes.Add(uint64(len(slot) - d.headroom))
	case errors.Is(err, ErrNoLink):
	default:
		select {
		case <-done:
			return false
		default:
		}
		d.n.txErrors.Add(1)
	}
	return true
}
