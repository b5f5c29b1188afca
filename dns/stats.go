package dns

// Stats counts a resolver's work. Sent minus Retransmits is the number of
// questions that went to the network; the interop tests compare it with
// the server's own query log.
type Stats struct {
	Lookups      uint64 // lookups started
	CacheHits    uint64 // lookups answered from the cache, positive or negative
	NegativeHits uint64 // of CacheHits, those that were NXDOMAIN or NODATA
	Queries      uint64 // questions started on the network (CNAME targets included)
	Sent         uint64 // query datagrams handed to the stack, retransmissions included
	Retransmits  uint64 // of Sent, those after the first for a question
	SendErrors   uint64 // sends the socket refused (counted as lost)
	Answers      uint64 // answers accepted (matching ID, question and source)
	Rejected     uint64 // datagrams that did not match the query on their socket
	Stale        uint64 // datagrams on a socket with no query (late answers to its last port) or one gone over to TCP
	Malformed    uint64 // matching answers that failed to parse
	Truncated    uint64 // matching answers with TC set
	Timeouts     uint64 // questions that ran out of attempts unanswered
	TooMany      uint64 // lookups refused with ErrTooManyQueries
	AddrsDropped uint64 // address records beyond MaxAddrs
	Evictions    uint64 // live cache entries evicted to make room

	// The TCP fallback: every truncated answer, counted in Truncated, is
	// asked for again over TCP when the fallback is on.
	TCPQueries uint64 // TCP connections opened to ask a question again
	TCPWaits   uint64 // fallbacks that had to wait for a free connection (Config.TCPConns)
	TCPAnswers uint64 // whole answers read over TCP (also counted in Answers)
	TCPErrors  uint64 // fallbacks that failed: refused, reset, closed early, bad length, too large or timed out
}
