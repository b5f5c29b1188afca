package packet

// Connack is a CONNACK packet. Code is the 3.1.1 return code or the 5.0
// reason code, as sent (V311ConnackCode translates the first).
type Connack struct {
	SessionPresent bool
	Code           ReasonCode
	Props          Properties // 5.0
}

func (c *Connack) decode(r *reader, flags uint8, v Version) {
	if flags != 0 {
		r.fail(ErrBadFlags)
		return
	}
	f := r.u8()
	c.Code = ReasonCode(r.u8())
	if r.err != nil {
		return
	}
	c.SessionPresent = f&1 != 0
	if f&^1 != 0 || (c.SessionPresent && c.Code != 0) {
		r.fail(ErrBadConnackFlags)
		return
	}
	if v == V5 {
		if !validReason(CONNACK, c.Code) {
			r.fail(ErrBadReasonCode)
			return
		}
		c.Props.decode(r, int(CONNACK))
	} else {
		c.Props = Properties{}
		if c.Code > V311NotAuthorized {
			r.fail(ErrBadReasonCode)
		}
	}
}

func (c *Connack) remaining(v Version) (int, error) {
	if v != V5 {
		return 2, nil
	}
	if err := c.Props.check(int(CONNACK)); err != nil {
		return 0, err
	}
	n := 2 + c.Props.Section()
	return n, checkRemaining(n)
}

// Append appends the encoded packet for version v to dst.
func (c *Connack) Append(dst []byte, v Version) ([]byte, error) {
	n, err := c.remaining(v)
	if err != nil {
		return dst, err
	}
	dst = grow(dst, HeaderLen(n)+n)
	dst = AppendHeader(dst, CONNACK, 0, n)
	var f byte
	if c.SessionPresent {
		f = 1
	}
	dst = append(dst, f, byte(c.Code))
	if v == V5 {
		dst = c.Props.appendTo(dst, c.Props.Len())
	}
	return dst, nil
}
