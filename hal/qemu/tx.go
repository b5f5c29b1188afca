package qemu

import (
	"encoding/binary"

	"github.com/seed947b3480/legation/hal/ringdev"
)

// txLoop is the transmit goroutine: it sends every frame the reactor
// committed to the current connection, one write per frame.
func (d *Device) txLoop() {
	defer d.wg.Done()
	d.drv.RunTx(slotWriter{d}, d.done)
}

// slotWriter writes one transmit slot to the current connection: on a
// stream, the length goes into the headroom in front of the frame so that
// prefix and frame leave in one write. The port counts what it reports.
type slotWriter struct{ d *Device }

func (w slotWriter) Write(slot []byte) (int, error) {
	d := w.d
	b := d.conn.Load()
	if b == nil {
		d.n.txDropped.Add(1)
		return 0, ringdev.ErrNoLink
	}
	if d.headroom > 0 {
		binary.BigEndian.PutUint32(slot[:lenPrefix], uint32(len(slot)-lenPrefix))
	}
	n, err := b.c.Write(slot)
	if err != nil && d.headroom > 0 && !d.closed.Load() {
		// The peer may have part of this frame: the stream cannot be
		// resynchronised. The receive goroutine sees the close and takes
		// the link down.
		b.c.Close()
	}
	return n, err
}
