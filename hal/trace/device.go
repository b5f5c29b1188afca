package trace

import (
	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/observe"
)

// Direction says which way a frame went, seen from the stack.
type Direction = observe.Direction

const (
	// RX is a frame the device received and the stack read.
	RX = observe.RX
	// TX is a frame the stack committed for the device to send.
	TX = observe.TX
)

// Sink is called with each frame. The frame is only valid during the call.
type Sink = func(dir Direction, tsNanos int64, frame []byte)

// Device is the tracing middleware: hal/observe with a function as the sink.
// Like any hal.Device it is used from one goroutine, and the sink is called
// on it.
type Device = observe.Device

// New wraps dev, reporting each frame to sink.
func New(dev hal.Device, sink func(dir Direction, tsNanos int64, frame []byte)) *Device {
	return observe.New(dev, funcSink(sink))
}

// funcSink adapts a function to observe.Sink; converting a func value to it
// allocates nothing.
type funcSink func(dir Direction, tsNanos int64, frame []byte)

func (f funcSink) Frame(dir Direction, tsNanos int64, frame []byte) { f(dir, tsNanos, frame) }
