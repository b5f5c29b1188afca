package tcp

// Stats counts what a connection did, for the stack's counters and for
// anyone judging how a path behaves.
type Stats struct {
	SegmentsIn  uint64 // segments given to Input
	SegmentsOut uint64 // segments Output wrote
	Retransmits uint64 // data or FIN segments sent again
	Timeouts    uint64 // retransmission timer expiries
	Recoveries  uint64 // fast recoveries entered (RFC 5681, 6582, 6675)
	Challenges  uint64 // rate-limited ACKs: RFC 5961 challenges, answers to out-of-window ACKs
	PAWSDrops   uint64 // segments dropped as old duplicates (RFC 7323 5)
	Unaccepted  uint64 // segments outside the receive window, acknowledged and dropped
	OutOfOrder  uint64 // segments that arrived beyond a hole
}

// Stats returns the connection's counters.
func (c *Conn) Stats() Stats { return c.stats }
