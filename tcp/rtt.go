package tcp

import (
	"time"

	"github.com/seed947b3480/legation/reactor"
)

// RTTConfig sets the bounds of the retransmission timeout. A zero or
// negative field takes its default.
type RTTConfig struct {
	// InitialRTO is the RTO before the first RTT sample. Default 1 s
	// (RFC 6298 2.1).
	InitialRTO time.Duration
	// MinRTO is the floor of every computed RTO. Default 200 ms, Linux's
	// TCP_RTO_MIN. RFC 6298 2.4 asks for 1 s; like Linux and most stacks
	// deployed since, legation departs from it, because a 1 s floor turns
	// every tail loss on a LAN or a short path into a second of silence.
	// Set 1 s here for the RFC's behaviour.
	MinRTO time.Duration
	// MaxRTO caps the RTO, backoff included. Default 60 s, the smallest cap
	// RFC 6298 2.5 allows.
	MaxRTO time.Duration
	// Granularity is G, the clock granularity of RFC 6298 2.3: the RTO is at
	// least SRTT + G even when the RTT never varies. Default 1 ms: reactor
	// instants are in nanoseconds, but a timer on a real OS fires about a
	// millisecond late at worst.
	Granularity time.Duration
}

// Defaults of RTTConfig.
const (
	DefaultInitialRTO  = time.Second
	DefaultMinRTO      = 200 * time.Millisecond
	DefaultMaxRTO      = 60 * time.Second
	DefaultGranularity = time.Millisecond

	// synLossRTO is the RTO data transmission starts with after the SYN or
	// SYN-ACK was retransmitted without leaving an RTT sample (RFC 6298 5.7).
	synLossRTO = 3 * time.Second
)

// withDefaults fills in defaults and makes the bounds consistent: MaxRTO is
// raised to MinRTO if below it, and InitialRTO is brought inside them.
func (c RTTConfig) withDefaults() RTTConfig {
	if c.InitialRTO <= 0 {
		c.InitialRTO = DefaultInitialRTO
	}
	if c.MinRTO <= 0 {
		c.MinRTO = DefaultMinRTO
	}
	if c.MaxRTO <= 0 {
		c.MaxRTO = DefaultMaxRTO
	}
	if c.Granularity <= 0 {
		c.Granularity = DefaultGranularity
	}
	c.MaxRTO = max(c.MaxRTO, c.MinRTO)
	c.InitialRTO = min(max(c.InitialRTO, c.MinRTO), c.MaxRTO)
	return c
}

// RTTEstimator computes a connection's retransmission timeout as RFC 6298
// specifies: the smoothed round-trip time SRTT and its variation RTTVAR
// from RTT samples, RTO = SRTT + max(G, 4*RTTVAR) within [MinRTO, MaxRTO],
// doubled on each expiry of the timer until a new sample arrives.
//
// The averages are kept in integer fixed point as Linux keeps them
// (tcp_rtt_estimator): 8*SRTT and 4*RTTVAR in nanoseconds, so the gains
// 1/8 and 1/4 are shifts and no precision is lost below a nanosecond.
//
// Samples come from two sources. Without timestamps, one segment at a time
// is timed (StartTiming, OnAck), and Karn's rule applies: a retransmission
// cancels the timing, since its ACK cannot say which transmission it
// answers, and the backed-off RTO stays until a segment sent once is
// acknowledged. With timestamps (RFC 7323 section 4), every echoed TSval
// that acknowledges new data is a sample, retransmitted or not, passed to
// TimestampSample.
//
// It holds no timer: the connection arms its own deadline with RTO. The
// zero value is not ready; use NewRTTEstimator. Nothing here allocates.
type RTTEstimator struct {
	cfg     *RTTConfig
	srtt8   int64         // 8*SRTT in nanoseconds, meaningful once sampled
	rttvar4 int64         // 4*RTTVAR in nanoseconds, meaningful once sampled
	rto     time.Duration // the current RTO, backoff included
	backoff int32         // expiries since the last sample
	sampled bool

	timing   bool            // a segment is being timed
	timedEnd Seq             // its end: an ACK at or past it completes the sample
	timedAt  reactor.Instant // when it was sent
}

// NewRTTEstimator returns an estimator with no sample yet, whose RTO is
// cfg's InitialRTO.
func NewRTTEstimator(cfg RTTConfig) RTTEstimator {
	cfg = cfg.withDefaults()
	p := &defaultRTTConfig
	if cfg != defaultRTTConfig {
		// A connection that chose its own bounds keeps its own copy.
		p = new(RTTConfig)
		*p = cfg
	}
	return RTTEstimator{cfg: p, rto: cfg.InitialRTO}
}

// defaultRTTConfig is shared by every estimator with the default bounds,
// which keeps 24 bytes out of each connection.
var defaultRTTConfig = RTTConfig{}.withDefaults()

// Config returns the configuration in use, defaults filled in.
func (e *RTTEstimator) Config() RTTConfig { return *e.cfg }

// RTO returns the retransmission timeout to arm the timer with now.
func (e *RTTEstimator) RTO() time.Duration { return e.rto }

// HasSample reports whether an RTT sample has been taken.
func (e *RTTEstimator) HasSample() bool { return e.sampled }

// SRTT returns the smoothed round-trip time, 0 before the first sample.
func (e *RTTEstimator) SRTT() time.Duration { return time.Duration(e.srtt8 >> 3) }

// RTTVar returns the round-trip time variation, 0 before the first sample.
func (e *RTTEstimator) RTTVar() time.Duration { return time.Duration(e.rttvar4 >> 2) }

// Backoffs returns how many times the timer has expired since the last RTT
// sample; RTO has been doubled that many times, up to MaxRTO.
func (e *RTTEstimator) Backoffs() int { return int(e.backoff) }

// Sample feeds one round-trip time measurement r (RFC 6298 2.2 and 2.3) and
// recomputes the RTO, ending any backoff. A negative r is ignored, and an r
// above MaxRTO counts as MaxRTO: the RTO cannot exceed it anyway, and a
// forged measurement cannot push SRTT further.
func (e *RTTEstimator) Sample(r time.Duration) { e.update(r, 1) }

// TimestampSample feeds the RTT measured from a timestamp echo (RFC 7323
// section 4.1: the current timestamp clock minus the TSecr of an ACK that
// acknowledges new data). Such samples may come from retransmitted segments.
// Because there can be one per ACK rather than one per round trip, the
// gains are divided by ExpectedSamples = ceil(flight / (2*smss)) as RFC 7323
// appendix G recommends, so SRTT and RTTVAR keep about as much history as
// with one sample per RTT; flight is the current FlightSize. The first
// sample is taken unscaled.
func (e *RTTEstimator) TimestampSample(r time.Duration, flight, smss uint32) {
	es := int64(1)
	if smss > 0 {
		es = max(1, (int64(flight)+2*int64(smss)-1)/(2*int64(smss)))
	}
	e.update(r, es)
}

// update applies RFC 6298 2.2/2.3 with the gains alpha = 1/(8*es) and
// beta = 1/(4*es): es is 1 except for timestamp samples.
func (e *RTTEstimator) update(r time.Duration, es int64) {
	if r < 0 {
		return
	}
	m := int64(min(r, e.cfg.MaxRTO))
	if !e.sampled {
		// SRTT <- R, RTTVAR <- R/2.
		e.srtt8 = m << 3
		e.rttvar4 = m << 1
		e.sampled = true
	} else {
		// RTTVAR <- (1 - beta) * RTTVAR + beta * |SRTT - R|, with the old
		// SRTT, then SRTT <- (1 - alpha) * SRTT + alpha * R. In fixed point:
		// 4*RTTVAR += (|err| - RTTVAR) / es and 8*SRTT += err / es. Neither
		// can go negative: each keeps at least 3/4 or 7/8 of itself.
		err := m - e.srtt8>>3
		abs := err
		if abs < 0 {
			abs = -abs
		}
		e.rttvar4 += (abs - e.rttvar4>>2) / es
		e.srtt8 += err / es
	}
	e.backoff = 0
	e.rto = e.compute()
}

// compute returns SRTT + max(G, 4*RTTVAR) clamped to [MinRTO, MaxRTO].
func (e *RTTEstimator) compute() time.Duration {
	rto := time.Duration(e.srtt8>>3) + max(e.cfg.Granularity, time.Duration(e.rttvar4))
	return min(max(rto, e.cfg.MinRTO), e.cfg.MaxRTO)
}

// StartTiming starts timing the segment that ends at end (exclusive), sent
// at now, unless a segment is already being timed: one measurement per
// round trip is what RFC 6298 asks for without timestamps. It reports
// whether timing started. Call it for segments of new data only, never for
// a retransmission.
func (e *RTTEstimator) StartTiming(end Seq, now reactor.Instant) bool {
	if e.timing {
		return false
	}
	e.timing, e.timedEnd, e.timedAt = true, end, now
	return true
}

// Timing reports whether a segment is being timed.
func (e *RTTEstimator) Timing() bool { return e.timing }

// OnAck completes the timed measurement if ack (an acceptable SEG.ACK)
// covers the timed segment, and reports whether a sample was taken.
func (e *RTTEstimator) OnAck(ack Seq, now reactor.Instant) bool {
	if !e.timing || ack.LessThan(e.timedEnd) {
		return false
	}
	e.timing = false
	e.Sample(now.Sub(e.timedAt))
	return true
}

// OnRetransmit applies Karn's rule: the timed segment's ACK could answer a
// retransmission, so the measurement is abandoned. Any retransmission
// abandons it, not only one of the timed segment, as in BSD: an ACK that
// arrives after a hole was repaired would measure the repair too.
func (e *RTTEstimator) OnRetransmit() { e.timing = false }

// OnTimeout backs the timer off when it expires (RFC 6298 5.5): RTO doubles,
// up to MaxRTO, and stays so until the next sample. The timed measurement
// is abandoned, since a retransmission follows. It returns the new RTO.
func (e *RTTEstimator) OnTimeout() time.Duration {
	e.timing = false
	if e.rto > e.cfg.MaxRTO/2 { // so that doubling cannot overflow either
		e.rto = e.cfg.MaxRTO
	} else {
		e.rto *= 2
	}
	if e.backoff < 1<<16 {
		e.backoff++
	}
	return e.rto
}

// HandshakeDone is called when the three-way handshake completes. If the
// SYN (or our SYN-ACK) had to be retransmitted and no RTT sample came of it,
// the RTO starts data transmission at 3 s, unless MaxRTO is lower (RFC 6298
// 5.7): the 1 s initial RTO evidently was too short for this path.
func (e *RTTEstimator) HandshakeDone(synRetransmitted bool) {
	if synRetransmitted && !e.sampled {
		e.rto = min(max(synLossRTO, e.cfg.MinRTO), e.cfg.MaxRTO)
		e.backoff = 0
	}
}
