package qemu

import "sync/atomic"

// Stats are the device's counters since it was made.
type Stats struct {
	RxFrames uint64 // frames handed to the receive ring
	RxBytes  uint64
	// RxDropFull counts frames read while the receive ring was full: the
	// reactor is not keeping up.
	RxDropFull uint64
	// RxOversize counts datagrams longer than the MTU (dropped).
	RxOversize uint64
	// RxErrors counts failed reads other than a connection ending, such as
	// a UDP port unreachable reported by the kernel, and failed accepts.
	RxErrors uint64
	// ProtocolErrors counts streams dropped for a frame length of 0 or
	// above the MTU.
	ProtocolErrors uint64
	TxFrames       uint64 // frames written
	TxBytes        uint64
	// TxDropped counts frames that found no connection when their turn came
	// (the link went down after they were committed).
	TxDropped uint64
	// TxErrors counts failed writes; on a stream a failed write also drops
	// the connection, since a partly written frame cannot be taken back.
	TxErrors uint64
	// Connects and Disconnects count stream connections made and lost.
	Connects, Disconnects uint64
}

// counters holds, as atomics, the Stats that only this driver keeps; the
// port keeps the rest.
type counters struct {
	protocolErrors, txDropped, connects, disconnects atomic.Uint64
}

// Stats returns a snapshot of the counters. Safe from any goroutine.
func (d *Device) Stats() Stats {
	p := d.drv.Stats()
	return Stats{
		RxFrames:       p.RxFrames,
		RxBytes:        p.RxBytes,
		RxDropFull:     p.RxDropFull,
		RxOversize:     p.RxOversize,
		RxErrors:       p.RxErrors,
		ProtocolErrors: d.n.protocolErrors.Load(),
		TxFrames:       p.TxFrames,
		TxBytes:        p.TxBytes,
		TxDropped:      d.n.txDropped.Load(),
		TxErrors:       p.TxErrors,
		Connects:       d.n.connects.Load(),
		Disconnects:    d.n.disconnects.Load(),
	}
}
