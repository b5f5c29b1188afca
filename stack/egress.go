package stack

import (
	"net/netip"

	"github.com/seed947b3480/legation/wire"
)

// pendingFrame is a whole Ethernet frame waiting for its next hop's MAC.
type pendingFrame struct {
	buf     []byte
	n       int
	nexthop netip.Addr
	used    bool
	// seq orders parked frames: slots are reused in any order as other
	// next hops resolve, so the slot index says nothing about age.
	seq uint64
}

// route picks the next hop for dst: dst itself on-link, else the gateway.
func (s *Stack) route(dst netip.Addr) (netip.Addr, bool) {
	if !s.addr.IsValid() {
		// Unconfigured, a host may only broadcast (a DHCP client's
		// DISCOVER and REQUEST, from 0.0.0.0).
		if dst == limitedBroadcast {
			return dst, true
		}
		return netip.Addr{}, false
	}
	if s.isBroadcast(dst) || s.addr.Contains(dst) {
		return dst, true
	}
	if s.gw.IsValid() {
		return s.gw, true
	}
	return netip.Addr{}, false
}

// frameSlot is where an outgoing frame is being built: the device's transmit
// buffer (pending < 0) or a pending slot waiting on ARP.
type frameSlot struct {
	buf     []byte
	pending int
}

// beginFrame finds a buffer for a frame to nexthop and writes its Ethernet
// header (destination left for later when the neighbour is unresolved).
func (s *Stack) beginFrame(nexthop netip.Addr) (frameSlot, DropReason, bool) {
	if !s.linkUp {
		return frameSlot{}, DropLinkDown, false
	}
	var dst wire.HardwareAddr
	if s.isBroadcast(nexthop) {
		dst = wire.BroadcastHW
	} else {
		e := s.arp.lookup(nexthop)
		if e == nil || e.state != arpReachable {
			return s.beginPending(nexthop, e)
		}
		e.lastUsed = s.now
		dst = e.mac
	}
	buf, ok := s.dev.Transmit()
	if !ok {
		return frameSlot{}, DropDeviceBusy, false
	}
	eth := wire.EthernetRepr{Dst: dst, Src: s.mac, EtherType: wire.EtherTypeIPv4}
	eth.Emit(buf)
	return frameSlot{buf: buf, pending: -1}, 0, true
}

// arpMiss notes a frame for an unresolved next hop (e is its cache entry,
// nil if none) and starts resolving it.
func (s *Stack) arpMiss(nexthop netip.Addr, e *arpEntry) {
	s.counters.ARPMisses++
	if e == nil {
		e = s.arpAlloc(nexthop)
		e.state, e.nextRetry, e.lastUsed = arpIncomplete, s.now, s.now
		s.wake() // the request goes out in this poll's ARP pass or the next
	}
}

// beginPending lends a free pending slot for a frame to an unresolved
// nexthop (e is its cache entry, nil if none). The miss is counted, and
// resolution started, only when a frame is really parked
// (endFrame) or cannot be (no free slot), so a caller that leases a slot and
// then finds nothing to send (abandonFrame) leaves no trace.
func (s *Stack) beginPending(nexthop netip.Addr, e *arpEntry) (frameSlot, DropReason, bool) {
	for i := range s.pending {
		if p := &s.pending[i]; !p.used {
			eth := wire.EthernetRepr{Src: s.mac, EtherType: wire.EtherTypeIPv4}
			eth.Emit(p.buf)
			p.nexthop = nexthop
			return frameSlot{buf: p.buf, pending: i}, 0, true
		}
	}
	s.arpMiss(nexthop, e)
	return frameSlot{}, DropARPPendingFull, false
}

// endFrame sends (or parks) the frame with n bytes after the Ethernet header.
func (s *Stack) endFrame(f frameSlot, n int) {
	n += wire.EthernetHeaderLen
	if n < 60 {
		clear(f.buf[n:60])
		n = 60
	}
	if f.pending < 0 {
		s.commit(n)
		return
	}
	p := &s.pending[f.pending]
	s.pendingSeq++
	p.n, p.used, p.seq = n, true, s.pendingSeq
	s.arpMiss(p.nexthop, s.arp.lookup(p.nexthop))
}

// abandonFrame gives back a slot from beginFrame without sending anything.
func (s *Stack) abandonFrame(f frameSlot) {
	if f.pending < 0 {
		s.dev.Commit(0)
	}
}

func (s *Stack) freePending() int {
	n := 0
	for i := range s.pending {
		if !s.pending[i].used {
			n++
		}
	}
	return n
}

// flushPending sends parked frames whose next hop has been resolved, oldest
// first, so each next hop sees its frames in the order they were sent.
func (s *Stack) flushPending() {
	s.flush = false
	for {
		p, mac := s.oldestSendable()
		if p == nil {
			return
		}
		buf, ok := s.dev.Transmit()
		if !ok {
			s.flush = true // try again when the device has room
			return
		}
		copy(buf, p.buf[:p.n])
		wire.EthernetFrame(buf).SetDst(mac)
		s.commit(p.n)
		p.used = false
	}
}

// oldestSendable finds the oldest parked frame whose next hop is resolved.
// The queue is small (Config.ARPPendingPackets), so a scan per frame costs
// less than keeping it sorted.
func (s *Stack) oldestSendable() (*pendingFrame, wire.HardwareAddr) {
	var best *pendingFrame
	var mac wire.HardwareAddr
	for i := range s.pending {
		p := &s.pending[i]
		if !p.used || best != nil && p.seq > best.seq {
			continue
		}
		if e := s.arp.lookup(p.nexthop); e != nil && e.state == arpReachable {
			best, mac = p, e.mac
		}
	}
	return best, mac
}

func (s *Stack) dropPendingFor(nexthop netip.Addr) {
	for i := range s.pending {
		if p := &s.pending[i]; p.used && p.nexthop == nexthop {
			p.used = false
			s.drop(DropARPFailed)
		}
	}
}

// sendIPv4 sends one datagram whose payload is hdr followed by data (hdr is
// the transport header, data aliases a socket ring or a received frame). It
// fragments when the datagram exceeds the link MTU. On failure nothing is
// sent and the reason is returned; the caller decides whether to count it or
// retry later.
func (s *Stack) sendIPv4(dst netip.Addr, proto wire.IPProtocol, hdr, data []byte) (DropReason, bool) {
	nexthop, ok := s.route(dst)
	if !ok {
		return DropNoRoute, false
	}
	total := len(hdr) + len(data)
	if total > maxIPv4Payload {
		return DropOversize, false
	}
	maxPayload := s.mtu - wire.EthernetHeaderLen - wire.IPv4HeaderLen
	chunk := total
	if total > maxPayload {
		chunk = maxPayload &^ 7
		if (total+chunk-1)/chunk > s.freePending() && !s.resolved(nexthop) {
			// Parking only some of the fragments would send a datagram
			// nobody can reassemble. Refuse it whole, but start resolving
			// so that a retry (the peer's next ping) finds the neighbour.
			s.arpMiss(nexthop, s.arp.lookup(nexthop))
			return DropARPPendingFull, false
		}
	}
	s.ipID++
	for off := 0; off < total; off += chunk {
		n := min(chunk, total-off)
		f, why, ok := s.beginFrame(nexthop)
		if !ok {
			// A datagram is all or nothing: if a later fragment cannot go
			// out the earlier ones are wasted, but counted once here.
			return why, false
		}
		ip := wire.IPv4Repr{Src: s.srcAddr(), Dst: dst, Protocol: proto, TTL: s.cfg.TTL, ID: s.ipID, PayloadLen: n}
		pkt := f.buf[wire.EthernetHeaderLen:]
		ip.Emit(pkt)
		if chunk < total {
			setFragment(pkt, off, off+n < total)
		}
		copyConcat(pkt[wire.IPv4HeaderLen:wire.IPv4HeaderLen+n], hdr, data, off)
		s.endFrame(f, wire.IPv4HeaderLen+n)
		s.counters.TxIPv4++
	}
	return 0, true
}

func (s *Stack) resolved(nexthop netip.Addr) bool {
	if s.isBroadcast(nexthop) {
		return true
	}
	e := s.arp.lookup(nexthop)
	return e != nil && e.state == arpReachable
}

// setFragment sets the fragment offset and MF flag of an emitted header and
// refreshes its checksum.
func setFragment(pkt []byte, off int, more bool) {
	v := uint16(off / 8)
	if more {
		v |= 0x2000
	}
	pkt[6], pkt[7] = byte(v>>8), byte(v)
	wire.IPv4Packet(pkt).FillChecksum()
}

// copyConcat copies len(dst) bytes of a||b starting at off into dst.
func copyConcat(dst, a, b []byte, off int) {
	if off < len(a) {
		n := copy(dst, a[off:])
		dst, off = dst[n:], 0
	} else {
		off -= len(a)
	}
	copy(dst, b[off:])
}

var limitedBroadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// srcAddr is the source of packets the stack sends: its address, or
// 0.0.0.0 while it has none (RFC 2131 4.1).
func (s *Stack) srcAddr() netip.Addr {
	if s.addr.IsValid() {
		return s.addr.Addr()
	}
	return netip.IPv4Unspecified()
}
