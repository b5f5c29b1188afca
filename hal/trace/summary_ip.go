package trace

import (
	"net/netip"
	"strconv"

	"github.com/seed947b3480/legation/wire"
)

func appendIPv4(dst []byte, b []byte) []byte {
	ip, err := wire.NewIPv4Packet(b)
	if err != nil {
		return appendErr(dst, err)
	}
	src, dstIP := ip.Src(), ip.Dst()
	payload := ip.Payload()
	// Only the first fragment carries the transport header.
	if ip.FragOffset() > 0 {
		dst = appendEndpoints(dst, src, dstIP, 0, 0, false)
		dst = append(dst, "frag offset "...)
		dst = strconv.AppendInt(dst, int64(ip.FragOffset()), 10)
		dst = appendLen(dst, len(payload))
		return appendIPFlags(dst, ip)
	}
	switch ip.Protocol() {
	case wire.IPProtocolICMP:
		dst = appendEndpoints(dst, src, dstIP, 0, 0, false)
		dst = appendICMP(dst, payload)
	case wire.IPProtocolUDP:
		dst = appendUDP(dst, payload, src, dstIP)
	case wire.IPProtocolTCP:
		dst = appendTCP(dst, payload, src, dstIP)
	default:
		dst = appendEndpoints(dst, src, dstIP, 0, 0, false)
		dst = append(dst, "ip-proto "...)
		dst = strconv.AppendUint(dst, uint64(ip.Protocol()), 10)
		dst = appendLen(dst, len(payload))
	}
	return appendIPFlags(dst, ip)
}

// appendIPFlags adds what is unusual about the IP header itself.
func appendIPFlags(dst []byte, ip wire.IPv4Packet) []byte {
	if ip.MoreFrags() {
		dst = append(dst, " [more frags]"...)
	}
	if !ip.VerifyChecksum() {
		dst = append(dst, " [bad ip cksum]"...)
	}
	return dst
}

// appendEndpoints writes "a > b: " or, with ports, tcpdump's "a.p > b.q: ".
func appendEndpoints(dst []byte, src, dstIP netip.Addr, sport, dport uint16, ports bool) []byte {
	dst = src.AppendTo(dst)
	if ports {
		dst = append(dst, '.')
		dst = strconv.AppendUint(dst, uint64(sport), 10)
	}
	dst = append(dst, " > "...)
	dst = dstIP.AppendTo(dst)
	if ports {
		dst = append(dst, '.')
		dst = strconv.AppendUint(dst, uint64(dport), 10)
	}
	return append(dst, ": "...)
}

func appendLen(dst []byte, n int) []byte {
	dst = append(dst, ", length "...)
	return strconv.AppendInt(dst, int64(n), 10)
}

func appendICMP(dst []byte, b []byte) []byte {
	p, err := wire.NewICMPv4Packet(b)
	if err != nil {
		dst = append(dst, "ICMP "...)
		return appendErr(dst, err)
	}
	dst = append(dst, "ICMP "...)
	echo := false
	switch p.Type() {
	case wire.ICMPv4EchoRequest:
		dst, echo = append(dst, "echo request"...), true
	case wire.ICMPv4EchoReply:
		dst, echo = append(dst, "echo reply"...), true
	case wire.ICMPv4DestUnreachable:
		dst = append(dst, "dest unreachable"...)
	case wire.ICMPv4TimeExceeded:
		dst = append(dst, "time exceeded"...)
	default:
		dst = append(dst, "type "...)
		dst = strconv.AppendUint(dst, uint64(p.Type()), 10)
	}
	if echo {
		dst = append(dst, ", id "...)
		dst = strconv.AppendUint(dst, uint64(p.EchoID()), 10)
		dst = append(dst, ", seq "...)
		dst = strconv.AppendUint(dst, uint64(p.EchoSeq()), 10)
	} else {
		dst = append(dst, " code "...)
		dst = strconv.AppendUint(dst, uint64(p.Code()), 10)
	}
	dst = appendLen(dst, len(p))
	if !p.VerifyChecksum() {
		dst = append(dst, " [bad cksum]"...)
	}
	return dst
}

func appendUDP(dst []byte, b []byte, src, dstIP netip.Addr) []byte {
	p, err := wire.NewUDPPacket(b)
	if err != nil {
		dst = appendEndpoints(dst, src, dstIP, 0, 0, false)
		dst = append(dst, "UDP "...)
		return appendErr(dst, err)
	}
	dst = appendEndpoints(dst, src, dstIP, p.SrcPort(), p.DstPort(), true)
	dst = append(dst, "UDP"...)
	dst = appendLen(dst, len(p.Payload()))
	if !p.VerifyChecksum(src, dstIP) {
		dst = append(dst, " [bad cksum]"...)
	}
	return dst
}

func appendTCP(dst []byte, b []byte, src, dstIP netip.Addr) []byte {
	p, err := wire.NewTCPPacket(b)
	if err != nil {
		dst = appendEndpoints(dst, src, dstIP, 0, 0, false)
		dst = append(dst, "TCP "...)
		return appendErr(dst, err)
	}
	dst = appendEndpoints(dst, src, dstIP, p.SrcPort(), p.DstPort(), true)
	dst = append(dst, "Flags "...)
	dst = p.Flags().AppendTo(dst)
	dst = append(dst, ", seq "...)
	dst = strconv.AppendUint(dst, uint64(p.Seq()), 10)
	if n := len(p.Payload()); n > 0 {
		// tcpdump's first:last form, so the range carried is plain.
		dst = append(dst, ':')
		dst = strconv.AppendUint(dst, uint64(p.Seq()+uint32(n)), 10)
	}
	if p.Flags()&wire.TCPAck != 0 {
		dst = append(dst, ", ack "...)
		dst = strconv.AppendUint(dst, uint64(p.Ack()), 10)
	}
	dst = append(dst, ", win "...)
	dst = strconv.AppendUint(dst, uint64(p.Window()), 10)
	if opts := p.Options(); len(opts) > 0 {
		dst = appendTCPOptions(dst, opts)
	}
	dst = appendLen(dst, len(p.Payload()))
	if !p.VerifyChecksum(src, dstIP) {
		dst = append(dst, " [bad cksum]"...)
	}
	return dst
}

func appendTCPOptions(dst []byte, b []byte) []byte {
	var o wire.TCPOptions
	dst = append(dst, ", options ["...)
	if err := o.Parse(b); err != nil {
		dst = append(dst, err.Error()...)
		return append(dst, ']')
	}
	n := len(dst)
	sep := func() {
		if len(dst) > n {
			dst = append(dst, ',')
		}
	}
	if o.HasMSS {
		sep()
		dst = append(dst, "mss "...)
		dst = strconv.AppendUint(dst, uint64(o.MSS), 10)
	}
	if o.SACKPermitted {
		sep()
		dst = append(dst, "sackOK"...)
	}
	if o.HasTimestamps {
		sep()
		dst = append(dst, "TS val "...)
		dst = strconv.AppendUint(dst, uint64(o.TSVal), 10)
		dst = append(dst, " ecr "...)
		dst = strconv.AppendUint(dst, uint64(o.TSEcr), 10)
	}
	if o.HasWindowScale {
		sep()
		dst = append(dst, "wscale "...)
		dst = strconv.AppendUint(dst, uint64(o.WindowScale), 10)
	}
	if o.NumSACK > 0 {
		sep()
		dst = append(dst, "sack"...)
		for _, blk := range o.SACK[:min(o.NumSACK, len(o.SACK))] {
			dst = append(dst, ' ')
			dst = strconv.AppendUint(dst, uint64(blk.Left), 10)
			dst = append(dst, ':')
			dst = strconv.AppendUint(dst, uint64(blk.Right), 10)
		}
	}
	if len(dst) == n {
		dst = append(dst, "nop"...)
	}
	return append(dst, ']')
}
