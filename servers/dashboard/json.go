package dashboard

import (
	"net/netip"
	"strconv"
	"unicode/utf8"
)

// JSON appends JSON text to a byte slice, for the dashboard's routes and for
// an application's own fields (Config.App). It writes straight into the
// slice it was given, so with enough capacity it allocates nothing: the
// routes hand it the free part of the request buffer (httpd's Scratch).
//
// Members are written with a key inside an object and with an empty key
// inside an array. The writer does not check that calls nest properly; a
// caller that opens a container closes it.
type JSON struct {
	b     []byte
	first bool // nothing written yet in the innermost open container
}

// NewJSON returns a writer appending to b.
func NewJSON(b []byte) JSON { return JSON{b: b, first: true} }

// Bytes returns the text written so far, b included.
func (j *JSON) Bytes() []byte { return j.b }

// key writes the separator and, inside an object, the member's name.
func (j *JSON) key(k string) {
	if !j.first {
		j.b = append(j.b, ',')
	}
	j.first = false
	if k != "" {
		j.b = appendString(j.b, k)
		j.b = append(j.b, ':')
	}
}

// Object opens an object: the member k of the enclosing object, an array
// element if k is empty, or the top-level value.
func (j *JSON) Object(k string) {
	j.key(k)
	j.b = append(j.b, '{')
	j.first = true
}

// EndObject closes the innermost object.
func (j *JSON) EndObject() {
	j.b = append(j.b, '}')
	j.first = false
}

// Array opens an array (see Object for k).
func (j *JSON) Array(k string) {
	j.key(k)
	j.b = append(j.b, '[')
	j.first = true
}

// EndArray closes the innermost array.
func (j *JSON) EndArray() {
	j.b = append(j.b, ']')
	j.first = false
}

// String writes a string member, escaped as encoding/json escapes it.
func (j *JSON) String(k, v string) {
	j.key(k)
	j.b = appendString(j.b, v)
}

// BytesString writes a string member from bytes, without converting them.
func (j *JSON) BytesString(k string, v []byte) {
	j.key(k)
	j.b = appendString(j.b, v)
}

// Int writes an integer member.
func (j *JSON) Int(k string, v int64) {
	j.key(k)
	j.b = strconv.AppendInt(j.b, v, 10)
}

// Uint writes an unsigned integer member.
func (j *JSON) Uint(k string, v uint64) {
	j.key(k)
	j.b = strconv.AppendUint(j.b, v, 10)
}

// Bool writes a boolean member.
func (j *JSON) Bool(k string, v bool) {
	j.key(k)
	j.b = strconv.AppendBool(j.b, v)
}

// Null writes a null member.
func (j *JSON) Null(k string) {
	j.key(k)
	j.b = append(j.b, "null"...)
}

// Addr writes an address as a string member, or null if it is not valid.
func (j *JSON) Addr(k string, a netip.Addr) {
	if !a.IsValid() {
		j.Null(k)
		return
	}
	j.key(k)
	j.b = append(j.b, '"')
	j.b = a.AppendTo(j.b)
	j.b = append(j.b, '"')
}

// Prefix writes an address with its prefix length ("192.168.7.2/24") as a
// string member, or null if it is not valid.
func (j *JSON) Prefix(k string, p netip.Prefix) {
	if !p.IsValid() {
		j.Null(k)
		return
	}
	j.key(k)
	j.b = append(j.b, '"')
	j.b = p.AppendTo(j.b)
	j.b = append(j.b, '"')
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. It escapes what encoding/json
// escapes, so the text is also safe inside HTML: quotes, backslashes,
// control characters, '<', '>' and '&', U+2028 and U+2029 (line breaks to
// JavaScript), and each byte of invalid UTF-8 becomes U+FFFD.
func appendString[S ~string | ~[]byte](b []byte, s S) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := decodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// decodeRune is utf8.DecodeRune for either a string or bytes, without
// converting one to the other: it returns utf8.RuneError and size 1 for
// anything that is not the shortest encoding of a scalar value.
func decodeRune[S ~string | ~[]byte](s S) (rune, int) {
	n := len(s)
	c0 := s[0]
	lo, hi := byte(0x80), byte(0xbf)
	switch {
	case c0 < utf8.RuneSelf:
		return rune(c0), 1
	case c0 < 0xc2:
		return utf8.RuneError, 1
	case c0 < 0xe0:
		if n < 2 || s[1] < lo || s[1] > hi {
			return utf8.RuneError, 1
		}
		return rune(c0&0x1f)<<6 | rune(s[1]&0x3f), 2
	case c0 < 0xf0:
		if c0 == 0xe0 {
			lo = 0xa0
		} else if c0 == 0xed {
			hi = 0x9f // no surrogates
		}
		if n < 3 || s[1] < lo || s[1] > hi || s[2]&0xc0 != 0x80 {
			return utf8.RuneError, 1
		}
		return rune(c0&0x0f)<<12 | rune(s[1]&0x3f)<<6 | rune(s[2]&0x3f), 3
	case c0 < 0xf5:
		if c0 == 0xf0 {
			lo = 0x90
		} else if c0 == 0xf4 {
			hi = 0x8f // nothing above U+10FFFF
		}
		if n < 4 || s[1] < lo || s[1] > hi || s[2]&0xc0 != 0x80 || s[3]&0xc0 != 0x80 {
			return utf8.RuneError, 1
		}
		return rune(c0&0x07)<<18 | rune(s[1]&0x3f)<<12 | rune(s[2]&0x3f)<<6 | rune(s[3]&0x3f), 4
	}
	return utf8.RuneError, 1
}
