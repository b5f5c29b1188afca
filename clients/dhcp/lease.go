package dhcp

import (
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// Event says what changed.
type Event uint8

const (
	// EventBound: a lease was acquired (from INIT or INIT-REBOOT) and the
	// stack configured with it.
	EventBound Event = iota + 1
	// EventRenewed: the leasing server extended the lease (RENEWING).
	EventRenewed
	// EventRebound: a server answered the broadcast REBINDING request.
	EventRebound
	// EventExpired: the lease ran out; the address, gateway, DNS and NTP
	// servers were removed and the client starts over.
	EventExpired
	// EventNAK: a server refused the lease; anything configured from it
	// was removed and the client starts over.
	EventNAK
	// EventDeclined: an ARP probe found the acknowledged address in use;
	// the client sent DECLINE and starts over after Config.DeclineWait.
	EventDeclined
	// EventReleased: Release gave the lease back and removed the address.
	EventReleased
)

var eventText = [...]string{
	EventBound: "bound", EventRenewed: "renewed", EventRebound: "rebound", EventExpired: "expired",
	EventNAK: "nak", EventDeclined: "declined", EventReleased: "released",
}

// String names the event; it does not allocate.
func (e Event) String() string {
	if int(e) < len(eventText) && eventText[e] != "" {
		return eventText[e]
	}
	return "unknown"
}

// Lease is a DHCP lease and the event that produced it. For EventBound,
// EventRenewed and EventRebound it is the configuration now in force; for
// the other events it describes the lease or offer just given up, and the
// stack holds none of it any more. (A NAK of an INIT-REBOOT request for an
// address the client held no lease for carries just that address, as a
// /32.)
type Lease struct {
	Event Event

	Addr    netip.Prefix // address and prefix
	Gateway netip.Addr   // first router on the subnet; invalid if none
	DNS     wire.DHCPv4AddrList
	NTP     wire.DHCPv4AddrList
	Server  netip.Addr // the server identifier

	// Duration is the lease time, Infinite for a lease that never ends;
	// T1 and T2 are the renewal and rebinding times, from the start.
	Duration, T1, T2 time.Duration
	// Start is when the REQUEST that won the lease was first sent: the
	// RFC counts the lease from then, not from the answer. Renew, Rebind
	// and Expires are Start plus T1, T2 and Duration (reactor.Never for
	// an infinite lease).
	Start, Renew, Rebind, Expires reactor.Instant
}

// Infinite is the Duration of a lease that never expires.
const Infinite time.Duration = 1<<63 - 1

// Active reports whether the lease is the one in force (its event is
// bound, renewed or rebound).
func (l *Lease) Active() bool {
	return l.Event == EventBound || l.Event == EventRenewed || l.Event == EventRebound
}

// Stats counts a client's messages.
type Stats struct {
	Discovers, Requests, Declines, Releases uint64 // sent
	Offers, Acks, Naks                      uint64 // received and acted on
	// Ignored counts received datagrams dropped: malformed, for another
	// client or transaction, or unexpected in the current state.
	Ignored uint64
	Probes  uint64 // ARP probes sent
}
