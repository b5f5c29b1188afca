package pcap

import (
	"sync/atomic"

	"github.com/seed947b3480/legation/hal"
)

// Device is middleware that records every frame the wrapped device receives
// and every frame committed for transmission, in the order the stack sees
// them, stamped with the latest instant given to Tick.
//
// A failed write never reaches the data path: the frame still moves, and the
// failure is counted (Errors) and the first one kept (Err).
type Device struct {
	dev     hal.Device
	clocked hal.Clocked // dev as a Clocked, or nil
	w       *Writer
	now     int64

	rxRecorded bool   // the frame lent by the last Receive is in the file already
	txBuf      []byte // the buffer lent by the last Transmit, until Commit

	errs     atomic.Uint64
	firstErr atomic.Pointer[error]
}

var (
	_ hal.Device  = (*Device)(nil)
	_ hal.Clocked = (*Device)(nil)
	_ hal.Closer  = (*Device)(nil)
)

// New wraps dev, recording into w. The Writer should not be shared with
// another Device driven from a different goroutine.
func New(dev hal.Device, w *Writer) *Device {
	d := &Device{dev: dev, w: w}
	d.clocked, _ = dev.(hal.Clocked)
	return d
}

func (d *Device) record(frame []byte) {
	if err := d.w.WritePacket(d.now, frame); err != nil {
		d.fail(err)
	}
}

// fail is apart from record so that only a failing write moves an error
// value to the heap; taking &err in record would allocate on every frame.
func (d *Device) fail(err error) {
	if d.errs.Add(1) == 1 {
		d.firstErr.Store(&err)
	}
}

// Receive lends the wrapped device's next frame, recording it once however
// many times it is lent before ReleaseRx.
func (d *Device) Receive() ([]byte, bool) {
	f, ok := d.dev.Receive()
	if ok && !d.rxRecorded {
		d.rxRecorded = true
		d.record(f)
	}
	return f, ok
}

// ReleaseRx forwards to the wrapped device.
func (d *Device) ReleaseRx() {
	d.rxRecorded = false
	d.dev.ReleaseRx()
}

// Transmit lends the wrapped device's buffer directly: recording costs no
// copy on the way out.
func (d *Device) Transmit() ([]byte, bool) {
	buf, ok := d.dev.Transmit()
	if ok {
		d.txBuf = buf
	}
	return buf, ok
}

// Commit records the first n bytes and forwards. The frame is written before
// the wrapped device sends it, while the buffer is still ours to read.
func (d *Device) Commit(n int) {
	if n > 0 && d.txBuf != nil {
		d.record(d.txBuf[:min(n, len(d.txBuf))])
	}
	d.txBuf = nil
	d.dev.Commit(n)
}

// Capabilities forwards to the wrapped device.
func (d *Device) Capabilities() hal.Capabilities { return d.dev.Capabilities() }

// LinkState forwards to the wrapped device.
func (d *Device) LinkState() hal.LinkState { return d.dev.LinkState() }

// HardwareAddr forwards to the wrapped device.
func (d *Device) HardwareAddr() hal.HardwareAddr { return d.dev.HardwareAddr() }

// SetWaker forwards to the wrapped device.
func (d *Device) SetWaker(w hal.Waker) { d.dev.SetWaker(w) }

// Tick takes nowNanos as the timestamp for the frames that follow and
// forwards to the wrapped device if it is Clocked.
func (d *Device) Tick(nowNanos int64) (int64, bool) {
	d.now = nowNanos
	if d.clocked != nil {
		return d.clocked.Tick(nowNanos)
	}
	return 0, false
}

// Close closes the wrapped device if it is a hal.Closer. It does not close
// the Writer's io.Writer, which the caller owns.
func (d *Device) Close() error {
	if c, ok := d.dev.(hal.Closer); ok {
		return c.Close()
	}
	return nil
}

// Errors reports how many frames could not be written.
func (d *Device) Errors() uint64 { return d.errs.Load() }

// Err returns the first write error, or nil.
func (d *Device) Err() error {
	if p := d.firstErr.Load(); p != nil {
		return *p
	}
	return nil
}
