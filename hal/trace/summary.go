package trace

import (
	"strconv"

	"github.com/seed947b3480/legation/wire"
)

// Summary appends a one-line description of an Ethernet frame to dst, in
// the spirit of tcpdump -e:
//
//	02:00:00:00:00:01 > 02:00:00:00:00:02, IPv4, length 98: 10.0.0.1 > 10.0.0.2: ICMP echo request, id 7, seq 1, length 64
//	02:00:00:00:00:01 > ff:ff:ff:ff:ff:ff, ARP, length 42: Request who-has 10.0.0.2 tell 10.0.0.1, length 28
//	02:00:00:00:00:02 > 02:00:00:00:00:01, IPv4, length 74: 10.0.0.2.80 > 10.0.0.1.40000: Flags [S.], seq 9, ack 1001, win 65535, options [mss 1460,sackOK,TS val 5 ecr 4,wscale 7], length 0
//
// Sequence numbers are absolute; a segment with data shows the range it
// carries as first:last, like tcpdump -S. A layer wire rejects is shown as the error
// in brackets ("[wire: packet truncated]") and decoding stops there; a
// checksum that does not verify is flagged "[bad cksum]" (expect that on
// frames sent to a device that offloads checksums). Summary does not
// allocate beyond growing dst and never panics.
func Summary(dst []byte, frame []byte) []byte {
	eth, err := wire.NewEthernetFrame(frame)
	if err != nil {
		dst = append(dst, "[|ether] length "...)
		return strconv.AppendInt(dst, int64(len(frame)), 10)
	}
	dst = eth.Src().AppendTo(dst)
	dst = append(dst, " > "...)
	dst = eth.Dst().AppendTo(dst)
	dst = append(dst, ", "...)
	et := eth.EtherType()
	switch et {
	case wire.EtherTypeIPv4:
		dst = append(dst, "IPv4"...)
	case wire.EtherTypeARP:
		dst = append(dst, "ARP"...)
	case wire.EtherTypeIPv6:
		dst = append(dst, "IPv6"...)
	default:
		dst = append(dst, "ethertype 0x"...)
		dst = appendHex16(dst, uint16(et))
	}
	dst = append(dst, ", length "...)
	dst = strconv.AppendInt(dst, int64(len(frame)), 10)
	switch et {
	case wire.EtherTypeIPv4:
		dst = append(dst, ": "...)
		dst = appendIPv4(dst, eth.Payload())
	case wire.EtherTypeARP:
		dst = append(dst, ": "...)
		dst = appendARP(dst, eth.Payload())
	}
	return dst
}

func appendHex16(dst []byte, v uint16) []byte {
	const digits = "0123456789abcdef"
	return append(dst, digits[v>>12], digits[v>>8&0xf], digits[v>>4&0xf], digits[v&0xf])
}

func appendErr(dst []byte, err error) []byte {
	dst = append(dst, '[')
	dst = append(dst, err.Error()...)
	return append(dst, ']')
}

func appendARP(dst []byte, b []byte) []byte {
	p, err := wire.NewARPPacket(b)
	if err != nil {
		return appendErr(dst, err)
	}
	switch p.Op() {
	case wire.ARPRequest:
		dst = append(dst, "Request who-has "...)
		dst = p.TargetIP().AppendTo(dst)
		dst = append(dst, " tell "...)
		dst = p.SenderIP().AppendTo(dst)
	case wire.ARPReply:
		dst = append(dst, "Reply "...)
		dst = p.SenderIP().AppendTo(dst)
		dst = append(dst, " is-at "...)
		dst = p.SenderHW().AppendTo(dst)
	default:
		dst = append(dst, "op "...)
		dst = strconv.AppendUint(dst, uint64(p.Op()), 10)
		dst = append(dst, ", sender "...)
		dst = p.SenderIP().AppendTo(dst)
		dst = append(dst, ", target "...)
		dst = p.TargetIP().AppendTo(dst)
	}
	// Like tcpdump, the length of the Ethernet payload, padding included.
	return appendLen(dst, len(b))
}
