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

// counters is Stats as atomics: the driver goroutines write them, Stats reads
// them from any goroutine.
type counters struct {
	rxFrames, rxBytes, rxDropFull, rxOversize, rxErrors, protocolErrors atomic.Uint64
	txFrames, txBytes, txDropped, txErrors, connects, disconnects       atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		RxFrames:       c.rxFrames.Load(),
		RxBytes:        c.rxBytes.Load(),
		RxDropFull:     c.rxDropFull.Load(),
		RxOversize:     c.rxOversize.Load(),
		RxErrors:       c.rxErrors.Load(),
		ProtocolErrors: c.protocolErrors.Load(),
		TxFrames:       c.txFrames.Load(),
		TxBytes:        c.txBytes.Load(),
		TxDropped:      c.txDropped.Load(),
		TxErrors:       c.txErrors.Load(),
		Connects:       c.connects.Load(),
		Disconnects:    c.disconnects.Load(),
	}
}
