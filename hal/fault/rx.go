package fault

// Receive lends the next frame for the stack: a held frame that is due
// first, then frames from the wrapped device, each of which may be lost
// (skipped), delayed or reordered (copied into the pool and skipped for
// now), corrupted in place, or duplicated (a copy held to follow it). A
// received frame's delay counts from the latest Tick instant when Receive
// takes it from the wrapped device: the injector cannot know when it arrived
// there.
func (d *Device) Receive() ([]byte, bool) {
	if d.rxLent {
		return d.rxFrame, true
	}
	c := &d.n[dirRX]
	if i := d.pool.next(dirRX, d.now); i >= 0 {
		d.rxFrame, d.rxSlot, d.rxLent = d.pool.frame(i), i, true
		c.passed.Add(1)
		d.pool.overtaken(dirRX, d.pool.meta[i].seq, d.now)
		return d.rxFrame, true
	}
	r := d.rng[dirRX]
	for range maxSkipPerReceive {
		f, ok := d.dev.Receive()
		if !ok {
			return nil, false
		}
		c.frames.Add(1)
		v := faults(r, &d.cfg)
		if v.lost {
			c.lost.Add(1)
			d.dev.ReleaseRx()
			continue
		}
		seq := d.nextSeq(dirRX, v.dup)
		due := d.now + v.hold
		if v.dup {
			d.holdDup(dirRX, f, seq+1, due, v.reorder)
		}
		if v.corrupt && corrupt(r, f) {
			c.corrupted.Add(1)
		}
		if v.hold > 0 {
			if d.hold(dirRX, f, seq, due, v) {
				d.dev.ReleaseRx()
				continue
			}
		}
		d.rxFrame, d.rxSlot, d.rxLent = f, -1, true
		c.passed.Add(1)
		d.pool.overtaken(dirRX, seq, d.now)
		return f, true
	}
	// More frames may be waiting: ask to be polled again rather than keep
	// the stack here.
	if d.waker != nil {
		d.waker.Wake()
	}
	return nil, false
}

// ReleaseRx gives the frame lent by Receive back to the pool or the wrapped
// device.
func (d *Device) ReleaseRx() {
	if !d.rxLent {
		return
	}
	if d.rxSlot >= 0 {
		d.pool.release(d.rxSlot)
	} else {
		d.dev.ReleaseRx()
	}
	d.rxFrame, d.rxSlot, d.rxLent = nil, -1, false
}

// nextSeq numbers a frame in its direction; a duplicate takes the number
// after it, so it is ordered right behind its original.
func (d *Device) nextSeq(dr dir, dup bool) uint64 {
	s := d.seq[dr]
	d.seq[dr]++
	if dup {
		d.seq[dr]++
	}
	return s
}

// holdDup keeps a clean copy of frame to follow it. It runs before any
// corruption of the original.
func (d *Device) holdDup(dr dir, frame []byte, seq uint64, due int64, reorder bool) {
	c := &d.n[dr]
	if d.pool.hold(dr, frame, seq, due, reorder) {
		c.duplicated.Add(1)
	} else {
		c.overflow.Add(1)
	}
}

// hold keeps frame until due, counting why. It answers false, counting an
// overflow, when the pool is full: the caller passes the frame on at once.
func (d *Device) hold(dr dir, frame []byte, seq uint64, due int64, v verdict) bool {
	c := &d.n[dr]
	if !d.pool.hold(dr, frame, seq, due, v.reorder) {
		c.overflow.Add(1)
		return false
	}
	if v.reorder {
		c.reordered.Add(1)
	}
	if d.cfg.Delay > 0 || d.cfg.Jitter > 0 {
		c.delayed.Add(1)
	}
	return true
}
