// Package ringdev is the reactor-facing half of a device whose frames are
// moved by driver goroutines through two hal.Rings: a receive ring that the
// driver's receive goroutine fills and the reactor drains, and a transmit
// ring that the reactor fills and the driver's transmit goroutine drains.
// The TAP and QEMU drivers are such devices; they differ only in how a frame
// is read and written, so everything else lives here once.
//
// A Driver owns the shared state: the two rings, the link state, the
// registered waker, the transmit signal and the counters. Its Port is the
// reactor's view, the hal.Device methods Receive, ReleaseRx, Transmit,
// Commit, LinkState and SetWaker, made to be embedded in a driver's Device.
// The Driver's own methods are the goroutines' view: lease a receive slot and
// report what was read into it (LeaseRx, Received), take committed frames and
// free their slots (NextTx, ReleaseTx, which wakes the reactor exactly when
// transmit room appears), wait for the next commit or for shutdown (WaitTx),
// change the link state (SetLink) and wake the reactor (Wake). RunTx is a
// whole transmit goroutine over an io.Writer chosen once, at start.
//
// Port and Driver are two types rather than one so that a Device embedding
// the Port gains exactly those hal.Device methods and none of the driver's.
// Nothing here locks or allocates per frame: the rings are single-producer,
// single-consumer and the rest are atomics and a one-slot channel.
//
// What it is not: a device. It opens no file or socket, starts no goroutine
// and reads nothing; the driver reads each frame into the slot LeaseRx lends
// (or into scratch of its own when the ring is full) and reports it with
// Received, and stops its goroutines itself, through the done channel it
// gives WaitTx and RunTx. Capabilities and HardwareAddr, which differ per
// driver, stay with the driver; so does any counter only one driver has.
package ringdev
