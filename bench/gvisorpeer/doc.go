// Package gvisorpeer puts gVisor's netstack (gvisor.dev/gvisor/pkg/tcpip) in
// the same process as a legation stack, as an independent TCP/IP
// implementation to interoperate with: Peer is a gVisor stack with one
// Ethernet NIC over a link/channel endpoint, and Peer.Device is the other end
// of that link as a hal.Device for a legation stack, so every frame between
// the two crosses the same device contract as a real NIC (and can be wrapped
// in hal/fault, hal/pcap or hal/trace).
//
// gVisor runs its own goroutines and reads the real clock, so a test that uses
// a Peer runs the legation reactor on a RealClock in a goroutine of its own.
//
// NewStack, the gVisor stack with an IPv4 address on one Ethernet NIC, is
// shared with the benchmarks in bench/tcpbench, which join two gVisor stacks
// directly.
//
// It is a test peer, not a driver: frames are copied once in each direction
// and the adapter allocates per frame as gVisor's packet buffers do.
package gvisorpeer
