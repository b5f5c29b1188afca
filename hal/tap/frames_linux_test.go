package tap

import (
	"encoding/binary"
	"testing"

	"github.com/seed947b3480/legation/hal"
)

// Frames built and parsed by hand with encoding/binary, so these driver
// tests depend on no other package of the project.

const (
	etherTypeIPv4 = 0x0800
	etherTypeARP  = 0x0806
	arpRequest    = 1
	arpReply      = 2
	protoICMP     = 1
	icmpEchoReply = 0
	icmpEchoReq   = 8
)

var broadcast = hal.HardwareAddr{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

type ip4 [4]byte

func putEth(b []byte, dst, src hal.HardwareAddr, typ uint16) []byte {
	copy(b[0:6], dst[:])
	copy(b[6:12], src[:])
	binary.BigEndian.PutUint16(b[12:14], typ)
	return b[14:]
}

// putARP writes a 42-byte ARP frame into b and returns its length.
func putARP(b []byte, op uint16, ethDst, sha hal.HardwareAddr, spa ip4, tha hal.HardwareAddr, tpa ip4) int {
	a := putEth(b, ethDst, sha, etherTypeARP)
	binary.BigEndian.PutUint16(a[0:2], 1) // Ethernet
	binary.BigEndian.PutUint16(a[2:4], etherTypeIPv4)
	a[4], a[5] = 6, 4
	binary.BigEndian.PutUint16(a[6:8], op)
	copy(a[8:14], sha[:])
	copy(a[14:18], spa[:])
	copy(a[18:24], tha[:])
	copy(a[24:28], tpa[:])
	return 14 + 28
}

type arpMsg struct {
	ethDst, ethSrc hal.HardwareAddr
	op             uint16
	sha, tha       hal.HardwareAddr
	spa, tpa       ip4
}

func parseARP(f []byte) (m arpMsg, ok bool) {
	if len(f) < 42 || binary.BigEndian.Uint16(f[12:14]) != etherTypeARP {
		return m, false
	}
	a := f[14:]
	if binary.BigEndian.Uint16(a[0:2]) != 1 || binary.BigEndian.Uint16(a[2:4]) != etherTypeIPv4 || a[4] != 6 || a[5] != 4 {
		return m, false
	}
	copy(m.ethDst[:], f[0:6])
	copy(m.ethSrc[:], f[6:12])
	m.op = binary.BigEndian.Uint16(a[6:8])
	copy(m.sha[:], a[8:14])
	copy(m.spa[:], a[14:18])
	copy(m.tha[:], a[18:24])
	copy(m.tpa[:], a[24:28])
	return m, true
}

// checksum is the Internet checksum (RFC 1071) of b.
func checksum(b []byte) uint16 {
	var s uint32
	for len(b) >= 2 {
		s += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

// putIPv4 writes an IPv4 header (no options) for a payload of plen bytes at
// fragment offset off (in bytes, a multiple of 8) and returns the payload
// slice.
func putIPv4(b []byte, src, dst ip4, proto uint8, id uint16, off int, more bool, plen int) []byte {
	h := b[:20]
	h[0], h[1] = 0x45, 0
	binary.BigEndian.PutUint16(h[2:4], uint16(20+plen))
	binary.BigEndian.PutUint16(h[4:6], id)
	frag := uint16(off / 8)
	if more {
		frag |= 0x2000
	}
	binary.BigEndian.PutUint16(h[6:8], frag)
	h[8], h[9] = 64, proto
	h[10], h[11] = 0, 0
	copy(h[12:16], src[:])
	copy(h[16:20], dst[:])
	binary.BigEndian.PutUint16(h[10:12], checksum(h))
	return b[20 : 20+plen]
}

// putICMPEcho writes an ICMP echo message with payload into b and returns
// its length.
func putICMPEcho(b []byte, typ uint8, id, seq uint16, payload []byte) int {
	b[0], b[1] = typ, 0
	b[2], b[3] = 0, 0
	binary.BigEndian.PutUint16(b[4:6], id)
	binary.BigEndian.PutUint16(b[6:8], seq)
	copy(b[8:], payload)
	n := 8 + len(payload)
	binary.BigEndian.PutUint16(b[2:4], checksum(b[:n]))
	return n
}

type echoMsg struct {
	ethDst, ethSrc hal.HardwareAddr
	src, dst       ip4
	typ, code      uint8
	id, seq        uint16
	payload        []byte
}

// parseEcho accepts an unfragmented IPv4 ICMP echo (request or reply) whose
// IPv4 and ICMP checksums verify.
func parseEcho(f []byte) (m echoMsg, ok bool) {
	if len(f) < 14+20+8 || binary.BigEndian.Uint16(f[12:14]) != etherTypeIPv4 {
		return m, false
	}
	h := f[14:]
	ihl := int(h[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(h[2:4]))
	if h[0]>>4 != 4 || ihl < 20 || total < ihl+8 || total > len(h) || h[9] != protoICMP ||
		binary.BigEndian.Uint16(h[6:8])&0x3fff != 0 || checksum(h[:ihl]) != 0 {
		return m, false
	}
	icmp := h[ihl:total]
	if checksum(icmp) != 0 {
		return m, false
	}
	copy(m.ethDst[:], f[0:6])
	copy(m.ethSrc[:], f[6:12])
	copy(m.src[:], h[12:16])
	copy(m.dst[:], h[16:20])
	m.typ, m.code = icmp[0], icmp[1]
	m.id = binary.BigEndian.Uint16(icmp[4:6])
	m.seq = binary.BigEndian.Uint16(icmp[6:8])
	m.payload = icmp[8:]
	return m, true
}

// TestChecksumRFC1071 checks the test's own checksum against the worked
// example of RFC 1071 section 3 (sum 0xddf2).
func TestChecksumRFC1071(t *testing.T) {
	if got := checksum([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}); got != ^uint16(0xddf2) {
		t.Fatalf("checksum = %#04x, want %#04x", got, ^uint16(0xddf2))
	}
}
