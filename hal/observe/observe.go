// Package observe is the middleware under every frame-watching tool (the
// pcap writer, the tracer): it wraps a hal.Device, shows each received frame
// once and each committed frame once to a Sink, stamped with the latest
// instant the stack gave to Tick, and forwards everything else unchanged.
//
// It copies nothing and allocates nothing per frame: the sink sees the
// device's own buffers, valid only during the call. It does not filter,
// delay or alter frames; that is hal/fault's job.
package observe

import "github.com/seed947b3480/legation/hal"

// Direction says which way a frame went, seen from the stack.
type Direction uint8

const (
	// RX is a frame the device received and the stack read.
	RX Direction = iota
	// TX is a frame the stack committed for the device to send.
	TX
)

func (d Direction) String() string {
	if d == TX {
		return "tx"
	}
	return "rx"
}

// Sink receives each frame. The frame is only valid during the call.
type Sink interface {
	Frame(dir Direction, tsNanos int64, frame []byte)
}

// Device is the observing middleware. Like any hal.Device it is used from
// one goroutine, and the sink is called on it.
type Device struct {
	dev     hal.Device
	clocked hal.Clocked // dev as a Clocked, or nil
	sink    Sink
	now     int64

	rxSeen bool   // the frame lent by the last Receive was shown already
	txBuf  []byte // the buffer lent by the last Transmit, until Commit
}

var (
	_ hal.Device  = (*Device)(nil)
	_ hal.Clocked = (*Device)(nil)
	_ hal.Closer  = (*Device)(nil)
)

// New wraps dev, showing each frame to sink.
func New(dev hal.Device, sink Sink) *Device {
	d := &Device{dev: dev, sink: sink}
	d.clocked, _ = dev.(hal.Clocked)
	return d
}

// Receive lends the wrapped device's next frame, showing it once however
// many times it is lent before ReleaseRx.
func (d *Device) Receive() ([]byte, bool) {
	f, ok := d.dev.Receive()
	if ok && !d.rxSeen {
		d.rxSeen = true
		d.sink.Frame(RX, d.now, f)
	}
	return f, ok
}

// ReleaseRx forwards to the wrapped device.
func (d *Device) ReleaseRx() {
	d.rxSeen = false
	d.dev.ReleaseRx()
}

// Transmit lends the wrapped device's buffer directly: observing costs no
// copy on the way out.
func (d *Device) Transmit() ([]byte, bool) {
	buf, ok := d.dev.Transmit()
	if ok {
		d.txBuf = buf
	}
	return buf, ok
}

// Commit shows the first n bytes, then forwards: once the wrapped device has
// the buffer it is no longer ours to read. Commit(0) shows nothing.
func (d *Device) Commit(n int) {
	if n > 0 && d.txBuf != nil {
		d.sink.Frame(TX, d.now, d.txBuf[:min(n, len(d.txBuf))])
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

// Tick keeps nowNanos as the instant shown with the frames that follow and
// forwards to the wrapped device if it is Clocked.
func (d *Device) Tick(nowNanos int64) (int64, bool) {
	d.now = nowNanos
	if d.clocked != nil {
		return d.clocked.Tick(nowNanos)
	}
	return 0, false
}

// Close closes the wrapped device if it is a hal.Closer.
func (d *Device) Close() error {
	if c, ok := d.dev.(hal.Closer); ok {
		return c.Close()
	}
	return nil
}
