package packet

// Ack is one of the four packets that acknowledge a PUBLISH: PUBACK,
// PUBREC, PUBREL and PUBCOMP. Code and Props are 5.0's.
type Ack struct {
	Type     Type
	PacketID uint16
	Code     ReasonCode
	Props    Properties
}

func (a *Ack) decode(r *reader, t Type, flags uint8, v Version) {
	a.Type = t
	if flags != t.fixedFlags() {
		r.fail(ErrBadFlags)
		return
	}
	a.PacketID = r.u16()
	a.Code = Success
	a.Props = Properties{}
	if r.err != nil {
		return
	}
	if a.PacketID == 0 {
		r.fail(ErrZeroPacketID)
		return
	}
	if v != V5 {
		return
	}
	// 5.0 3.4.2.1: the reason code and properties may be left out.
	if r.left() > 0 {
		a.Code = ReasonCode(r.u8())
		if !validReason(t, a.Code) {
			r.fail(ErrBadReasonCode)
			return
		}
	}
	if r.left() > 0 {
		a.Props.decode(r, int(t))
	}
}

func (a *Ack) remaining(v Version) (int, error) {
	if v != V5 {
		return 2, nil
	}
	if err := a.Props.check(int(a.Type)); err != nil {
		return 0, err
	}
	pl := a.Props.Len()
	switch {
	case pl > 0:
		n := 3 + VarintLen(pl) + pl
		return n, checkRemaining(n)
	case a.Code != Success:
		return 3, nil
	}
	return 2, nil
}

// Append appends the encoded packet for version v to dst, in its shortest
// form (5.0: without reason code when it is Success and there are no
// properties).
func (a *Ack) Append(dst []byte, v Version) ([]byte, error) {
	if a.Type < PUBACK || a.Type > PUBCOMP {
		return dst, ErrReservedType
	}
	n, err := a.remaining(v)
	if err != nil {
		return dst, err
	}
	dst = grow(dst, HeaderLen(n)+n)
	dst = AppendHeader(dst, a.Type, a.Type.fixedFlags(), n)
	dst = appendU16(dst, a.PacketID)
	if n > 2 {
		dst = append(dst, byte(a.Code))
	}
	if n > 3 {
		dst = a.Props.appendTo(dst, a.Props.Len())
	}
	return dst, nil
}

// AppendAck appends the shortest PUBACK, PUBREC, PUBREL or PUBCOMP with
// packet identifier id and reason code c (5.0; Success for 3.1.1): 4
// bytes, or 5 with a reason code other than Success.
func AppendAck(dst []byte, t Type, id uint16, c ReasonCode, v Version) []byte {
	if v != V5 || c == Success {
		return append(dst, byte(t)<<4|t.fixedFlags(), 2, byte(id>>8), byte(id))
	}
	return append(dst, byte(t)<<4|t.fixedFlags(), 3, byte(id>>8), byte(id), byte(c))
}
