package fault

// Transmit first sends the held frames that are due, then lends the wrapped
// device's own buffer: a frame that passes untouched costs no extra copy. It
// answers ok=false when the wrapped device has no room.
func (d *Device) Transmit() ([]byte, bool) {
	d.flushTX()
	buf, ok := d.dev.Transmit()
	if ok {
		d.txBuf = buf
	}
	return buf, ok
}

// Commit decides the fate of the frame in the buffer lent by Transmit: lost
// (the buffer is abandoned), held for delay or reordering (copied into the
// pool, the buffer abandoned), or sent, corrupted or not, with a duplicate
// held to follow it if one is drawn.
func (d *Device) Commit(n int) {
	buf := d.txBuf
	d.txBuf = nil
	if buf == nil || n <= 0 {
		d.dev.Commit(n)
		return
	}
	f := buf[:min(n, len(buf))]
	c := &d.n[dirTX]
	c.frames.Add(1)
	r := d.rng[dirTX]
	v := faults(r, &d.cfg)
	if v.lost {
		c.lost.Add(1)
		d.dev.Commit(0)
		return
	}
	seq := d.nextSeq(dirTX, v.dup)
	due := d.now + v.hold
	if v.dup {
		d.holdDup(dirTX, f, seq+1, due, v.reorder)
	}
	if v.corrupt && corrupt(r, f) {
		c.corrupted.Add(1)
	}
	if v.hold > 0 && d.hold(dirTX, f, seq, due, v) {
		d.dev.Commit(0)
	} else {
		d.dev.Commit(len(f))
		c.passed.Add(1)
		d.pool.overtaken(dirTX, seq, d.now)
	}
	d.flushTX()
}

// flushTX sends held transmit frames that are due, oldest first, while the
// wrapped device has room. Those left wait for the next Tick, Transmit or
// Commit; the wrapped device wakes the stack when room frees up. It returns
// how many it sent.
func (d *Device) flushTX() (sent int) {
	c := &d.n[dirTX]
	for ; ; sent++ {
		i := d.pool.next(dirTX, d.now)
		if i < 0 {
			return sent
		}
		buf, ok := d.dev.Transmit()
		if !ok {
			return sent
		}
		d.dev.Commit(copy(buf, d.pool.frame(i)))
		c.passed.Add(1)
		seq := d.pool.meta[i].seq
		d.pool.release(i)
		d.pool.overtaken(dirTX, seq, d.now)
	}
}
