package tap

// txLoop is the transmit goroutine: it writes every frame the reactor
// committed to the tap fd, one write per frame. A tap write never blocks for
// long (the kernel queues or drops), so the ring drains at the kernel's pace;
// a frame the kernel refuses is counted in TxErrors and dropped.
func (d *Device) txLoop() {
	defer d.wg.Done()
	d.drv.RunTx(d.file, d.done)
}
