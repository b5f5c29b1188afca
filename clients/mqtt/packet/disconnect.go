package packet

// Disconnect is a DISCONNECT packet; Code and Props are 5.0's (a 3.1.1
// DISCONNECT is empty).
type Disconnect struct {
	Code  ReasonCode
	Props Properties
}

// decodeReasoned reads the body shared by 5.0's DISCONNECT and AUTH: an
// optional reason code and optional properties (3.14.2.1, 3.15.2.1).
func decodeReasoned(r *reader, t Type, flags uint8, v Version, code *ReasonCode, props *Properties) {
	if flags != 0 {
		r.fail(ErrBadFlags)
		return
	}
	*code, *props = Success, Properties{}
	if v != V5 {
		if r.left() > 0 {
			r.fail(ErrTrailingBytes)
		}
		return
	}
	if r.left() > 0 {
		*code = ReasonCode(r.u8())
		if !validReason(t, *code) {
			r.fail(ErrBadReasonCode)
			return
		}
	}
	if r.left() > 0 {
		props.decode(r, int(t))
	}
}

func appendReasoned(dst []byte, t Type, v Version, code ReasonCode, props *Properties) ([]byte, error) {
	if v != V5 {
		return append(dst, byte(t)<<4, 0), nil
	}
	if err := props.check(int(t)); err != nil {
		return dst, err
	}
	pl := props.Len()
	n := 0
	switch {
	case pl > 0:
		n = 1 + VarintLen(pl) + pl
	case code != Success:
		n = 1
	}
	if err := checkRemaining(n); err != nil {
		return dst, err
	}
	dst = grow(dst, HeaderLen(n)+n)
	dst = AppendHeader(dst, t, 0, n)
	if n > 0 {
		dst = append(dst, byte(code))
	}
	if pl > 0 {
		dst = props.appendTo(dst, pl)
	}
	return dst, nil
}

// Append appends the encoded packet for version v to dst, in its
// shortest form.
func (d *Disconnect) Append(dst []byte, v Version) ([]byte, error) {
	return appendReasoned(dst, DISCONNECT, v, d.Code, &d.Props)
}

// Auth is a 5.0 AUTH packet (enhanced authentication, 4.12).
type Auth struct {
	Code  ReasonCode
	Props Properties
}

// Append appends the encoded packet to dst (5.0 only).
func (a *Auth) Append(dst []byte) ([]byte, error) {
	return appendReasoned(dst, AUTH, V5, a.Code, &a.Props)
}

// AppendPingreq appends a PINGREQ.
func AppendPingreq(dst []byte) []byte { return append(dst, byte(PINGREQ)<<4, 0) }

// AppendPingresp appends a PINGRESP.
func AppendPingresp(dst []byte) []byte { return append(dst, byte(PINGRESP)<<4, 0) }
