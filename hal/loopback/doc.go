// Package loopback is a deterministic in-memory Ethernet link: two hal.Device
// ends joined back to back, for tests, simulations, benchmarks and the default
// demo.
//
// A frame transmitted on one end is written straight into a slot of the other
// end's receive ring (hal.Ring): Transmit lends that slot and Commit publishes
// it and wakes the peer, so the only copy is the sender's own, from its socket
// buffer into the slot. Each end may be driven from its own goroutine; the
// rings are single-producer/single-consumer and every shared field is atomic.
//
// The link does nothing a real link would do to frames on its own: no loss,
// no delay, no reordering, no MAC filtering. Wrap an end in hal/fault for an
// impaired link. It never reads the clock.
package loopback
