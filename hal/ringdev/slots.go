package ringdev

// DefaultSlots is the ring size, in frames, that a zero size stands for.
const DefaultSlots = 256

// Slots applies the drivers' Config convention to a pair of ring sizes: zero
// means DefaultSlots, and a negative size is refused with ErrSlots. Sizes are
// rounded up to a power of two later, by hal.NewRing.
func Slots(rx, tx int) (rxSlots, txSlots int, err error) {
	if rx < 0 || tx < 0 {
		return rx, tx, ErrSlots
	}
	if rx == 0 {
		rx = DefaultSlots
	}
	if tx == 0 {
		tx = DefaultSlots
	}
	return rx, tx, nil
}
