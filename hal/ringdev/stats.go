package ringdev

import "sync/atomic"

// Stats are a port's counters since New.
type Stats struct {
	RxFrames uint64 // frames published to the receive ring
	RxBytes  uint64
	// RxDropFull counts frames read while the receive ring was full: the
	// reactor is not keeping up.
	RxDropFull uint64
	// RxOversize counts received frames longer than the MTU (dropped).
	RxOversize uint64
	// RxErrors counts what the driver reported with RxError.
	RxErrors uint64
	TxFrames uint64 // frames written, each in one Write
	TxBytes  uint64 // their length, headroom excluded
	// TxErrors counts failed writes; those frames are dropped.
	TxErrors uint64
}

// counters is Stats as atomics: the driver goroutines write them, Stats reads
// them from any goroutine.
type counters struct {
	rxFrames, rxBytes, rxDropFull, rxOversize, rxErrors atomic.Uint64
	txFrames, txBytes, txErrors                         atomic.Uint64
}

// Stats returns a snapshot of the counters. Safe from any goroutine.
func (d *Driver) Stats() Stats {
	c := &d.n
	return Stats{
		RxFrames:   c.rxFrames.Load(),
		RxBytes:    c.rxBytes.Load(),
		RxDropFull: c.rxDropFull.Load(),
		RxOversize: c.rxOversize.Load(),
		RxErrors:   c.rxErrors.Load(),
		TxFrames:   c.txFrames.Load(),
		TxBytes:    c.txBytes.Load(),
		TxErrors:   c.txErrors.Load(),
	}
}
