package stack

import (
	"net/netip"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

type arpState uint8

const (
	arpFree arpState = iota
	arpIncomplete
	arpReachable
)

type arpEntry struct {
	ip        netip.Addr
	mac       wire.HardwareAddr
	state     arpState
	expires   reactor.Instant // reachable: when to forget
	nextRetry reactor.Instant // incomplete: when to (re)send a request
	requests  int             // incomplete: requests sent so far
	lastUsed  reactor.Instant
}

// arpCache is a fixed table of neighbours. It is small (Config.ARPCacheSize),
// so a linear scan costs less than a map and allocates nothing.
type arpCache struct {
	entries []arpEntry
}

func (c *arpCache) init(n int) { c.entries = make([]arpEntry, n) }

func (c *arpCache) clear() {
	for i := range c.entries {
		c.entries[i] = arpEntry{}
	}
}

func (c *arpCache) lookup(ip netip.Addr) *arpEntry {
	for i := range c.entries {
		if e := &c.entries[i]; e.state != arpFree && e.ip == ip {
			return e
		}
	}
	return nil
}

// victim returns the entry to reuse for a new neighbour: a free one, else
// the least recently used resolved one, else the least recently used one
// still resolving. Resolved entries go first because evicting one costs at
// most a new request, while evicting one in progress wastes its requests and
// drops the packets waiting for it.
func (c *arpCache) victim() *arpEntry {
	var lru, lruIncomplete *arpEntry
	for i := range c.entries {
		e := &c.entries[i]
		switch {
		case e.state == arpFree:
			return e
		case e.state == arpReachable:
			if lru == nil || e.lastUsed < lru.lastUsed {
				lru = e
			}
		case e.state == arpIncomplete:
			if lruIncomplete == nil || e.lastUsed < lruIncomplete.lastUsed {
				lruIncomplete = e
			}
		}
	}
	if lru != nil {
		return lru
	}
	return lruIncomplete
}

// arpAlloc takes a cache entry for ip. If it evicts a neighbour still being
// resolved, the packets waiting for that neighbour are dropped: nothing else
// would ever send or free them.
func (s *Stack) arpAlloc(ip netip.Addr) *arpEntry {
	e := s.arp.victim()
	if e.state == arpIncomplete {
		s.dropPendingFor(e.ip)
	}
	*e = arpEntry{ip: ip}
	return e
}

// arpLearn records that e's address is at mac, and flags the frames that may
// be waiting for it to be flushed.
func (s *Stack) arpLearn(e *arpEntry, mac wire.HardwareAddr) {
	wasIncomplete := e.state == arpIncomplete
	e.mac, e.state = mac, arpReachable
	e.expires = s.now.Add(s.cfg.ARPEntryTTL)
	e.lastUsed = s.now
	if wasIncomplete {
		s.counters.ARPResolved++
		s.flush = true
	}
}

// poll sends due requests, expires entries and gives up on neighbours that
// never answered. It answers the next instant it needs.
func (c *arpCache) poll(s *Stack) reactor.Instant {
	next := reactor.Never
	for i := range c.entries {
		e := &c.entries[i]
		switch e.state {
		case arpReachable:
			if s.now >= e.expires {
				*e = arpEntry{}
				continue
			}
			next = reactor.Min(next, e.expires)
		case arpIncomplete:
			if s.now >= e.nextRetry {
				if e.requests >= s.cfg.ARPRetries {
					s.dropPendingFor(e.ip)
					*e = arpEntry{}
					if s.udpSend.len() > 0 {
						// Sockets may hold more datagrams for this
						// neighbour (kept there while the pending queue
						// was full). Ask to run again at once so they are
						// retried, which starts a new resolution, instead
						// of stranding them until some unrelated wake.
						next = s.now
					}
					continue
				}
				if s.linkUp && s.sendARP(wire.ARPRequest, wire.BroadcastHW, s.addr.Addr(), wire.HardwareAddr{}, e.ip) {
					s.counters.ARPRequests++
					e.requests++
					e.nextRetry = s.now.Add(s.cfg.ARPRetryInterval)
				} else {
					// No room on the device (it wakes us) or link down.
					e.nextRetry = s.now.Add(s.cfg.ARPRetryInterval / 10)
				}
			}
			next = reactor.Min(next, e.nextRetry)
		}
	}
	return next
}

func (s *Stack) receiveARP(b []byte) {
	s.counters.RxARP++
	p, err := wire.NewARPPacket(b)
	if err != nil {
		s.drop(wireDropReason(err))
		return
	}
	var r wire.ARPRepr
	r.Parse(p)
	if r.SenderHW.IsMulticast() || r.SenderHW.IsZero() {
		s.drop(DropARPMalformed)
		return
	}
	s.probeSaw(&r)
	if !s.addr.IsValid() {
		s.drop(DropUnconfigured)
		return
	}
	ours := s.addr.Addr()
	senderOK := r.SenderIP.IsValid() && !s.martian(r.SenderIP) && s.addr.Contains(r.SenderIP)
	// RFC 826 merge: refresh a neighbour we already know of.
	merged := false
	if senderOK {
		if e := s.arp.lookup(r.SenderIP); e != nil {
			s.arpLearn(e, r.SenderHW)
			merged = true
		}
	}
	if r.TargetIP != ours {
		return // not about us; counted in RxARP
	}
	if senderOK && !merged {
		s.arpLearn(s.arpAlloc(r.SenderIP), r.SenderHW)
	}
	if r.Op == wire.ARPRequest {
		// A probe (sender 0.0.0.0, RFC 5227) gets an answer too: it is how
		// the prober learns the address is taken.
		dstHW := r.SenderHW
		s.sendARP(wire.ARPReply, dstHW, ours, r.SenderHW, r.SenderIP)
	}
}

// sendARP emits an ARP packet in one frame; false if the device had no room.
func (s *Stack) sendARP(op wire.ARPOp, ethDst wire.HardwareAddr, senderIP netip.Addr, targetHW wire.HardwareAddr, targetIP netip.Addr) bool {
	buf, ok := s.dev.Transmit()
	if !ok {
		s.drop(DropDeviceBusy)
		return false
	}
	eth := wire.EthernetRepr{Dst: ethDst, Src: s.mac, EtherType: wire.EtherTypeARP}
	eth.Emit(buf)
	r := wire.ARPRepr{Op: op, SenderHW: s.mac, SenderIP: senderIP, TargetHW: targetHW, TargetIP: targetIP}
	r.Emit(buf[wire.EthernetHeaderLen:])
	n := wire.EthernetHeaderLen + wire.ARPLen
	if n < 60 {
		// Pad to the Ethernet minimum; some peers drop runts.
		clear(buf[n:60])
		n = 60
	}
	s.commit(n)
	s.counters.TxARP++
	return true
}

func (s *Stack) commit(n int) {
	s.dev.Commit(n)
	s.counters.TxFrames++
	s.counters.TxBytes += uint64(n)
}

// Neighbor reports the MAC address the ARP cache holds for ip, if resolved.
func (s *Stack) Neighbor(ip netip.Addr) (wire.HardwareAddr, bool) {
	if e := s.arp.lookup(ip); e != nil && e.state == arpReachable {
		return e.mac, true
	}
	return wire.HardwareAddr{}, false
}
