package fault

import "sync/atomic"

// DirStats counts what happened to frames going one way.
type DirStats struct {
	// Frames is how many frames were offered to the injector.
	Frames uint64
	// Passed is how many were delivered, duplicates included, whether at
	// once or after being held.
	Passed uint64
	Lost   uint64
	// Duplicated counts duplicates made; Reordered frames held so newer
	// ones overtake them; Corrupted frames with a bit flipped; Delayed
	// frames held for Delay/Jitter (a frame may count in several).
	Duplicated, Reordered, Corrupted, Delayed uint64
	// Overflow counts frames passed through without their delay or
	// reordering, and duplicates not made, because the pool was full.
	Overflow uint64
}

// Stats counts both directions: RX is frames from the wrapped device to the
// stack, TX frames from the stack to the wrapped device.
type Stats struct {
	RX, TX DirStats
}

// dirCounters are atomics so Stats may be read from any goroutine while the
// stack's goroutine writes them.
type dirCounters struct {
	frames, passed, lost                      atomic.Uint64
	duplicated, reordered, corrupted, delayed atomic.Uint64
	overflow                                  atomic.Uint64
}

func (c *dirCounters) snapshot() DirStats {
	return DirStats{
		Frames:     c.frames.Load(),
		Passed:     c.passed.Load(),
		Lost:       c.lost.Load(),
		Duplicated: c.duplicated.Load(),
		Reordered:  c.reordered.Load(),
		Corrupted:  c.corrupted.Load(),
		Delayed:    c.delayed.Load(),
		Overflow:   c.overflow.Load(),
	}
}
