package reactor

import (
	"math"
	"time"
)

// Instant is a point in time on a Clock, in nanoseconds since that clock's
// epoch. RealClock's epoch is the Unix epoch, so its instants double as
// wall-clock timestamps (pcap files use them); VirtualClock starts wherever the
// test says.
type Instant int64

// Never is the deadline of a task that needs no timer.
const Never Instant = math.MaxInt64

// Add returns i+d, saturating at Never (and at the smallest Instant).
func (i Instant) Add(d time.Duration) Instant {
	s := i + Instant(d)
	if d > 0 && s < i {
		return Never
	}
	if d < 0 && s > i {
		return math.MinInt64
	}
	return s
}

// Sub returns the duration i-j.
func (i Instant) Sub(j Instant) time.Duration { return time.Duration(i - j) }

// Before reports whether i is earlier than j.
func (i Instant) Before(j Instant) bool { return i < j }

// Min returns the earlier of i and j.
func Min(i, j Instant) Instant {
	if j < i {
		return j
	}
	return i
}

// Time converts i to a time.Time, meaningful for RealClock instants.
func (i Instant) Time() time.Time { return time.Unix(0, int64(i)) }

// String formats the instant for logs: as a UTC date and time when it looks
// like a RealClock (Unix-epoch) reading, else as the time since its clock's
// epoch, as virtual clocks usually start near zero.
func (i Instant) String() string {
	switch {
	case i == Never:
		return "never"
	case i >= unix2000:
		return i.Time().UTC().Format(time.RFC3339Nano)
	}
	return time.Duration(i).String()
}

// unix2000 is 2000-01-01T00:00:00Z in Unix nanoseconds.
const unix2000 Instant = 946684800e9
