package websocket

import "encoding/binary"

// Opcode is a frame's opcode (RFC 6455 5.2).
type Opcode uint8

const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xA
)

// IsControl reports whether op is a control opcode (close, ping, pong and
// the reserved 0xB-0xF).
func (op Opcode) IsControl() bool { return op&0x8 != 0 }

// known reports whether op is one RFC 6455 defines; the others are reserved
// for extensions, of which none is negotiated.
func (op Opcode) known() bool {
	switch op {
	case OpContinuation, OpText, OpBinary, OpClose, OpPing, OpPong:
		return true
	}
	return false
}

func (op Opcode) String() string {
	switch op {
	case OpContinuation:
		return "continuation"
	case OpText:
		return "text"
	case OpBinary:
		return "binary"
	case OpClose:
		return "close"
	case OpPing:
		return "ping"
	case OpPong:
		return "pong"
	}
	return "reserved"
}

const (
	// MaxHeaderLen is the longest frame header: 2 bytes, an 8-byte extended
	// length and a 4-byte masking key.
	MaxHeaderLen = 14
	// MaxControlPayload is the largest payload of a control frame (RFC 6455
	// 5.5).
	MaxControlPayload = 125
)

// FrameHeader is a frame's header (RFC 6455 5.2). The reserved bits are not
// represented: no extension is supported, so they are always zero.
type FrameHeader struct {
	Fin    bool
	Opcode Opcode
	Masked bool
	Mask   [4]byte // the masking key, when Masked
	Length uint64  // the payload length
}

// Len returns the length of the header's encoding by AppendFrameHeader.
func (h *FrameHeader) Len() int {
	n := headerLen(h.Length)
	if h.Masked {
		n += 4
	}
	return n
}

// headerLen is the length of an unmasked header for a payload of n bytes,
// with the minimal length encoding.
func headerLen(n uint64) int {
	switch {
	case n <= 125:
		return 2
	case n <= 0xFFFF:
		return 4
	}
	return 10
}

// ParseFrameHeader parses the frame header at the start of b and returns it
// with its length in bytes. It returns ErrNeedMore, and n = 0, when b holds
// only part of a header that is valid so far; every other error is a
// protocol violation that the receiver answers with close code 1002
// (CloseProtocolError): a reserved bit set (no extension is negotiated),
// a reserved opcode, a fragmented control frame or one longer than 125
// bytes, a 64-bit length with its most significant bit set, or a length not
// in its minimal encoding.
//
// Minimal lengths: RFC 6455 5.2 says "the minimal number of bytes MUST be
// used to encode the length", so a 16-bit length below 126 or a 64-bit one
// below 65,536 is refused, always (ErrNonMinimalLength). The errors are
// found from the first two bytes whenever they suffice, so a bad frame fails
// before the rest of its header arrives. It does not allocate.
//
// Whether a frame must be masked depends on who sent it, so that is the
// caller's check.
func ParseFrameHeader(b []byte) (h FrameHeader, n int, err error) {
	if len(b) < 1 {
		return h, 0, ErrNeedMore
	}
	b0 := b[0]
	h.Fin = b0&0x80 != 0
	h.Opcode = Opcode(b0 & 0x0F)
	switch {
	case b0&0x70 != 0:
		return h, 0, ErrReservedBits
	case !h.Opcode.known():
		return h, 0, ErrBadOpcode
	case h.Opcode.IsControl() && !h.Fin:
		return h, 0, ErrFragmentedControl
	}
	if len(b) < 2 {
		return h, 0, ErrNeedMore
	}
	b1 := b[1]
	h.Masked = b1&0x80 != 0
	l7 := uint64(b1 & 0x7F)
	if h.Opcode.IsControl() && l7 > MaxControlPayload {
		return h, 0, ErrControlTooLong
	}
	n = 2
	switch l7 {
	case 126:
		if len(b) < 4 {
			return h, 0, ErrNeedMore
		}
		h.Length = uint64(binary.BigEndian.Uint16(b[2:]))
		if h.Length < 126 {
			return h, 0, ErrNonMinimalLength
		}
		n = 4
	case 127:
		if len(b) >= 3 && b[2]&0x80 != 0 {
			return h, 0, ErrLengthOverflow
		}
		if len(b) < 10 {
			return h, 0, ErrNeedMore
		}
		h.Length = binary.BigEndian.Uint64(b[2:])
		if h.Length <= 0xFFFF {
			return h, 0, ErrNonMinimalLength
		}
		n = 10
	default:
		h.Length = l7
	}
	if h.Masked {
		if len(b) < n+4 {
			return h, 0, ErrNeedMore
		}
		copy(h.Mask[:], b[n:n+4])
		n += 4
	}
	return h, n, nil
}

// AppendFrameHeader appends the encoding of h to dst, with the minimal
// length encoding and the reserved bits clear, and returns the extended
// slice. With room for MaxHeaderLen bytes in dst it does not allocate.
func AppendFrameHeader(dst []byte, h FrameHeader) []byte {
	b0 := byte(h.Opcode & 0x0F)
	if h.Fin {
		b0 |= 0x80
	}
	var m byte
	if h.Masked {
		m = 0x80
	}
	switch {
	case h.Length <= 125:
		dst = append(dst, b0, m|byte(h.Length))
	case h.Length <= 0xFFFF:
		dst = append(dst, b0, m|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(h.Length))
	default:
		dst = append(dst, b0, m|127)
		dst = binary.BigEndian.AppendUint64(dst, h.Length)
	}
	if h.Masked {
		dst = append(dst, h.Mask[:]...)
	}
	return dst
}
