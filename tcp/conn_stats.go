package tcp

// Stats counts what a connection did, for the stack's counters and for
// anyone judging how a path behaves.
type Stats struct {
	SegmentsIn  uint64 // segments given to Input
	SegmentsOut uint64 // segments Output wrote
	// The rest are 32 bits, which keeps an idle connection small; they
	// wrap after four billion events, which takes years of the worst path.
	Retransmits uint32 // data or FIN segments sent again
	Timeouts    uint32 // retransmission timer expiries
	Recoveries  uint32 // fast recoveries entered (RFC 5681, 6582, 6675)
	Challenges  uint32 // rate-limited ACKs: RFC 5961 challenges, answers to out-of-window ACKs
	PAWSDrops   uint32 // segments dropped as old duplicates (RFC 7323 5)
	Unaccepted  uint32 // segments outside the receive window, acknowledged and dropped
	OutOfOrder  uint32 // segments that arrived beyond a hole
	PoolMisses  uint32 // segments whose data was dropped: the pool had no receive buffer (Config.Pool)
}

// Stats returns the connection's counters.
func (c *Conn) Stats() Stats { return c.stats }
