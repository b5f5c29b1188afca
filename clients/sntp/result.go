package sntp

import (
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// Result is the outcome of a round.
type Result struct {
	// Offset is what to add to the reactor's clock to get the server's
	// time; Delay is the round-trip delay of the exchange.
	Offset, Delay time.Duration
	// Server is the server that answered (or, for a failed round, the last
	// one asked) and Stratum its stratum.
	Server  netip.Addr
	Stratum uint8
	// At is the reactor instant when the reply arrived (T4).
	At reactor.Instant
	// Kiss is the code of the latest kiss-o'-death of the round, if any.
	Kiss wire.NTPKissCode
}

// Stats counts a client's work.
type Stats struct {
	Rounds, Failures uint64 // rounds begun, and those that ended in an error
	Requests         uint64 // requests sent, retransmissions included
	Timeouts         uint64 // requests that got no believable reply in time
	SendErrors       uint64 // requests the socket refused to queue
	Replies          uint64 // replies believed
	Rejected         uint64 // replies that echoed a request but were refused
	KissOfDeath      uint64 // of those, kiss-o'-deaths
	BadOrigin        uint64 // replies that did not echo the request in flight
	Malformed        uint64 // datagrams from the server that are not NTP replies
	Stray            uint64 // datagrams from elsewhere, or with no request in flight
}
