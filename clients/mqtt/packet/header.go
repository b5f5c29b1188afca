package packet

// Header is a packet's fixed header (section 2.1 of 3.1.1, 2.1.1 of 5.0).
type Header struct {
	Type      Type
	Flags     uint8 // the low nibble of the first byte
	Remaining int   // the remaining length: the bytes after the fixed header
	Len       int   // the fixed header's own length, 2 to 5 bytes
}

// Size returns the whole packet's length.
func (h Header) Size() int { return h.Len + h.Remaining }

// ReadHeader decodes the fixed header at the front of b. It returns
// ErrIncomplete while b ends inside the header, ErrRemainingLength for a
// remaining length over four bytes or not minimally encoded. It does not
// check the type or flags (Decode does).
func ReadHeader(b []byte) (Header, error) {
	if len(b) < 2 {
		return Header{}, ErrIncomplete
	}
	v, n, err := ReadVarint(b[1:])
	if err == ErrBadVarint {
		err = ErrRemainingLength
	}
	if err != nil {
		return Header{}, err
	}
	return Header{Type: Type(b[0] >> 4), Flags: b[0] & 0x0f, Remaining: v, Len: 1 + n}, nil
}

// AppendHeader appends a fixed header. remaining must be at most
// MaxRemainingLength.
func AppendHeader(dst []byte, t Type, flags uint8, remaining int) []byte {
	dst = append(dst, byte(t)<<4|flags&0x0f)
	return AppendVarint(dst, remaining)
}

// HeaderLen returns the fixed header's length for a remaining length.
func HeaderLen(remaining int) int { return 1 + VarintLen(remaining) }

// checkRemaining reports a packet too large to encode.
func checkRemaining(n int) error {
	if n > MaxRemainingLength {
		return ErrPacketTooLarge
	}
	return nil
}

// grow makes room for n more bytes in dst, in one allocation at most.
func grow(dst []byte, n int) []byte {
	if cap(dst)-len(dst) < n {
		nd := make([]byte, len(dst), len(dst)+n)
		copy(nd, dst)
		dst = nd
	}
	return dst
}
