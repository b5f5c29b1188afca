// Package seeded makes the random sources of legation's protocol engines:
// seeded from the caller when a test or simulation wants repeatable runs,
// from crypto/rand otherwise. They drive choices that should be hard to
// guess (ephemeral ports, transaction IDs, retransmission jitter); secrets
// (ISN and cookie keys) come from crypto/rand directly, never from here.
package seeded

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
)

// New returns a PCG source seeded with seed, or with 64 bits from
// crypto/rand when seed is 0. stream separates the sequences of engines that
// are given the same seed.
func New(seed, stream uint64) *rand.Rand {
	if seed == 0 {
		var b [8]byte
		_, _ = crand.Read(b[:]) // never fails: it crashes the program instead (Go 1.24)
		seed = binary.LittleEndian.Uint64(b[:]) | 1
	}
	return rand.New(rand.NewPCG(seed, seed^stream))
}
