package packet

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
)

// The data types of section 1.5: integers, variable byte integers,
// UTF-8 strings and binary data, read from a packet in place and
// appended to a buffer.

// VarintLen returns the bytes the variable byte integer v takes (1 to 4);
// v must be at most MaxRemainingLength.
func VarintLen(v int) int {
	switch {
	case v < 1<<7:
		return 1
	case v < 1<<14:
		return 2
	case v < 1<<21:
		return 3
	}
	return 4
}

// AppendVarint appends v as a variable byte integer.
func AppendVarint(dst []byte, v int) []byte {
	for {
		b := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(dst, b)
		}
		dst = append(dst, b|0x80)
	}
}

// ReadVarint decodes the variable byte integer at the front of b: its
// value and length. ErrIncomplete if b ends inside it, ErrBadVarint if it
// runs over four bytes or is not in its shortest form (1.5.5: "the
// minimum number of bytes necessary").
func ReadVarint(b []byte) (v, n int, err error) {
	for i := 0; i < 4; i++ {
		if i >= len(b) {
			return 0, 0, ErrIncomplete
		}
		c := b[i]
		v |= int(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			if c == 0 && i > 0 {
				return 0, 0, ErrBadVarint
			}
			return v, i + 1, nil
		}
	}
	return 0, 0, ErrBadVarint
}

// checkString applies the rules of 1.5.4 to a UTF-8 string: well-formed
// (which excludes the surrogates U+D800-U+DFFF) and free of U+0000.
func checkString(s []byte) error {
	if bytes.IndexByte(s, 0) >= 0 {
		return ErrNullChar
	}
	if !utf8.Valid(s) {
		return ErrBadUTF8
	}
	return nil
}

// validUTF8 is utf8.Valid for strings and byte slices alike, without the
// conversion a generic caller would need.
func validUTF8[S ~string | ~[]byte](s S) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		var n int
		var r, least rune
		switch {
		case c&0xe0 == 0xc0:
			n, r, least = 2, rune(c&0x1f), 0x80
		case c&0xf0 == 0xe0:
			n, r, least = 3, rune(c&0x0f), 0x800
		case c&0xf8 == 0xf0:
			n, r, least = 4, rune(c&0x07), 0x10000
		default:
			return false
		}
		if i+n > len(s) {
			return false
		}
		for j := 1; j < n; j++ {
			cc := s[i+j]
			if cc&0xc0 != 0x80 {
				return false
			}
			r = r<<6 | rune(cc&0x3f)
		}
		if r < least || r > utf8.MaxRune || (r >= 0xd800 && r <= 0xdfff) {
			return false
		}
		i += n
	}
	return true
}

// ValidString reports whether s may be sent as an MQTT UTF-8 string:
// at most 65,535 bytes, well-formed, without U+0000.
func ValidString[S ~string | ~[]byte](s S) error {
	if len(s) > 0xffff {
		return ErrStringTooLong
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return ErrNullChar
		}
	}
	if !validUTF8(s) {
		return ErrBadUTF8
	}
	return nil
}

// reader reads the fields of one packet's remaining bytes. The first
// error sticks; every read after it returns zero values.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(e Error) {
	if r.err == nil {
		r.err = e
	}
}

func (r *reader) left() int { return len(r.b) - r.off }

func (r *reader) u8() uint8 {
	if r.err != nil || r.left() < 1 {
		r.fail(ErrTruncated)
		return 0
	}
	v := r.b[r.off]
	r.off++
	return v
}

func (r *reader) u16() uint16 {
	if r.err != nil || r.left() < 2 {
		r.fail(ErrTruncated)
		return 0
	}
	v := binary.BigEndian.Uint16(r.b[r.off:])
	r.off += 2
	return v
}

func (r *reader) u32() uint32 {
	if r.err != nil || r.left() < 4 {
		r.fail(ErrTruncated)
		return 0
	}
	v := binary.BigEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

func (r *reader) varint() int {
	if r.err != nil {
		return 0
	}
	v, n, err := ReadVarint(r.b[r.off:])
	if err == ErrIncomplete {
		err = ErrTruncated
	}
	if err != nil {
		r.err = err
		return 0
	}
	r.off += n
	return v
}

// bin reads binary data: a two-byte length and that many bytes, in place.
func (r *reader) bin() []byte {
	n := int(r.u16())
	if r.err != nil {
		return nil
	}
	if r.left() < n {
		r.fail(ErrTruncated)
		return nil
	}
	v := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return v
}

// str reads a UTF-8 string and checks it.
func (r *reader) str() []byte {
	v := r.bin()
	if r.err == nil {
		if err := checkString(v); err != nil {
			r.err = err
		}
	}
	return v
}

// rest returns what is left, in place.
func (r *reader) rest() []byte {
	if r.err != nil {
		return nil
	}
	v := r.b[r.off:len(r.b):len(r.b)]
	r.off = len(r.b)
	return v
}

func appendU16(dst []byte, v uint16) []byte { return append(dst, byte(v>>8), byte(v)) }

func appendU32(dst []byte, v uint32) []byte {
	return append(dst, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// appendBin appends a two-byte length and b; the caller checked the length.
func appendBin(dst, b []byte) []byte {
	dst = appendU16(dst, uint16(len(b)))
	return append(dst, b...)
}
