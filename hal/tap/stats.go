package tap

import "sync/atomic"

// Stats are the device's counters since Open.
type Stats struct {
	RxFrames uint64 // frames handed to the receive ring
	RxBytes  uint64
	// RxDropFull counts frames read while the receive ring was full: the
	// reactor is not keeping up.
	RxDropFull uint64
	// RxOversize counts frames longer than MTU+14 bytes.
	RxOversize uint64
	// RxErrors counts failed reads; the first one that is not transient
	// stops the receive goroutine and takes the link down.
	RxErrors uint64
	TxFrames uint64 // frames written to the kernel
	TxBytes  uint64
	// TxErrors counts frames the kernel refused, such as every frame
	// written while the kernel side is down (EIO); they are dropped.
	TxErrors uint64
}

// counters is Stats as atomics: the driver goroutines write them, Stats reads
// them from any goroutine.
type counters struct {
	rxFrames, rxBytes, rxDropFull, rxOversize, rxErrors atomic.Uint64
	txFrames, txBytes, txErrors                         atomic.Uint64
}

func (c *counters) snapshot() Stats {
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
