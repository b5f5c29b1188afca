package stack

import (
	"net/netip"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// reassembler rebuilds fragmented IPv4 datagrams (RFC 791, RFC 815) in a
// fixed number of preallocated slots of a fixed size: memory is bounded by
// configuration, not by what peers send. Overlapping fragments drop the whole
// datagram (the policy RFC 5722 mandates for IPv6; it defeats the overlap
// tricks of teardrop and of IDS evasion).
type reassembler struct {
	slots []fragSlot
}

type fragKey struct {
	src, dst netip.Addr
	id       uint16
	proto    wire.IPProtocol
}

type fragSlot struct {
	used     bool
	key      fragKey
	deadline reactor.Instant
	buf      []byte   // payload bytes
	have     []uint64 // bitmap of 8-byte blocks received
	total    int      // payload length, known once the last fragment arrived (-1 before)
	header   [60]byte // the first fragment's header, for ICMP quotes
	hlen     int
}

func (r *reassembler) init(slots, maxSize int) {
	if slots < 0 {
		return
	}
	r.slots = make([]fragSlot, slots)
	blocks := (maxSize + 7) / 8
	for i := range r.slots {
		r.slots[i].buf = make([]byte, maxSize)
		r.slots[i].have = make([]uint64, (blocks+63)/64)
	}
}

// add files a fragment. When it completes a datagram, add returns its payload
// and the first fragment's header (both valid until the next add) and true.
func (r *reassembler) add(s *Stack, p wire.IPv4Packet) (payload, header []byte, ok bool) {
	key := fragKey{src: p.Src(), dst: p.Dst(), id: p.ID(), proto: p.Protocol()}
	data := p.Payload()
	off := p.FragOffset()
	more := p.MoreFrags()
	if more && len(data)%8 != 0 || len(data) == 0 && more {
		s.drop(DropBadLength) // every fragment but the last carries 8-byte blocks
		return nil, nil, false
	}
	var slot *fragSlot
	var free *fragSlot
	for i := range r.slots {
		f := &r.slots[i]
		if f.used && f.key == key {
			slot = f
			break
		}
		if !f.used && free == nil {
			free = f
		}
	}
	if slot == nil {
		if free == nil {
			s.drop(DropReassemblyFull)
			return nil, nil, false
		}
		slot = free
		slot.used, slot.key, slot.total, slot.hlen = true, key, -1, 0
		slot.deadline = s.now.Add(s.cfg.ReassemblyTimeout)
		clear(slot.have)
	}
	end := off + len(data)
	if end > len(slot.buf) {
		slot.used = false
		s.drop(DropReassemblyTooBig)
		return nil, nil, false
	}
	if !more {
		if slot.total >= 0 && slot.total != end || slot.anyBlockFrom(end) {
			slot.used = false
			s.drop(DropFragmentOverlap)
			return nil, nil, false
		}
		slot.total = end
	} else if slot.total >= 0 && end > slot.total {
		slot.used = false
		s.drop(DropFragmentOverlap)
		return nil, nil, false
	}
	// Mark blocks; any block already present is an overlap (an exact
	// duplicate from a retransmitting link is dropped too: rare, and the
	// datagram is resent whole by the sender anyway).
	first, last := off/8, (end+7)/8
	for b := first; b < last; b++ {
		if slot.have[b/64]&(1<<(b%64)) != 0 {
			slot.used = false
			s.drop(DropFragmentOverlap)
			return nil, nil, false
		}
	}
	for b := first; b < last; b++ {
		slot.have[b/64] |= 1 << (b % 64)
	}
	copy(slot.buf[off:], data)
	if off == 0 {
		slot.hlen = copy(slot.header[:], p[:p.HeaderLen()])
	}
	if slot.total < 0 || !slot.complete() {
		return nil, nil, false
	}
	slot.used = false
	return slot.buf[:slot.total], slot.header[:slot.hlen], true
}

func (f *fragSlot) complete() bool {
	blocks := (f.total + 7) / 8
	for b := 0; b < blocks; b++ {
		if f.have[b/64]&(1<<(b%64)) == 0 {
			return false
		}
	}
	return true
}

func (f *fragSlot) anyBlockFrom(end int) bool {
	for b := (end + 7) / 8; b < len(f.have)*64; b++ {
		if f.have[b/64]&(1<<(b%64)) != 0 {
			return true
		}
	}
	return false
}

// poll expires incomplete datagrams and answers the next deadline.
func (r *reassembler) poll(s *Stack) reactor.Instant {
	next := reactor.Never
	for i := range r.slots {
		f := &r.slots[i]
		if !f.used {
			continue
		}
		if s.now >= f.deadline {
			f.used = false
			s.drop(DropReassemblyTimeout)
			continue
		}
		next = reactor.Min(next, f.deadline)
	}
	return next
}
