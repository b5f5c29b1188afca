//go:build race

package stack

// netsimRace shrinks TestTCPNetsim under the race detector, which slows
// its per-byte work (checksums, copies) some fifty times; the test runs
// on one goroutine, so the full size would find no more races.
const netsimRace = true
