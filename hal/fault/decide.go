package fault

import "math/rand/v2"

// ethHeaderLen is where corruption may start: a flipped MAC address or
// EtherType would only make the frame vanish at the receiver's filter, which
// Loss models already; corrupting the payload tests checksums.
const ethHeaderLen = 14

// verdict is what happens to one frame.
type verdict struct {
	lost, dup, corrupt, reorder bool
	// hold is how long past now the frame waits (delay, jitter and
	// ReorderHold together).
	hold int64
}

// faults draws the decisions for one frame from r. Every frame draws the
// same numbers whatever the outcome, so that one fault's probability does
// not change which frames the others hit.
func faults(r *rand.Rand, c *Config) verdict {
	var v verdict
	v.lost = r.Float64() < c.Loss
	v.dup = r.Float64() < c.Duplicate
	v.reorder = r.Float64() < c.Reorder
	v.corrupt = r.Float64() < c.Corrupt
	v.hold = int64(c.Delay)
	if c.Jitter > 0 {
		v.hold += r.Int64N(int64(c.Jitter))
	}
	if v.reorder {
		v.hold += int64(ReorderHold)
	}
	return v
}

// corrupt flips one bit past the Ethernet header of frame, chosen by r, and
// reports whether there was a payload to flip.
func corrupt(r *rand.Rand, frame []byte) bool {
	if len(frame) <= ethHeaderLen {
		return false
	}
	bit := r.Uint64N(uint64(len(frame)-ethHeaderLen) * 8)
	frame[ethHeaderLen+int(bit/8)] ^= 1 << (bit % 8)
	return true
}
