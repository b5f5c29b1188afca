// Package qemu is a hal.Device over QEMU's netdev socket protocols, so the
// stack can sit on a QEMU hub, typically next to QEMU's user-mode network
// (slirp: DHCP, DNS, and a gateway to the host), without root or a tap.
//
// Two wire forms are spoken:
//
//   - Stream (Dial, Listen, NewStream): a TCP or Unix stream where each frame
//     is a 4-byte big-endian length followed by the frame. This is QEMU's
//     `-netdev socket,listen=|connect=` and `-netdev stream`.
//   - Datagram (DialDatagram): one UDP datagram is one frame, no prefix.
//     This is QEMU's `-netdev dgram` and `-netdev socket,udp=,localaddr=`.
//
// ParseTarget turns a command-line link description ("qemu:127.0.0.1:5555",
// "qemu-listen:unix:/tmp/q.sock", "qemu-dgram:127.0.0.1:5556,127.0.0.1:5557")
// into one of those.
//
// Like the tap driver, a Device runs a receive goroutine that reads frames
// straight into the slots of a receive hal.Ring and wakes the reactor, and a
// transmit goroutine that drains a transmit hal.Ring filled by the reactor.
// Stream frames are sent with one write each: the transmit slots keep four
// bytes of headroom in front of the frame for the length prefix. No per-frame
// path allocates; rings and buffers are sized once. The rings, the transmit
// handshake and the reactor-facing methods are hal/ringdev's, shared with the
// tap driver.
//
// The stream is untrusted input: a length of 0 or above the MTU is a protocol
// error, and the connection is dropped (and counted) without allocating or
// reading anything on the strength of that length.
//
// What it does not do: it does not start QEMU, and a dialled stream is not
// redialled when it breaks, since that needs a backoff clock and the driver
// has none; the link goes down and the owner decides (a Listen device, on
// the other hand, accepts the next connection by itself). It offers no
// checksum offload.
package qemu
