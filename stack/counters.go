package stack

// DropReason says why the stack dropped a frame or packet.
type DropReason uint8

const (
	DropTruncated         DropReason = iota // shorter than a header or a length field says
	DropOversize                            // frame longer than the link MTU
	DropBadVersion                          // IP version not 4
	DropBadHeaderLen                        // IHL or data offset too small
	DropBadLength                           // inconsistent length fields
	DropBadChecksum                         // IPv4, ICMP or UDP checksum wrong
	DropMartianSource                       // source address no host may use (RFC 1812 5.3.7)
	DropNotForUs                            // MAC or IP destination is not this host
	DropUnknownEtherType                    // neither IPv4 nor ARP
	DropUnknownProtocol                     // IP protocol with no handler
	DropARPUnsupported                      // ARP for another hardware or protocol type
	DropARPMalformed                        // ARP with a bad sender address
	DropFragmentOverlap                     // fragment overlapping another (RFC 5722 spirit)
	DropReassemblyFull                      // no reassembly slot free
	DropReassemblyTooBig                    // reassembled datagram over the configured size
	DropReassemblyTimeout                   // incomplete datagram timed out
	DropUnconfigured                        // the stack has no address yet
	DropSocketFull                          // the socket's receive ring was full
	DropICMPUnhandled                       // ICMP type the stack does not act on
	DropARPPendingFull                      // no room to hold a packet awaiting ARP
	DropARPFailed                           // next hop never answered ARP
	DropNoRoute                             // no route to the destination
	DropLinkDown                            // link down at send time
	DropDeviceBusy                          // device had no transmit buffer
	DropICMPRateLimited                     // ICMP error suppressed by the rate limit
	DropBroadcastSource                     // Ethernet source is a broadcast or multicast MAC
	DropNoSocket                            // UDP datagram or TCP segment for a port nobody holds
	DropListenOverflow                      // SYN for a listener whose backlog is full
	DropNoTCPSlot                           // SYN refused: every TCP connection record (Resources) is taken
	numDropReasons
)

var dropNames = [numDropReasons]string{
	DropTruncated:         "truncated",
	DropOversize:          "oversize",
	DropBadVersion:        "bad_version",
	DropBadHeaderLen:      "bad_header_len",
	DropBadLength:         "bad_length",
	DropBadChecksum:       "bad_checksum",
	DropMartianSource:     "martian_source",
	DropNotForUs:          "not_for_us",
	DropUnknownEtherType:  "unknown_ethertype",
	DropUnknownProtocol:   "unknown_protocol",
	DropARPUnsupported:    "arp_unsupported",
	DropARPMalformed:      "arp_malformed",
	DropFragmentOverlap:   "fragment_overlap",
	DropReassemblyFull:    "reassembly_full",
	DropReassemblyTooBig:  "reassembly_too_big",
	DropReassemblyTimeout: "reassembly_timeout",
	DropUnconfigured:      "unconfigured",
	DropSocketFull:        "socket_full",
	DropICMPUnhandled:     "icmp_unhandled",
	DropARPPendingFull:    "arp_pending_full",
	DropARPFailed:         "arp_failed",
	DropNoRoute:           "no_route",
	DropLinkDown:          "link_down",
	DropDeviceBusy:        "device_busy",
	DropICMPRateLimited:   "icmp_rate_limited",
	DropBroadcastSource:   "broadcast_source",
	DropNoSocket:          "no_socket",
	DropListenOverflow:    "listen_overflow",
	DropNoTCPSlot:         "no_tcp_slot",
}

// String names the reason in snake case, as counters are exported.
func (r DropReason) String() string {
	if r < numDropReasons {
		return dropNames[r]
	}
	return "unknown"
}

// NumDropReasons is the number of DropReason values, for iterating.
const NumDropReasons = int(numDropReasons)

// Counters are the stack's statistics. Read them with Stack.Counters; they
// are a plain value, safe to copy and compare.
type Counters struct {
	RxFrames, RxBytes uint64
	TxFrames, TxBytes uint64

	RxARP, TxARP       uint64
	ARPMisses          uint64 // sends that found no resolved neighbour
	ARPRequests        uint64 // requests sent (including retries)
	ARPGratuitous      uint64 // announcements sent
	ARPResolved        uint64 // entries that became resolved
	RxIPv4, TxIPv4     uint64
	RxFragments        uint64
	Reassembled        uint64
	RxICMP, TxICMP     uint64
	EchoRequests       uint64 // echo requests answered
	RxUDP, TxUDP       uint64
	RxTCP, TxTCP       uint64
	UDPPortUnreachable uint64 // port-unreachable errors sent
	ICMPErrorsSent     uint64
	ICMPErrorsReceived uint64
	TCPNoSlot          uint64 // DialTCP and Accept calls refused: every TCP record of the Resources taken
	TCPRefused         uint64 // SYNs answered with a reset: no record free, or a full backlog with ListenConfig.RefuseWhenFull
	Dropped            uint64 // all drops
	Drops              [numDropReasons]uint64
}

// Drop reports the count for one reason.
func (c Counters) Drop(r DropReason) uint64 {
	if r < numDropReasons {
		return c.Drops[r]
	}
	return 0
}
