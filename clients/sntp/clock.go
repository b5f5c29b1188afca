package sntp

import (
	"sync/atomic"
	"time"

	"github.com/seed947b3480/legation/reactor"
)

// Clock is the application's view of the time the client measured: the
// reactor's clock plus the latest offset. Its methods are safe from any
// goroutine and do not allocate.
//
// The reactor's instants are taken as Unix nanoseconds, which they are on
// reactor.RealClock; a VirtualClock's epoch is whatever the test chose.
type Clock struct {
	src    reactor.Clock
	offset atomic.Int64 // nanoseconds, server minus reactor
	last   atomic.Int64 // reactor instant of the latest successful round
	synced atomic.Bool
}

// Synced reports whether a round has succeeded yet. Until one has, the
// offset is 0 and UTC is the reactor's clock as it is.
func (c *Clock) Synced() bool { return c.synced.Load() }

// Offset reports the latest measured offset: what to add to the reactor's
// clock to get the server's time.
func (c *Clock) Offset() time.Duration { return time.Duration(c.offset.Load()) }

// OffsetMicros reports the offset in microseconds, like oveRTOS's
// sntp_get_offset_us.
func (c *Clock) OffsetMicros() int64 { return c.offset.Load() / int64(time.Microsecond) }

// LastSync reports the reactor instant of the latest successful round.
func (c *Clock) LastSync() reactor.Instant { return reactor.Instant(c.last.Load()) }

// UTC reports the current time: the reactor's clock now plus the offset.
func (c *Clock) UTC() time.Time { return c.UTCAt(c.src.Now()) }

// UTCAt reports the time at reactor instant now, for code that already has
// the instant (a task's Poll).
func (c *Clock) UTCAt(now reactor.Instant) time.Time {
	return time.Unix(0, int64(now.Add(c.Offset()))).UTC()
}

// UnixSeconds reports the current time in seconds since the Unix epoch,
// like oveRTOS's sntp_get_utc.
func (c *Clock) UnixSeconds() int64 {
	ns := int64(c.src.Now().Add(c.Offset()))
	s := ns / int64(time.Second)
	if ns%int64(time.Second) < 0 {
		s--
	}
	return s
}

func (c *Clock) set(offset time.Duration, at reactor.Instant) {
	c.offset.Store(int64(offset))
	c.last.Store(int64(at))
	c.synced.Store(true)
}
