//go:build race

package websocket

// raceEnabled shrinks the biggest tests under the race detector, which
// slows their per-byte and per-connection work many times over; everything
// runs on the reactor goroutine, so the full size would find no more races.
const raceEnabled = true
