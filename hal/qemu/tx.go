package qemu

import "encoding/binary"

// txLoop is the transmit goroutine: it sends every frame the reactor
// committed, then waits for the next signal.
func (d *Device) txLoop() {
	defer d.wg.Done()
	for {
		for {
			frame, ok := d.tx.Peek()
			if !ok {
				break
			}
			d.send(frame)
			d.tx.Release()
			if d.txBlocked.Swap(false) {
				d.wake()
			}
		}
		select {
		case <-d.txSignal:
		case <-d.done:
			return
		}
	}
}

// send writes one slot: on a stream, the length goes into the headroom in
// front of the frame so that prefix and frame leave in one write.
func (d *Device) send(slot []byte) {
	b := d.conn.Load()
	if b == nil {
		d.n.txDropped.Add(1)
		return
	}
	if d.headroom > 0 {
		binary.BigEndian.PutUint32(slot[:lenPrefix], uint32(len(slot)-lenPrefix))
	}
	if _, err := b.c.Write(slot); err != nil {
		if d.closed.Load() {
			return
		}
		d.n.txErrors.Add(1)
		if d.headroom > 0 {
			// The peer may have part of this frame: the stream cannot be
			// resynchronised. The receive goroutine sees the close and
			// takes the link down.
			b.c.Close()
		}
		return
	}
	d.n.txFrames.Add(1)
	d.n.txBytes.Add(uint64(len(slot) - d.headroom))
}
