package loopback

import "sync/atomic"

// Stats counts what passed through one end. TX counters are written by the
// goroutine driving this end and RX counters by the same goroutine when it
// receives; they are atomics so another goroutine may read them at any time.
type Stats struct {
	TxFrames, TxBytes uint64
	RxFrames, RxBytes uint64
	// TxNoRoom counts Transmit calls refused because the peer's receive
	// ring was full: the frame the stack wanted to send was not sent.
	TxNoRoom uint64
	// TxLinkDown counts Transmit calls refused because the link was down.
	TxLinkDown uint64
}

type counters struct {
	txFrames, txBytes atomic.Uint64
	rxFrames, rxBytes atomic.Uint64
	txNoRoom          atomic.Uint64
	txLinkDown        atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		TxFrames:   c.txFrames.Load(),
		TxBytes:    c.txBytes.Load(),
		RxFrames:   c.rxFrames.Load(),
		RxBytes:    c.rxBytes.Load(),
		TxNoRoom:   c.txNoRoom.Load(),
		TxLinkDown: c.txLinkDown.Load(),
	}
}
