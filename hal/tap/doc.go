// Package tap is a hal.Device over a Linux TAP interface: the userspace stack
// on one side, the host kernel's own TCP/IP (and every tool that talks
// through it) on the other.
//
// Open attaches to an existing tap interface or creates one, optionally inside
// a named network namespace, and starts two goroutines. The receive goroutine
// reads each frame from the kernel straight into a slot of a receive hal.Ring
// and wakes the reactor; the transmit goroutine drains a transmit hal.Ring
// that the reactor fills through Transmit and Commit. Both rings are sized
// once at Open, so no per-frame path allocates. Blocking reads go through the
// Go runtime poller (the fd is O_NONBLOCK), which is what lets Close unblock
// them and stop both goroutines. The rings, the transmit handshake and the
// reactor-facing methods are hal/ringdev's, shared with the QEMU driver;
// this package adds the tap fd and how frames are read from and written to
// it.
//
// What it does not do: it does not configure the kernel side of the interface
// (addresses, MTU, link up: that is the caller's job, with ip(8), after Open,
// because a link brought up before the fd is attached loses frames), it does
// not use IFF_VNET_HDR offloads (every frame carries full checksums), and it
// does not watch the kernel side's administrative state: the device reports
// LinkUp from Open until its fd fails or is closed, and frames sent while the
// kernel side is down are refused by the kernel and counted in
// Stats.TxErrors.
//
// Linux only. On other systems Open returns ErrUnsupported.
package tap
