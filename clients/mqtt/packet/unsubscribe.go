package packet

// Unsubscribe is an UNSUBSCRIBE packet. Encoded, its filters are Filters;
// decoded, they are read with Entries.
type Unsubscribe struct {
	PacketID uint16
	Props    Properties
	Filters  [][]byte

	raw []byte
}

func (u *Unsubscribe) decode(r *reader, flags uint8, v Version) {
	if !decodeIDProps(r, UNSUBSCRIBE, flags, v, &u.PacketID, &u.Props) {
		return
	}
	u.Filters = nil
	u.raw = r.rest()
	if r.err == nil {
		checkFilters(r, u.raw, v, false)
	}
}

// Entries calls yield for each topic filter, in order, until it returns
// false.
func (u *Unsubscribe) Entries(yield func(filter []byte) bool) {
	if u.Filters != nil {
		for _, f := range u.Filters {
			if !yield(f) {
				return
			}
		}
		return
	}
	eachFilter(u.raw, false, func(f []byte, _ SubOptions) bool { return yield(f) })
}

// Append appends the encoded packet for version v to dst.
func (u *Unsubscribe) Append(dst []byte, v Version) ([]byte, error) {
	n := 2
	if v == V5 {
		if err := u.Props.check(int(UNSUBSCRIBE)); err != nil {
			return dst, err
		}
		n += u.Props.Section()
	}
	k := 0
	for f := range u.Entries {
		if len(f) > 0xffff {
			return dst, ErrStringTooLong
		}
		n += 2 + len(f)
		k++
	}
	if k == 0 {
		return dst, ErrNoPayload
	}
	if err := checkRemaining(n); err != nil {
		return dst, err
	}
	dst = grow(dst, HeaderLen(n)+n)
	dst = AppendHeader(dst, UNSUBSCRIBE, UNSUBSCRIBE.fixedFlags(), n)
	dst = appendU16(dst, u.PacketID)
	if v == V5 {
		dst = u.Props.appendTo(dst, u.Props.Len())
	}
	for f := range u.Entries {
		dst = appendBin(dst, f)
	}
	return dst, nil
}

// Unsuback is an UNSUBACK packet; Props and Codes (one per filter) are
// 5.0's.
type Unsuback struct {
	PacketID uint16
	Props    Properties
	Codes    []byte
}

func (u *Unsuback) decode(r *reader, flags uint8, v Version) {
	if flags != 0 {
		r.fail(ErrBadFlags)
		return
	}
	u.PacketID = r.u16()
	if r.err == nil && u.PacketID == 0 {
		r.fail(ErrZeroPacketID)
		return
	}
	u.Props, u.Codes = Properties{}, nil
	if v != V5 {
		return
	}
	u.Props.decode(r, int(UNSUBACK))
	u.Codes = r.rest()
	if r.err != nil {
		return
	}
	if len(u.Codes) == 0 {
		r.fail(ErrNoPayload)
		return
	}
	for _, c := range u.Codes {
		if !validReason(UNSUBACK, ReasonCode(c)) {
			r.fail(ErrBadReasonCode)
			return
		}
	}
}

// Append appends the encoded packet for version v to dst.
func (u *Unsuback) Append(dst []byte, v Version) ([]byte, error) {
	n := 2
	if v == V5 {
		if err := u.Props.check(int(UNSUBACK)); err != nil {
			return dst, err
		}
		n += u.Props.Section() + len(u.Codes)
	}
	if err := checkRemaining(n); err != nil {
		return dst, err
	}
	dst = grow(dst, HeaderLen(n)+n)
	dst = AppendHeader(dst, UNSUBACK, 0, n)
	dst = appendU16(dst, u.PacketID)
	if v == V5 {
		dst = u.Props.appendTo(dst, u.Props.Len())
		dst = append(dst, u.Codes...)
	}
	return dst, nil
}
