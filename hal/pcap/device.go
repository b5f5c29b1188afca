package pcap

import (
	"sync/atomic"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/observe"
)

// Device is middleware that records every frame the wrapped device receives
// and every frame committed for transmission, in the order the stack sees
// them, stamped with the latest instant given to Tick (hal/observe with a
// pcap Writer as the sink). Close closes the wrapped device, never the
// Writer's io.Writer, which the caller owns.
//
// A failed write never reaches the data path: the frame still moves, and the
// failure is counted (Errors) and the first one kept (Err).
type Device struct {
	*observer
	rec *recorder
}

// observer keeps the embedded middleware's name unexported, so its methods
// are promoted without an exported field.
type observer = observe.Device

var (
	_ hal.Device  = (*Device)(nil)
	_ hal.Clocked = (*Device)(nil)
	_ hal.Closer  = (*Device)(nil)
)

// New wraps dev, recording into w. The Writer should not be shared with
// another Device driven from a different goroutine.
func New(dev hal.Device, w *Writer) *Device {
	rec := &recorder{w: w}
	return &Device{observer: observe.New(dev, rec), rec: rec}
}

// recorder is the observe.Sink writing frames to the file.
type recorder struct {
	w        *Writer
	errs     atomic.Uint64
	firstErr atomic.Pointer[error]
}

func (r *recorder) Frame(_ observe.Direction, tsNanos int64, frame []byte) {
	if err := r.w.WritePacket(tsNanos, frame); err != nil {
		r.fail(err)
	}
}

// fail is apart from Frame so that only a failing write moves an error
// value to the heap; taking &err in Frame would allocate on every frame.
func (r *recorder) fail(err error) {
	if r.errs.Add(1) == 1 {
		r.firstErr.Store(&err)
	}
}

// Errors reports how many frames could not be written.
func (d *Device) Errors() uint64 { return d.rec.errs.Load() }

// Err returns the first write error, or nil.
func (d *Device) Err() error {
	if p := d.rec.firstErr.Load(); p != nil {
		return *p
	}
	return nil
}
