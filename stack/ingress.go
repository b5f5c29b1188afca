package stack

import (
	"net/netip"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/wire"
)

// receive handles one frame. Every path either consumes the frame or counts
// exactly one drop reason.
func (s *Stack) receive(frame []byte) {
	s.counters.RxFrames++
	s.counters.RxBytes += uint64(len(frame))
	if len(frame) > s.mtu {
		s.drop(DropOversize)
		return
	}
	eth, err := wire.NewEthernetFrame(frame)
	if err != nil {
		s.drop(DropTruncated)
		return
	}
	src := eth.Src()
	if src.IsMulticast() { // broadcast included
		s.drop(DropBroadcastSource)
		return
	}
	dst := eth.Dst()
	l2bcast := dst.IsBroadcast()
	if dst != s.mac && !l2bcast {
		s.drop(DropNotForUs)
		return
	}
	switch eth.EtherType() {
	case wire.EtherTypeARP:
		s.receiveARP(eth.Payload())
	case wire.EtherTypeIPv4:
		s.receiveIPv4(eth.Payload(), l2bcast)
	default:
		s.drop(DropUnknownEtherType)
	}
}

// ipMeta describes a received IPv4 datagram to the protocol handlers.
type ipMeta struct {
	src, dst netip.Addr
	proto    wire.IPProtocol
	header   []byte // the IPv4 header as received, for quoting in ICMP errors
	// unicast: addressed to this host alone at both layers; only such
	// datagrams get ICMP errors and echo replies.
	unicast bool
}

func wireDropReason(err error) DropReason {
	if we, ok := err.(wire.Error); ok {
		switch we {
		case wire.ErrBadVersion:
			return DropBadVersion
		case wire.ErrBadHeaderLen:
			return DropBadHeaderLen
		case wire.ErrBadLength:
			return DropBadLength
		case wire.ErrBadChecksum:
			return DropBadChecksum
		case wire.ErrUnsupported:
			return DropARPUnsupported
		}
	}
	return DropTruncated
}

func (s *Stack) receiveIPv4(b []byte, l2bcast bool) {
	p, err := wire.NewIPv4Packet(b)
	if err != nil {
		s.drop(wireDropReason(err))
		return
	}
	if s.offload&hal.OffloadRxIPv4 == 0 && !p.VerifyChecksum() {
		s.drop(DropBadChecksum)
		return
	}
	s.counters.RxIPv4++
	src, dst := p.Src(), p.Dst()
	if s.martian(src) {
		s.drop(DropMartianSource)
		return
	}
	m := ipMeta{src: src, dst: dst, proto: p.Protocol(), header: p[:p.HeaderLen()]}
	switch {
	case !s.addr.IsValid():
		// Unconfigured: only UDP gets through, so a DHCP client can hear
		// offers sent to the broadcast address or unicast to the address
		// being offered (RFC 2131 4.1). No ICMP goes back: m.unicast false.
		if m.proto != wire.IPProtocolUDP {
			s.drop(DropUnconfigured)
			return
		}
	case dst == s.addr.Addr():
		m.unicast = !l2bcast
	case s.isBroadcast(dst):
	default:
		s.drop(DropNotForUs)
		return
	}
	payload := p.Payload()
	if p.MoreFrags() || p.FragOffset() != 0 {
		s.counters.RxFragments++
		var ok bool
		payload, m.header, ok = s.frag.add(s, p)
		if !ok {
			return // held for more fragments, or dropped and counted
		}
		s.counters.Reassembled++
	}
	switch m.proto {
	case wire.IPProtocolICMP:
		s.receiveICMP(&m, payload)
	case wire.IPProtocolUDP:
		s.receiveUDP(&m, payload)
	case wire.IPProtocolTCP:
		s.receiveTCP(&m, payload)
	default:
		s.drop(DropUnknownProtocol)
		s.sendICMPError(&m, payload, wire.ICMPv4DestUnreachable, wire.ICMPv4CodeProtoUnreachable)
	}
}

// martian reports a source address no host may send from (RFC 1812 5.3.7,
// RFC 1122 3.2.1.3): "this network", loopback, multicast, reserved and
// broadcast, our own address, and our subnet's broadcast address.
func (s *Stack) martian(a netip.Addr) bool {
	b := a.As4()
	switch {
	case b[0] == 0, b[0] == 127, b[0] >= 224:
		return true
	case s.addr.IsValid() && (a == s.addr.Addr() || s.isBroadcast(a)):
		return true
	}
	return false
}

// isBroadcast reports the limited broadcast address or our subnet's.
func (s *Stack) isBroadcast(a netip.Addr) bool {
	if a == limitedBroadcast {
		return true
	}
	if !s.addr.IsValid() || s.addr.Bits() >= 31 || !s.addr.Contains(a) {
		return false
	}
	return a == subnetBroadcast(s.addr)
}

func subnetBroadcast(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	host := ^uint32(0) >> p.Bits()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v |= host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
