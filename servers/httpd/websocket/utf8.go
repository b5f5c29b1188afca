package websocket

import "unicode/utf8"

// UTF8Validator checks UTF-8 that arrives in pieces: a text message's
// fragments, or one frame's payload as TCP delivers it. Feed reports an
// invalid prefix as soon as the piece that makes it invalid arrives (RFC
// 6455 8.1 lets an endpoint fail fast, and Autobahn's 6.4 cases check it),
// including a sequence that is cut at a piece's end but can no longer
// become valid (an overlong lead, a surrogate, a code point past U+10FFFF).
//
// Whole runs of complete characters go through unicode/utf8.Valid, which is
// fast on ASCII; only the at most 3 bytes of a character cut by a piece
// boundary take the byte-wise state machine below. The zero value is ready,
// at a character boundary; it is one byte.
type UTF8Validator struct{ state uint8 }

// States of the byte-wise machine: which continuation bytes the current
// character still needs (Unicode 15, table 3-7).
const (
	u8Boundary uint8 = iota // at a character boundary
	u8Need1                 // one more of 80..BF
	u8Need2                 // two more of 80..BF
	u8Need3                 // three more of 80..BF (after F1..F3)
	u8E0                    // A0..BF, then one more
	u8ED                    // 80..9F (no surrogates), then one more
	u8F0                    // 90..BF (no overlong), then two more
	u8F4                    // 80..8F (nothing past U+10FFFF), then two more
	u8Invalid
)

// step advances the machine by one byte.
func (v *UTF8Validator) step(b byte) {
	s := v.state
	switch s {
	case u8Boundary:
		switch {
		case b < 0x80:
		case b >= 0xC2 && b <= 0xDF:
			s = u8Need1
		case b == 0xE0:
			s = u8E0
		case b == 0xED:
			s = u8ED
		case b >= 0xE1 && b <= 0xEF:
			s = u8Need2
		case b == 0xF0:
			s = u8F0
		case b >= 0xF1 && b <= 0xF3:
			s = u8Need3
		case b == 0xF4:
			s = u8F4
		default:
			s = u8Invalid
		}
	case u8Need1, u8Need2, u8Need3:
		if b >= 0x80 && b <= 0xBF {
			s--
		} else {
			s = u8Invalid
		}
	case u8E0:
		s = cont(b, 0xA0, 0xBF, u8Need1)
	case u8ED:
		s = cont(b, 0x80, 0x9F, u8Need1)
	case u8F0:
		s = cont(b, 0x90, 0xBF, u8Need2)
	case u8F4:
		s = cont(b, 0x80, 0x8F, u8Need2)
	}
	v.state = s
}

func cont(b, lo, hi byte, next uint8) uint8 {
	if b >= lo && b <= hi {
		return next
	}
	return u8Invalid
}

// Feed checks the next piece and reports whether the text so far is still
// a valid prefix of UTF-8. After a false, it stays false until Reset.
func (v *UTF8Validator) Feed(p []byte) bool {
	i := 0
	for ; v.state != u8Boundary && i < len(p); i++ {
		if v.state == u8Invalid {
			return false
		}
		v.step(p[i])
	}
	if v.state == u8Invalid {
		return false
	}
	p = p[i:]
	if len(p) == 0 {
		return true
	}
	cut := incompleteTail(p)
	if !utf8.Valid(p[:cut]) {
		v.state = u8Invalid
		return false
	}
	for _, b := range p[cut:] {
		v.step(b)
	}
	return v.state != u8Invalid
}

// Done reports whether the text fed so far is complete, valid UTF-8: no
// error and no character left unfinished.
func (v *UTF8Validator) Done() bool { return v.state == u8Boundary }

// Reset readies v for a new text.
func (v *UTF8Validator) Reset() { v.state = u8Boundary }

// incompleteTail returns where the character that p's end cuts short
// begins, or len(p) if p ends at a character boundary (or in bytes that
// utf8.Valid will refuse anyway). p starts at a boundary.
func incompleteTail(p []byte) int {
	for j := len(p) - 1; j >= 0 && j >= len(p)-3; j-- {
		b := p[j]
		if b < 0x80 {
			return len(p)
		}
		if b >= 0xC0 {
			need := 2
			if b >= 0xF0 {
				need = 4
			} else if b >= 0xE0 {
				need = 3
			}
			if j+need > len(p) {
				return j
			}
			return len(p)
		}
	}
	return len(p)
}
