package packet

// Publish is a PUBLISH packet. Decoded, Topic and Payload point into the
// packet.
type Publish struct {
	Dup      bool
	QoS      QoS
	Retain   bool
	Topic    []byte // 5.0: empty when a topic alias stands for it
	PacketID uint16 // QoS 1 and 2 only
	Props    Properties
	Payload  []byte
}

func (p *Publish) decode(r *reader, flags uint8, v Version) {
	p.Dup = flags&0x08 != 0
	p.QoS = QoS(flags >> 1 & 3)
	p.Retain = flags&0x01 != 0
	if p.QoS == 3 || (p.QoS == 0 && p.Dup) {
		r.fail(ErrBadQoS)
		return
	}
	p.Topic = r.str()
	p.PacketID = 0
	if p.QoS > 0 {
		p.PacketID = r.u16()
		if r.err == nil && p.PacketID == 0 {
			r.fail(ErrZeroPacketID)
			return
		}
	}
	if v == V5 {
		p.Props.decode(r, int(PUBLISH))
	} else {
		p.Props = Properties{}
	}
	p.Payload = r.rest()
	if r.err != nil {
		return
	}
	if len(p.Topic) == 0 {
		if v != V5 || !p.Props.Has(PropTopicAlias) {
			r.fail(ErrBadTopicName)
		}
		return
	}
	for _, c := range p.Topic {
		if c == '+' || c == '#' {
			r.fail(ErrBadTopicName)
			return
		}
	}
}

// Flags returns the fixed-header flags for p.
func (p *Publish) Flags() uint8 {
	f := uint8(p.QoS&3) << 1
	if p.Dup {
		f |= 0x08
	}
	if p.Retain {
		f |= 0x01
	}
	return f
}

// Remaining returns the remaining length of p encoded for v, and checks
// the lengths of its fields.
func (p *Publish) Remaining(v Version) (int, error) {
	if len(p.Topic) > 0xffff {
		return 0, ErrStringTooLong
	}
	n := 2 + len(p.Topic) + len(p.Payload)
	if p.QoS > 0 {
		n += 2
	}
	if v == V5 {
		if err := p.Props.check(int(PUBLISH)); err != nil {
			return 0, err
		}
		n += p.Props.Section()
	}
	return n, checkRemaining(n)
}

// Size returns the encoded length of p for v.
func (p *Publish) Size(v Version) (int, error) {
	n, err := p.Remaining(v)
	return HeaderLen(n) + n, err
}

// Append appends p encoded for v to dst. It checks lengths, not the
// topic's contents (ValidTopicName does).
func (p *Publish) Append(dst []byte, v Version) ([]byte, error) {
	n, err := p.Remaining(v)
	if err != nil {
		return dst, err
	}
	if p.QoS > 2 {
		return dst, ErrBadQoS
	}
	dst = grow(dst, HeaderLen(n)+n)
	dst = AppendHeader(dst, PUBLISH, p.Flags(), n)
	dst = appendBin(dst, p.Topic)
	if p.QoS > 0 {
		dst = appendU16(dst, p.PacketID)
	}
	if v == V5 {
		dst = p.Props.appendTo(dst, p.Props.Len())
	}
	return append(dst, p.Payload...), nil
}
