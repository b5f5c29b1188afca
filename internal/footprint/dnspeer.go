package footprint

import (
	"encoding/binary"
	"net/netip"

	"github.com/seed947b3480/legation/udp"
)

// dnsPeer is the peer's name server: it answers every A question with one
// address derived from the name and a short TTL, built in place over the
// query, so that the peer side of the simulation allocates nothing either
// and every allocation counted belongs to the device.
type dnsPeer struct {
	sock *udp.Socket
	ttl  uint32
	buf  [512]byte
	n    uint64 // answers sent
}

func newDNSPeer(sock *udp.Socket, ttl uint32) (*dnsPeer, error) {
	p := &dnsPeer{sock: sock, ttl: ttl}
	if err := sock.Bind(netip.AddrPortFrom(netip.Addr{}, 53)); err != nil {
		return nil, err
	}
	sock.OnReadable(p.readable)
	return p, nil
}

func (p *dnsPeer) readable() {
	for {
		from, q, ok := p.sock.Peek()
		if !ok {
			return
		}
		n := p.answer(q)
		p.sock.Discard()
		if n > 0 && p.sock.SendTo(p.buf[:n], from) == nil {
			p.n++
		}
	}
}

// answer writes the reply to query q into p.buf and returns its length,
// 0 for a query it does not answer.
func (p *dnsPeer) answer(q []byte) int {
	const hdr = 12
	if len(q) < hdr+5 || len(q) > len(p.buf)-16 || binary.BigEndian.Uint16(q[4:]) != 1 {
		return 0
	}
	// The question's name ends at the first zero-length label.
	i := hdr
	var sum uint32
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if l&0xc0 != 0 || i+1+l > len(q) {
			return 0
		}
		for _, c := range q[i+1 : i+1+l] {
			sum = sum*31 + uint32(c)
		}
		i += 1 + l
	}
	end := i + 5 // the zero label, type, class
	if end > len(q) {
		return 0
	}
	n := copy(p.buf[:], q[:end])
	b := p.buf[:]
	b[2] = 0x81 | (q[2] & 0x01) // QR, RD copied
	b[3] = 0x80                 // RA, NOERROR
	typ := binary.BigEndian.Uint16(q[end-4:])
	binary.BigEndian.PutUint16(b[6:], 0) // ANCOUNT
	binary.BigEndian.PutUint16(b[8:], 0) // NSCOUNT
	binary.BigEndian.PutUint16(b[10:], 0)
	if typ != 1 {
		return n // NODATA for anything but A
	}
	binary.BigEndian.PutUint16(b[6:], 1)
	b = b[n:]
	binary.BigEndian.PutUint16(b[0:], 0xc00c) // the question's name
	binary.BigEndian.PutUint16(b[2:], 1)      // A
	binary.BigEndian.PutUint16(b[4:], 1)      // IN
	binary.BigEndian.PutUint32(b[6:], p.ttl)
	binary.BigEndian.PutUint16(b[10:], 4)
	b[12], b[13], b[14], b[15] = 10, 99, byte(sum>>8), byte(sum)
	return n + 16
}
