package websocket

import "encoding/binary"

// MaskBytes applies the masking of RFC 6455 5.3 to b in place (masking and
// unmasking are the same XOR). pos is the offset in the payload of b[0],
// modulo 4, so a payload can be unmasked in pieces as it arrives; the result
// is the position after b, to pass with the next piece.
//
// It works 8 bytes at a time: the key, rotated to pos, repeated to 64 bits
// and applied with unaligned little-endian loads and stores, which compile
// to single instructions where the CPU has them and stay correct on
// big-endian ones (both sides of the XOR use the same byte order).
func MaskBytes(key [4]byte, pos int, b []byte) int {
	pos &= 3
	end := (pos + len(b)) & 3
	if len(b) < 8 {
		for i := range b {
			b[i] ^= key[pos&3]
			pos++
		}
		return end
	}
	k := [4]byte{key[pos&3], key[(pos+1)&3], key[(pos+2)&3], key[(pos+3)&3]}
	k32 := uint64(binary.LittleEndian.Uint32(k[:]))
	k64 := k32 | k32<<32
	i := 0
	for ; len(b)-i >= 32; i += 32 {
		w := b[i : i+32 : i+32]
		binary.LittleEndian.PutUint64(w[0:], binary.LittleEndian.Uint64(w[0:])^k64)
		binary.LittleEndian.PutUint64(w[8:], binary.LittleEndian.Uint64(w[8:])^k64)
		binary.LittleEndian.PutUint64(w[16:], binary.LittleEndian.Uint64(w[16:])^k64)
		binary.LittleEndian.PutUint64(w[24:], binary.LittleEndian.Uint64(w[24:])^k64)
	}
	for ; len(b)-i >= 8; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], binary.LittleEndian.Uint64(b[i:])^k64)
	}
	// i is a multiple of 8, so the key is back at k[0] here.
	for j := 0; i < len(b); i, j = i+1, j+1 {
		b[i] ^= k[j&3]
	}
	return end
}
