// Package fault is middleware that impairs a link on purpose: it wraps any
// hal.Device and, in both directions (frames the stack transmits and frames
// it receives), loses, duplicates, reorders, corrupts and delays frames.
//
// Every decision comes from a seeded PCG generator (math/rand/v2), one per
// direction, so the same seed and the same sequence of calls give the same
// faults: a failure seen once can be replayed. Each frame draws the same
// numbers whatever the outcome, so turning one fault on or off does not
// reshuffle the others.
//
// Frames held for delay, reordering or duplication live in a pool of
// MaxHeld preallocated MTU-sized slots; nothing is allocated per frame. When
// the pool is full, a frame that would have been held is passed through at
// once (it loses its delay or reordering, or its duplicate is not made) and
// counted as Overflow: the injector never adds loss nobody asked for.
//
// Time comes only from Tick (hal.Clocked), which the stack calls with the
// current instant; held frames are released from Tick, Receive and Transmit
// once due. The package never reads the clock.
//
// It does not model bandwidth, queueing or bursts of loss.
package fault
