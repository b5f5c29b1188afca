package stack

import (
	"encoding/binary"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/wire"
)

// icmpQuoteMax bounds the original datagram quoted in an ICMP error so the
// error fits in 576 bytes (RFC 1812 4.3.2.3).
const icmpQuoteMax = 576 - wire.IPv4HeaderLen - wire.ICMPv4HeaderLen

func (s *Stack) receiveICMP(m *ipMeta, b []byte) {
	p, err := wire.NewICMPv4Packet(b)
	if err != nil {
		s.drop(DropTruncated)
		return
	}
	if s.offload&hal.OffloadRxL4 == 0 && !p.VerifyChecksum() {
		s.drop(DropBadChecksum)
		return
	}
	s.counters.RxICMP++
	switch p.Type() {
	case wire.ICMPv4EchoRequest:
		if !m.unicast {
			// Like Linux's icmp_echo_ignore_broadcasts: no smurf amplifier.
			s.drop(DropNotForUs)
			return
		}
		s.replyEcho(m, p)
	case wire.ICMPv4DestUnreachable, wire.ICMPv4TimeExceeded:
		s.counters.ICMPErrorsReceived++
	case wire.ICMPv4EchoReply:
		// No ping sockets yet: counted in RxICMP.
	default:
		s.drop(DropICMPUnhandled)
	}
}

func (s *Stack) replyEcho(m *ipMeta, p wire.ICMPv4Packet) {
	var hdr [wire.ICMPv4HeaderLen]byte
	copy(hdr[:], p[:wire.ICMPv4HeaderLen])
	hdr[0], hdr[1] = byte(wire.ICMPv4EchoReply), 0
	// Type 8 -> 0 changes the first 16-bit word only: incremental update.
	old := binary.BigEndian.Uint16(p[0:2])
	sum := wire.UpdateChecksum(p.Checksum(), old, binary.BigEndian.Uint16(hdr[0:2]))
	binary.BigEndian.PutUint16(hdr[2:4], sum)
	if why, ok := s.sendIPv4(m.src, wire.IPProtocolICMP, hdr[:], p.Data()); !ok {
		s.drop(why)
		return
	}
	s.counters.EchoRequests++
	s.counters.TxICMP++
}

// sendICMPError reports a problem with a received datagram to its sender,
// following RFC 1122 3.2.2: never about an ICMP error, a broadcast or
// multicast, a non-initial fragment (reassembled ones are whole), and never
// faster than the configured rate. It reports whether the error was sent (or
// queued behind ARP).
func (s *Stack) sendICMPError(m *ipMeta, payload []byte, typ wire.ICMPv4Type, code uint8) bool {
	if !m.unicast || s.cfg.ICMPErrorsPerSecond < 0 {
		return false
	}
	if m.proto == wire.IPProtocolICMP && len(payload) > 0 {
		switch wire.ICMPv4Type(payload[0]) {
		case wire.ICMPv4EchoReply, wire.ICMPv4EchoRequest:
		default:
			return false
		}
	}
	if !s.icmpToken() {
		s.drop(DropICMPRateLimited)
		return false
	}
	// The quote is the original header plus as much payload as fits.
	var msg [wire.ICMPv4HeaderLen + 60]byte
	hdr := msg[:wire.ICMPv4HeaderLen+len(m.header)]
	hdr[0], hdr[1] = byte(typ), code
	copy(hdr[wire.ICMPv4HeaderLen:], m.header)
	quote := payload
	if room := icmpQuoteMax - len(m.header); len(quote) > room {
		quote = quote[:room]
	}
	sum := wire.Checksum(quote, uint32(wire.Checksum(hdr, 0)))
	binary.BigEndian.PutUint16(hdr[2:4], ^sum)
	if why, ok := s.sendIPv4(m.src, wire.IPProtocolICMP, hdr, quote); !ok {
		s.drop(why)
		return false
	}
	s.counters.ICMPErrorsSent++
	s.counters.TxICMP++
	return true
}

// icmpToken takes one token from the ICMP error bucket, refilled each second.
func (s *Stack) icmpToken() bool {
	if s.now >= s.icmpRefill {
		s.icmpTokens = s.cfg.ICMPErrorsPerSecond
		s.icmpRefill = s.now.Add(1e9)
	}
	if s.icmpTokens <= 0 {
		return false
	}
	s.icmpTokens--
	return true
}
