package tcp

import (
	"net/netip"

	"github.com/seed947b3480/legation/wire"
)

// Repr is one TCP segment as a connection sees it: the header fields that
// matter once the stack has found the connection by its ports and
// addresses, with sequence numbers as Seq, and the payload. It is the
// argument of Conn.Input and ResetFor (smoltcp calls the same thing
// TcpRepr). The name Segment belongs to the scoreboard's ranges to send.
//
// Payload aliases the caller's frame: a Conn copies what it keeps during
// Input and never holds on to the slice.
type Repr struct {
	Seq, Ack Seq
	Flags    wire.TCPFlags
	Window   uint16 // as on the wire, before window scaling
	Urgent   uint16
	Options  wire.TCPOptions
	Payload  []byte
}

// Len returns SEG.LEN: the payload plus one for SYN and one for FIN.
func (s *Repr) Len() uint32 {
	n := uint32(len(s.Payload))
	if s.Flags&wire.TCPSyn != 0 {
		n++
	}
	if s.Flags&wire.TCPFin != 0 {
		n++
	}
	return n
}

// Parse fills s from a segment that wire.NewTCPPacket accepted. The payload
// aliases p. It returns wire.ErrMalformed if the options are badly encoded;
// the checksum is the stack's to verify.
func (s *Repr) Parse(p wire.TCPPacket) error {
	s.Seq, s.Ack = Seq(p.Seq()), Seq(p.Ack())
	s.Flags, s.Window, s.Urgent = p.Flags(), p.Window(), p.Urgent()
	s.Payload = p.Payload()
	return s.Options.Parse(p.Options())
}

// Emit writes s into b as a segment from srcPort to dstPort, with the
// checksum for the addresses src and dst, and returns its length, or 0 if b
// cannot hold it. It does not allocate.
func (s *Repr) Emit(b []byte, srcPort, dstPort uint16, src, dst netip.Addr) int {
	r := wire.TCPRepr{
		SrcPort: srcPort, DstPort: dstPort,
		Seq: uint32(s.Seq), Ack: uint32(s.Ack),
		Flags: s.Flags, Window: s.Window, Urgent: s.Urgent,
		Options: s.Options, PayloadLen: len(s.Payload),
	}
	hl := r.HeaderLen()
	if len(b) < hl+len(s.Payload) {
		return 0
	}
	copy(b[hl:], s.Payload)
	r.Emit(b, src, dst)
	return hl + len(s.Payload)
}

// ResetFor returns the reset that answers seg when no connection exists for
// it (RFC 9293 3.10.7.1): <SEQ=SEG.ACK><CTL=RST> if seg carries an ACK,
// else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. A reset is never answered,
// so ok is false for one.
func ResetFor(seg *Repr) (reply Repr, ok bool) {
	switch {
	case seg.Flags&wire.TCPRst != 0:
		return Repr{}, false
	case seg.Flags&wire.TCPAck != 0:
		return Repr{Seq: seg.Ack, Flags: wire.TCPRst}, true
	}
	return Repr{Ack: seg.Seq.Add(seg.Len()), Flags: wire.TCPRst | wire.TCPAck}, true
}
