package wsinterop

import (
	"encoding/binary"
	"math/rand/v2"
)

// Payloads, and the client frames the tests write by hand where gws has
// no API (a fragmented message, a close frame whose answer gws should
// read). The framing is written out here from RFC 6455 5.2 rather than
// taken from package websocket, so that it checks the server instead of
// agreeing with it.

// sizes are the echoed message sizes: empty, the edges of the 7-bit,
// 16-bit and 64-bit length encodings, and 1 MiB.
var sizes = []int{0, 1, 125, 126, 65535, 65536, 1 << 20}

// binaryPayload returns n pseudo-random bytes from seed.
func binaryPayload(n int, seed uint64) []byte {
	b := make([]byte, n)
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	rand.NewChaCha8(key).Read(b)
	return b
}

// textChars mixes UTF-8 sequences of every length, so that fragments cut
// characters in two.
var textChars = []string{"a", "Z", " ", "7", "é", "ж", "€", "中", "𝄞", "😀"}

// textPayload returns exactly n bytes of valid UTF-8 from seed.
func textPayload(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 0x7e47))
	b := make([]byte, 0, n)
	for len(b) < n {
		c := textChars[rng.IntN(len(textChars))]
		if len(b)+len(c) > n {
			c = "x"
		}
		b = append(b, c...)
	}
	return b
}

// Opcodes (RFC 6455 5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
)

// clientFrame returns one masked client frame carrying payload, with the
// shortest length encoding.
func clientFrame(fin bool, op byte, payload []byte, key [4]byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	n := len(payload)
	var b []byte
	switch {
	case n < 126:
		b = []byte{b0, 0x80 | byte(n)}
	case n <= 0xFFFF:
		b = []byte{b0, 0x80 | 126, byte(n >> 8), byte(n)}
	default:
		b = binary.BigEndian.AppendUint64([]byte{b0, 0x80 | 127}, uint64(n))
	}
	b = append(b, key[:]...)
	start := len(b)
	b = append(b, payload...)
	for i := range payload {
		b[start+i] ^= key[i%4]
	}
	return b
}

// closePayload is a close frame's payload: the code, then the reason.
func closePayload(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}
