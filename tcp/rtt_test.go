package tcp

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
)

const ms = time.Millisecond

// rfc6298 is the RFC's algorithm written literally in floating point, the
// reference the fixed-point estimator is checked against.
type rfc6298 struct {
	srtt, rttvar float64 // nanoseconds
	sampled      bool
	alpha, beta  float64
}

func (m *rfc6298) sample(r float64, es float64) {
	if !m.sampled {
		m.srtt, m.rttvar, m.sampled = r, r/2, true
		return
	}
	alpha, beta := 1.0/8/es, 1.0/4/es
	m.rttvar = (1-beta)*m.rttvar + beta*math.Abs(m.srtt-r)
	m.srtt = (1-alpha)*m.srtt + alpha*r
}

func (m *rfc6298) rto(c RTTConfig) float64 {
	rto := m.srtt + max(float64(c.Granularity), 4*m.rttvar)
	return min(max(rto, float64(c.MinRTO)), float64(c.MaxRTO))
}

// Worked by hand from RFC 6298 2.2 and 2.3 with the default bounds.
func TestRTTFormulasByHand(t *testing.T) {
	e := NewRTTEstimator(RTTConfig{})
	if e.RTO() != time.Second || e.HasSample() {
		t.Fatalf("before any sample RTO = %v, want the initial 1s", e.RTO())
	}
	steps := []struct {
		r                 time.Duration
		srtt, rttvar, rto time.Duration
	}{
		// SRTT = R, RTTVAR = R/2, RTO = SRTT + 4*RTTVAR.
		{100 * ms, 100 * ms, 50 * ms, 300 * ms},
		// RTTVAR = 3/4*50 + 1/4*|100-200| = 62.5; SRTT = 7/8*100 + 1/8*200 = 112.5.
		{200 * ms, 112500 * time.Microsecond, 62500 * time.Microsecond, 362500 * time.Microsecond},
		// RTTVAR = 3/4*62.5 + 1/4*|112.5-112.5| = 46.875; SRTT unchanged.
		{112500 * time.Microsecond, 112500 * time.Microsecond, 46875 * time.Microsecond, 300 * ms},
		// RTTVAR = 3/4*46.875 + 1/4*|112.5-40| = 53.28125; SRTT = 7/8*112.5 + 5 = 103.4375.
		{40 * ms, 103437500, 53281250, 103437500 + 4*53281250},
	}
	for i, s := range steps {
		e.Sample(s.r)
		if e.SRTT() != s.srtt || e.RTTVar() != s.rttvar || e.RTO() != s.rto {
			t.Errorf("after sample %d (%v): SRTT %v RTTVAR %v RTO %v, want %v %v %v",
				i+1, s.r, e.SRTT(), e.RTTVar(), e.RTO(), s.srtt, s.rttvar, s.rto)
		}
	}
}

// Random sample sequences against the literal formulas: the fixed point
// stays within a few nanoseconds of exact arithmetic.
func TestRTTMatchesRFCFormulas(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	cfgs := []RTTConfig{
		{},
		{MinRTO: time.Microsecond, Granularity: time.Microsecond},
		{MinRTO: time.Second, MaxRTO: 120 * time.Second, Granularity: 10 * ms},
	}
	for _, cfg := range cfgs {
		for seq := range 50 {
			e := NewRTTEstimator(cfg)
			c := e.Config()
			m := rfc6298{}
			base := time.Duration(rng.Int64N(int64(500 * ms)))
			for i := range 200 {
				r := base + time.Duration(rng.Int64N(int64(base/2+1)))
				if i%17 == 0 {
					r *= 3 // a spike
				}
				e.Sample(r)
				m.sample(float64(r), 1)
				if d := math.Abs(float64(e.SRTT()) - m.srtt); d > 8 {
					t.Fatalf("cfg %+v seq %d step %d: SRTT %v, formula %.1f", cfg, seq, i, e.SRTT(), m.srtt)
				}
				if d := math.Abs(float64(e.RTTVar()) - m.rttvar); d > 8 {
					t.Fatalf("cfg %+v seq %d step %d: RTTVAR %v, formula %.1f", cfg, seq, i, e.RTTVar(), m.rttvar)
				}
				if d := math.Abs(float64(e.RTO()) - m.rto(c)); d > 40 {
					t.Fatalf("cfg %+v seq %d step %d: RTO %v, formula %.1f", cfg, seq, i, e.RTO(), m.rto(c))
				}
			}
		}
	}
}

// RFC 7323 appendix G: a timestamp sample moves the averages by 1/ES of a
// normal sample, ES = ceil(FlightSize / (2*SMSS)).
func TestRTTTimestampSamplesScaled(t *testing.T) {
	const smss = 1000
	rng := rand.New(rand.NewPCG(9, 10))
	e := NewRTTEstimator(RTTConfig{})
	m := rfc6298{}
	for i := range 500 {
		flight := uint32(rng.IntN(40 * smss))
		r := 50*ms + time.Duration(rng.Int64N(int64(50*ms)))
		es := math.Max(1, math.Ceil(float64(flight)/(2*smss)))
		if i == 0 {
			es = 1 // the first sample initialises, unscaled
		}
		e.TimestampSample(r, flight, smss)
		m.sample(float64(r), es)
		if math.Abs(float64(e.SRTT())-m.srtt) > 16 || math.Abs(float64(e.RTTVar())-m.rttvar) > 16 {
			t.Fatalf("step %d (flight %d): SRTT %v RTTVAR %v, formula %.1f %.1f",
				i, flight, e.SRTT(), e.RTTVar(), m.srtt, m.rttvar)
		}
	}
	// Scaling is what makes the difference: the same samples unscaled would
	// forget a step change within a few dozen samples, scaled they must not.
	a, b := NewRTTEstimator(RTTConfig{}), NewRTTEstimator(RTTConfig{})
	a.Sample(100 * ms)
	b.Sample(100 * ms)
	for range 20 {
		a.Sample(10 * ms)
		b.TimestampSample(10*ms, 20*smss, smss) // ES = 10
	}
	if !(b.SRTT() > a.SRTT()+40*ms) {
		t.Errorf("after a step down, scaled SRTT %v is not far above unscaled %v", b.SRTT(), a.SRTT())
	}
}

// When the RTT never varies, RTTVAR decays to zero and the clock
// granularity G is what keeps RTO above SRTT (RFC 6298 2.3).
func TestRTTGranularity(t *testing.T) {
	e := NewRTTEstimator(RTTConfig{MinRTO: time.Microsecond, Granularity: 2 * ms})
	for range 200 {
		e.Sample(10 * ms)
	}
	if e.RTTVar() != 0 || e.RTO() != 12*ms {
		t.Errorf("steady 10ms: RTTVAR %v RTO %v, want 0 and SRTT+G = 12ms", e.RTTVar(), e.RTO())
	}
}

func TestRTTMinMax(t *testing.T) {
	// A LAN: 1ms RTT gives SRTT + 4*RTTVAR = 3ms, raised to the minimum.
	e := NewRTTEstimator(RTTConfig{})
	e.Sample(ms)
	if e.RTO() != DefaultMinRTO {
		t.Errorf("1ms RTT: RTO %v, want the 200ms default minimum", e.RTO())
	}
	e = NewRTTEstimator(RTTConfig{MinRTO: time.Second})
	e.Sample(ms)
	if e.RTO() != time.Second {
		t.Errorf("1ms RTT with the RFC's 1s floor: RTO %v", e.RTO())
	}
	// A sample above the cap counts as the cap.
	e = NewRTTEstimator(RTTConfig{})
	e.Sample(time.Hour)
	if e.RTO() != DefaultMaxRTO || e.SRTT() != DefaultMaxRTO {
		t.Errorf("1h sample: SRTT %v RTO %v, want both at the 60s cap", e.SRTT(), e.RTO())
	}
	// A negative sample is ignored.
	e = NewRTTEstimator(RTTConfig{})
	e.Sample(-ms)
	if e.HasSample() || e.RTO() != time.Second {
		t.Error("a negative sample was taken")
	}
}

func TestRTTConfigDefaults(t *testing.T) {
	cases := []struct{ in, want RTTConfig }{
		{RTTConfig{}, RTTConfig{time.Second, 200 * ms, 60 * time.Second, ms}},
		// MaxRTO below MinRTO is raised to it; InitialRTO is kept inside.
		{RTTConfig{MinRTO: 2 * time.Second, MaxRTO: time.Second},
			RTTConfig{2 * time.Second, 2 * time.Second, 2 * time.Second, ms}},
		{RTTConfig{InitialRTO: time.Hour, Granularity: -1},
			RTTConfig{60 * time.Second, 200 * ms, 60 * time.Second, ms}},
		{RTTConfig{InitialRTO: ms}, RTTConfig{200 * ms, 200 * ms, 60 * time.Second, ms}},
	}
	for _, c := range cases {
		e := NewRTTEstimator(c.in)
		if e.Config() != c.want || e.RTO() != c.want.InitialRTO {
			t.Errorf("%+v: config %+v RTO %v, want %+v", c.in, e.Config(), e.RTO(), c.want)
		}
	}
}

// RFC 6298 5.5: each expiry doubles RTO, up to the cap, and the next sample
// recomputes it from SRTT and RTTVAR.
func TestRTTBackoff(t *testing.T) {
	e := NewRTTEstimator(RTTConfig{})
	want := time.Second
	for i := 1; i <= 10; i++ {
		want = min(2*want, DefaultMaxRTO)
		if got := e.OnTimeout(); got != want || e.RTO() != want || e.Backoffs() != i {
			t.Fatalf("expiry %d: RTO %v backoffs %d, want %v %d", i, got, e.Backoffs(), want, i)
		}
	}
	e.Sample(100 * ms)
	if e.RTO() != 300*ms || e.Backoffs() != 0 {
		t.Errorf("after a sample: RTO %v backoffs %d, want 300ms 0", e.RTO(), e.Backoffs())
	}

	// An enormous cap cannot make doubling overflow.
	e = NewRTTEstimator(RTTConfig{MaxRTO: math.MaxInt64, InitialRTO: math.MaxInt64 / 3})
	for range 4 {
		if e.OnTimeout() < 0 {
			t.Fatal("RTO overflowed")
		}
	}
	if e.RTO() != math.MaxInt64 {
		t.Errorf("RTO %v, want the cap", e.RTO())
	}
}

// Karn's rule: no sample from an ACK that may answer a retransmission, and
// the backed-off RTO stays until a segment sent once is acknowledged.
func TestRTTKarn(t *testing.T) {
	at := func(d time.Duration) reactor.Instant { return reactor.Instant(0).Add(d) }
	e := NewRTTEstimator(RTTConfig{})
	if !e.StartTiming(1000, at(0)) || e.StartTiming(2000, at(ms)) {
		t.Fatal("a second segment was timed while the first was in flight")
	}
	// The timer expires, the segment is retransmitted, then acknowledged.
	e.OnTimeout()
	e.OnRetransmit()
	if e.OnAck(1000, at(1500*ms)) || e.HasSample() || e.RTO() != 2*time.Second {
		t.Fatalf("an ACK after a retransmission gave a sample (RTO %v)", e.RTO())
	}
	// A fast retransmission cancels timing too, even of a later segment.
	e.StartTiming(3000, at(2*time.Second))
	e.OnRetransmit()
	if e.OnAck(3000, at(2100*ms)) || e.RTO() != 2*time.Second {
		t.Fatal("an ACK after a fast retransmission gave a sample")
	}
	// A new segment, sent once: an ACK short of it is no sample, one that
	// covers it is, and it ends the backoff.
	e.StartTiming(4000, at(3*time.Second))
	if e.OnAck(3999, at(3050*ms)) {
		t.Fatal("an ACK short of the timed segment gave a sample")
	}
	if !e.OnAck(4100, at(3100*ms)) || e.SRTT() != 100*ms || e.RTO() != 300*ms || e.Backoffs() != 0 {
		t.Fatalf("the clean ACK gave SRTT %v RTO %v backoffs %d", e.SRTT(), e.RTO(), e.Backoffs())
	}
	if e.Timing() || e.OnAck(5000, at(4*time.Second)) {
		t.Fatal("one timed segment gave two samples")
	}

	// With timestamps a retransmitted segment's echo is a valid sample.
	e = NewRTTEstimator(RTTConfig{})
	e.OnTimeout()
	e.OnRetransmit()
	e.TimestampSample(80*ms, 0, 1460)
	if !e.HasSample() || e.SRTT() != 80*ms || e.RTO() != 240*ms {
		t.Errorf("timestamp sample after a retransmission: SRTT %v RTO %v", e.SRTT(), e.RTO())
	}
}

// Timing works across the sequence-number wrap.
func TestRTTTimingAcrossWrap(t *testing.T) {
	e := NewRTTEstimator(RTTConfig{})
	e.StartTiming(Seq(math.MaxUint32-10).Add(100), 0)
	if e.OnAck(math.MaxUint32-5, 10) {
		t.Fatal("an ACK before the wrap completed a segment that ends after it")
	}
	if !e.OnAck(89, reactor.Instant(50*ms)) || e.SRTT() != 50*ms {
		t.Fatalf("ACK past the wrap: SRTT %v", e.SRTT())
	}
}

// RFC 6298 5.7: a retransmitted SYN leaves no sample, and data starts with a
// 3 s RTO; with a sample (from timestamps) the estimate stands.
func TestRTTHandshakeRetransmitted(t *testing.T) {
	e := NewRTTEstimator(RTTConfig{})
	e.OnTimeout()
	e.HandshakeDone(true)
	if e.RTO() != 3*time.Second || e.Backoffs() != 0 {
		t.Errorf("after a lost SYN: RTO %v backoffs %d, want 3s 0", e.RTO(), e.Backoffs())
	}
	e = NewRTTEstimator(RTTConfig{MaxRTO: 2 * time.Second})
	e.HandshakeDone(true)
	if e.RTO() != 2*time.Second {
		t.Errorf("3s above a 2s cap: RTO %v", e.RTO())
	}
	e = NewRTTEstimator(RTTConfig{})
	e.TimestampSample(100*ms, 0, 1460)
	e.HandshakeDone(true)
	if e.RTO() != 300*ms {
		t.Errorf("with a timestamp sample: RTO %v, want 300ms", e.RTO())
	}
	e = NewRTTEstimator(RTTConfig{})
	e.HandshakeDone(false)
	if e.RTO() != time.Second {
		t.Errorf("clean handshake: RTO %v, want 1s", e.RTO())
	}
}

func TestRTTAllocs(t *testing.T) {
	e := NewRTTEstimator(RTTConfig{})
	var now reactor.Instant
	var seq Seq
	allocs := testing.AllocsPerRun(1000, func() {
		e.StartTiming(seq.Add(1000), now)
		now += reactor.Instant(10 * ms)
		seq = seq.Add(1000)
		e.OnAck(seq, now)
		e.TimestampSample(20*ms, 10000, 1000)
		e.OnTimeout()
		e.OnRetransmit()
	})
	if allocs != 0 {
		t.Errorf("the estimator allocates %.1f times per round", allocs)
	}
}
