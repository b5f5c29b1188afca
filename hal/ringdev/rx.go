package ringdev

// LeaseRx lends the receive goroutine the next free receive slot, its whole
// size. ok is false when the ring is full: the driver should then read the
// frame into scratch of its own, so that the source stays in step and the
// drop is counted, and report it with Received(n, false).
func (d *Driver) LeaseRx() (slot []byte, ok bool) { return d.rx.Lease() }

// Received reports what the receive goroutine read after LeaseRx: n bytes,
// into the leased slot if leased, else into its scratch. A read of 0 bytes is
// no frame. A frame in scratch is dropped and counted in RxDropFull, one
// longer than the MTU is dropped and counted in RxOversize (its slot is
// leased again as is), and any other is published to the reactor. The
// reactor is woken for a published frame and for a full-ring drop, which
// means it is behind and should drain.
func (d *Driver) Received(n int, leased bool) {
	switch {
	case n <= 0:
		return
	case !leased:
		d.n.rxDropFull.Add(1)
	case n > d.mtu:
		d.n.rxOversize.Add(1)
		return
	default:
		d.rx.Commit(n)
		d.n.rxFrames.Add(1)
		d.n.rxBytes.Add(uint64(n))
	}
	d.Wake()
}

// RxError counts a failed read (or accept) in RxErrors.
func (d *Driver) RxError() { d.n.rxErrors.Add(1) }
