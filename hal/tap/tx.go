package tap

// txLoop is the transmit goroutine: it writes every frame the reactor
// committed, then waits for the next signal. A frame the kernel refuses is
// counted and dropped; a tap write never blocks for long (the kernel queues or
// drops), so the ring drains at the kernel's pace.
func (d *Device) txLoop() {
	defer d.wg.Done()
	for {
		for {
			frame, ok := d.tx.Peek()
			if !ok {
				break
			}
			if _, err := d.file.Write(frame); err != nil {
				if d.closed.Load() {
					return
				}
				d.n.txErrors.Add(1)
			} else {
				d.n.txFrames.Add(1)
				d.n.txBytes.Add(uint64(len(frame)))
			}
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
