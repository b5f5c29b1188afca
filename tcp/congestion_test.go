package tcp

import (
	"fmt"
	"testing"
	"time"
)

// RFC 6928 2: IW = min(10*MSS, max(2*MSS, 14600)), that is ten segments up
// to an MSS of 1460, 14600 bytes up to 7300, two segments above.
func TestInitialWindow(t *testing.T) {
	cases := []struct{ mss, want uint32 }{
		{536, 10 * 536},
		{1000, 10 * 1000},
		{1460, 10 * 1460},
		{1461, 14600},
		{4000, 14600},
		{7300, 14600},
		{7301, 2 * 7301},
		{8960, 2 * 8960},
	}
	for _, c := range cases {
		if got := InitialWindow(c.mss); got != c.want {
			t.Errorf("InitialWindow(%d) = %d, want %d", c.mss, got, c.want)
		}
	}
}

// ccSender is the little bit of a sender a scenario needs to build honest
// AckEvents: SND.UNA and SND.NXT.
type ccSender struct{ una, nxt Seq }

type ccKind uint8

const (
	ccAck     ccKind = iota // acknowledge n more bytes
	ccAckAll                // acknowledge everything sent
	ccDup                   // a duplicate ACK
	ccTimeout               // the RTO expires; n != 0: again, with n bytes counted in flight
	ccIdle                  // RestartAfterIdle(n ms, 1 s)
	ccEnter                 // EnterRecovery (SACK loss detection)
)

// ccStep is one line of an RFC scenario: send some bytes, deliver one
// event, then check cwnd, ssthresh, the state and the signal.
type ccStep struct {
	send   uint32
	kind   ccKind
	n      uint32
	cwnd   uint32
	ssth   uint32
	state  CCState
	signal CCSignal
}

const (
	huge   = maxWindow // the initial "arbitrarily high" ssthresh
	restrt = CCRestartTimer
	retx   = CCRetransmit
	enter  = CCEnteredRecovery
	exit   = CCExitedRecovery
	ss     = SlowStart
	ca     = CongestionAvoidance
	fr     = FastRecovery
)

func replay(t *testing.T, cfg NewRenoConfig, steps []ccStep) *NewReno {
	t.Helper()
	var r NewReno
	r.Init(cfg)
	var cc CongestionControl = &r
	s := ccSender{una: cfg.ISS + 1, nxt: cfg.ISS + 1}
	for i, st := range steps {
		s.nxt = s.nxt.Add(st.send)
		var sig CCSignal
		switch st.kind {
		case ccAck, ccAckAll:
			n := st.n
			if st.kind == ccAckAll {
				n = uint32(s.nxt - s.una)
			}
			if n > uint32(s.nxt-s.una) {
				t.Fatalf("step %d acknowledges %d bytes, only %d were sent", i+1, n, s.nxt-s.una)
			}
			s.una = s.una.Add(n)
			sig = cc.OnAck(AckEvent{Ack: s.una, Acked: n, Flight: uint32(s.nxt - s.una), SndMax: s.nxt})
		case ccDup:
			sig = cc.OnDupAck(AckEvent{Ack: s.una, Flight: uint32(s.nxt - s.una), SndMax: s.nxt})
		case ccEnter:
			sig = cc.EnterRecovery(AckEvent{Ack: s.una, Flight: uint32(s.nxt - s.una), SndMax: s.nxt})
		case ccTimeout:
			if st.n != 0 {
				cc.OnTimeout(st.n, s.nxt, true)
			} else {
				cc.OnTimeout(uint32(s.nxt-s.una), s.nxt, false)
			}
		case ccIdle:
			cc.RestartAfterIdle(time.Duration(st.n)*time.Millisecond, time.Second)
		}
		if cc.Window() != st.cwnd || cc.SSThresh() != st.ssth || cc.State() != st.state || sig != st.signal {
			t.Fatalf("step %d: cwnd %d ssthresh %d %v signal %04b, want %d %d %v %04b",
				i+1, cc.Window(), cc.SSThresh(), cc.State(), sig, st.cwnd, st.ssth, st.state, st.signal)
		}
	}
	return &r
}

const smss = 1000

// Slow start, then a loss repaired by NewReno fast recovery: RFC 5681 3.1
// and 3.2 with RFC 6582 3.2, SMSS 1000 so the arithmetic reads plainly. The
// ISS sits just below the wrap so recover and the ACKs straddle it.
func TestNewRenoFastRecovery(t *testing.T) {
	replay(t, NewRenoConfig{ISS: 0xffffe000, SMSS: smss}, []ccStep{
		// IW = 10 segments; slow start adds every byte acknowledged, a
		// stretch ACK of four segments included (RFC 3465 without L).
		{send: 10000, kind: ccAck, n: 1000, cwnd: 10000 + 1000, ssth: huge, state: ss, signal: restrt},
		{kind: ccAck, n: 4000, cwnd: 11000 + 4000, ssth: huge, state: ss, signal: restrt},
		{send: 8000, kind: ccAck, n: 1000, cwnd: 15000 + 1000, ssth: huge, state: ss, signal: restrt},
		// Flight is now 18000-6000 = 12000. Two duplicates change nothing
		// (Limited Transmit is the sender's business); the third halves.
		{kind: ccDup, cwnd: 16000, ssth: huge, state: ss},
		{kind: ccDup, cwnd: 16000, ssth: huge, state: ss},
		{kind: ccDup, cwnd: 12000/2 + 3*smss, ssth: 12000 / 2, state: fr, signal: enter | retx},
		// Each further duplicate inflates by SMSS.
		{kind: ccDup, cwnd: 10000, ssth: 6000, state: fr},
		{kind: ccDup, cwnd: 11000, ssth: 6000, state: fr},
		// A partial ACK of 3000: deflate by 3000, add back SMSS, retransmit,
		// and restart the timer because it is the first.
		{kind: ccAck, n: 3000, cwnd: 11000 - 3000 + smss, ssth: 6000, state: fr, signal: retx | restrt},
		// A partial ACK of less than SMSS: no add-back, no timer restart.
		{kind: ccAck, n: 500, cwnd: 9000 - 500, ssth: 6000, state: fr, signal: retx},
		{kind: ccDup, cwnd: 9500, ssth: 6000, state: fr},
		// New data went out during recovery; the full ACK covers recover and
		// leaves 2000 in flight: cwnd = min(ssthresh, max(2000, SMSS) + SMSS).
		{send: 2000, kind: ccAck, n: 18000 - 9500, cwnd: 3000, ssth: 6000, state: ss, signal: exit | restrt},
		{kind: ccAck, n: 1000, cwnd: 4000, ssth: 6000, state: ss, signal: restrt},
		{send: 5000, kind: ccAck, n: 1000, cwnd: 5000, ssth: 6000, state: ss, signal: restrt},
		{kind: ccAck, n: 1000, cwnd: 6000, ssth: 6000, state: ca, signal: restrt},
	})
}

// A timeout (RFC 5681 3.1 and eq. 4): cwnd = 1 SMSS, ssthresh = FlightSize/2,
// held on a repeated timeout; slow start after it limits each ACK to
// 1 SMSS (RFC 3465 2.3); then congestion avoidance counts bytes, one SMSS
// per cwnd acknowledged (RFC 3465 2.1).
func TestNewRenoTimeoutAndByteCounting(t *testing.T) {
	replay(t, NewRenoConfig{ISS: 1000, SMSS: smss}, []ccStep{
		{send: 10000, kind: ccTimeout, cwnd: smss, ssth: 10000 / 2, state: ss},
		// The retransmitted segment times out again. Only one segment is
		// out now that SND.NXT was pulled back, but ssthresh is held, not
		// recomputed as max(1000/2, 2*SMSS).
		{kind: ccTimeout, n: 1000, cwnd: smss, ssth: 5000, state: ss},
		{kind: ccAck, n: 3000, cwnd: 1000 + smss, ssth: 5000, state: ss, signal: restrt},
		{kind: ccAck, n: 6000, cwnd: 2000 + smss, ssth: 5000, state: ss, signal: restrt},
		{send: 10000, kind: ccAck, n: 1000, cwnd: 4000, ssth: 5000, state: ss, signal: restrt},
		{kind: ccAck, n: 1000, cwnd: 5000, ssth: 5000, state: ca, signal: restrt},
		// Congestion avoidance: 5000 bytes acknowledged grow cwnd by SMSS.
		{send: 10000, kind: ccAck, n: 1000, cwnd: 5000, ssth: 5000, state: ca, signal: restrt},
		{kind: ccAck, n: 1000, cwnd: 5000, ssth: 5000, state: ca, signal: restrt},
		{kind: ccAck, n: 1000, cwnd: 5000, ssth: 5000, state: ca, signal: restrt},
		{kind: ccAck, n: 1000, cwnd: 5000, ssth: 5000, state: ca, signal: restrt},
		{kind: ccAck, n: 1000, cwnd: 6000, ssth: 5000, state: ca, signal: restrt},
		{kind: ccAck, n: 3000, cwnd: 6000, ssth: 5000, state: ca, signal: restrt},
		{kind: ccAck, n: 3000, cwnd: 7000, ssth: 5000, state: ca, signal: restrt},
	})
}

// RFC 6582 3.2 step 1 and section 6: after a timeout, duplicate ACKs below
// recover belong to the flight already being retransmitted and must not
// start fast retransmit or touch ssthresh; once the ACK passes recover they
// may.
func TestNewRenoNoFastRetransmitBelowRecover(t *testing.T) {
	replay(t, NewRenoConfig{ISS: 0, SMSS: smss}, []ccStep{
		{send: 20000, kind: ccTimeout, cwnd: smss, ssth: 10000, state: ss},
		{kind: ccAck, n: 1000, cwnd: 2000, ssth: 10000, state: ss, signal: restrt},
		{kind: ccDup, cwnd: 2000, ssth: 10000, state: ss},
		{kind: ccDup, cwnd: 2000, ssth: 10000, state: ss},
		{kind: ccDup, cwnd: 2000, ssth: 10000, state: ss},
		{kind: ccDup, cwnd: 2000, ssth: 10000, state: ss},
		{kind: ccAckAll, cwnd: 3000, ssth: 10000, state: ss, signal: restrt},
		{send: 3000, kind: ccDup, cwnd: 3000, ssth: 10000, state: ss},
		{kind: ccDup, cwnd: 3000, ssth: 10000, state: ss},
		{kind: ccDup, cwnd: 2*smss + 3*smss, ssth: 2 * smss, state: fr, signal: enter | retx},
		// A timeout during recovery ends it.
		{kind: ccTimeout, cwnd: smss, ssth: 2 * smss, state: ss},
	})
}

// RFC 5681 4.1: after an idle period longer than the RTO, cwnd restarts
// from min(IW, cwnd).
func TestNewRenoRestartAfterIdle(t *testing.T) {
	replay(t, NewRenoConfig{ISS: 0, SMSS: smss}, []ccStep{
		{send: 10000, kind: ccAck, n: 2000, cwnd: 12000, ssth: huge, state: ss, signal: restrt},
		{kind: ccAck, n: 2000, cwnd: 14000, ssth: huge, state: ss, signal: restrt},
		{kind: ccAckAll, cwnd: 20000, ssth: huge, state: ss, signal: restrt},
		{kind: ccIdle, n: 500, cwnd: 20000, ssth: huge, state: ss},
		{kind: ccIdle, n: 1000, cwnd: 20000, ssth: huge, state: ss}, // not longer than the RTO
		{kind: ccIdle, n: 1001, cwnd: 10000, ssth: huge, state: ss},
		{kind: ccIdle, n: 5000, cwnd: 10000, ssth: huge, state: ss},
	})
	// A window below IW stays where it is.
	replay(t, NewRenoConfig{ISS: 0, SMSS: smss}, []ccStep{
		{send: 8000, kind: ccTimeout, cwnd: smss, ssth: 4000, state: ss},
		{kind: ccIdle, n: 5000, cwnd: smss, ssth: 4000, state: ss},
	})
}

// With SACK, loss detection is the scoreboard's (RFC 6675 5 step 4):
// duplicates only count, EnterRecovery sets ssthresh = cwnd = FlightSize/2,
// partial ACKs neither deflate nor retransmit (NextSeg does), and the
// timer restarts on every ACK of new data.
func TestNewRenoSACKRecovery(t *testing.T) {
	r := replay(t, NewRenoConfig{ISS: 0x7ffff000, SMSS: smss, SACK: true}, []ccStep{
		{send: 20000, kind: ccAck, n: 2000, cwnd: 12000, ssth: huge, state: ss, signal: restrt},
		{kind: ccDup, cwnd: 12000, ssth: huge, state: ss},
		{kind: ccDup, cwnd: 12000, ssth: huge, state: ss},
		{kind: ccDup, cwnd: 12000, ssth: huge, state: ss},
		{kind: ccEnter, cwnd: 18000 / 2, ssth: 18000 / 2, state: fr, signal: enter | retx},
		{kind: ccDup, cwnd: 9000, ssth: 9000, state: fr},
		{kind: ccEnter, cwnd: 9000, ssth: 9000, state: fr}, // already recovering
		{kind: ccAck, n: 3000, cwnd: 9000, ssth: 9000, state: fr, signal: restrt},
		{kind: ccAck, n: 1000, cwnd: 9000, ssth: 9000, state: fr, signal: restrt},
		{send: 1000, kind: ccAck, n: 14000, cwnd: 1000 + smss, ssth: 9000, state: ss, signal: exit | restrt},
		{kind: ccTimeout, cwnd: smss, ssth: 2 * smss, state: ss},
		{send: 4000, kind: ccEnter, cwnd: smss, ssth: 2 * smss, state: ss}, // below recover: refused
	})
	if r.DupAcks() != 0 {
		t.Errorf("DupAcks after a timeout = %d", r.DupAcks())
	}
}

// A receiver that sends a flood of duplicates cannot inflate cwnd beyond
// ssthresh plus the flight at entry.
func TestNewRenoInflationBounded(t *testing.T) {
	steps := []ccStep{
		{send: 5000, kind: ccDup, cwnd: 10000, ssth: huge, state: ss},
		{kind: ccDup, cwnd: 10000, ssth: huge, state: ss},
		{kind: ccDup, cwnd: 2500 + 3000, ssth: 2500, state: fr, signal: enter | retx},
		{kind: ccDup, cwnd: 6500, ssth: 2500, state: fr},
	}
	for range 1000 {
		steps = append(steps, ccStep{kind: ccDup, cwnd: 2500 + 5000, ssth: 2500, state: fr})
	}
	steps[4].cwnd = 7500 // the fifth duplicate reaches the bound; the rest stay
	r := replay(t, NewRenoConfig{ISS: 0, SMSS: smss}, steps)
	if r.DupAcks() != 1004 {
		t.Errorf("DupAcks = %d, want 1004", r.DupAcks())
	}
}

// The recover point of an old loss must not block fast retransmit after the
// sequence space has turned by more than half (2^31 bytes) without a loss.
func TestNewRenoRecoverForgottenAfterWrap(t *testing.T) {
	steps := []ccStep{
		{send: 4000, kind: ccDup, cwnd: 10000, ssth: huge, state: ss},
		{kind: ccDup, cwnd: 10000, ssth: huge, state: ss},
		{kind: ccDup, cwnd: 2000 + 3000, ssth: 2000, state: fr, signal: enter | retx},
		{kind: ccAckAll, cwnd: 2000, ssth: 2000, state: ca, signal: exit | restrt},
	}
	cwnd := uint32(2000)
	for range 30 {
		// One huge ACK per step: byte counting adds one SMSS each.
		cwnd += smss
		steps = append(steps, ccStep{send: 100_000_000, kind: ccAckAll, cwnd: cwnd, ssth: 2000, state: ca, signal: restrt})
	}
	steps = append(steps,
		ccStep{send: 8000, kind: ccDup, cwnd: cwnd, ssth: 2000, state: ca},
		ccStep{kind: ccDup, cwnd: cwnd, ssth: 2000, state: ca},
		ccStep{kind: ccDup, cwnd: 4000 + 3000, ssth: 4000, state: fr, signal: enter | retx},
	)
	replay(t, NewRenoConfig{ISS: 12345, SMSS: smss}, steps)
}

// RFC 5681 3.1 / RFC 6928 2: a retransmitted SYN leaves an initial window of
// one segment.
func TestNewRenoSYNRetransmitted(t *testing.T) {
	replay(t, NewRenoConfig{ISS: 0, SMSS: 1460, SYNRetransmitted: true}, []ccStep{
		{send: 1460, kind: ccAckAll, cwnd: 2 * 1460, ssth: huge, state: ss, signal: restrt},
	})
}

func TestCCStateString(t *testing.T) {
	for s, want := range map[CCState]string{SlowStart: "slow-start", CongestionAvoidance: "congestion-avoidance",
		FastRecovery: "fast-recovery", 0: "unknown", 9: "unknown"} {
		if got := fmt.Sprint(s); got != want {
			t.Errorf("CCState(%d) = %q, want %q", s, got, want)
		}
	}
}

func TestNewRenoAllocs(t *testing.T) {
	var r NewReno
	r.Init(NewRenoConfig{SMSS: 1460})
	var cc CongestionControl = &r
	s := ccSender{una: 1, nxt: 1}
	allocs := testing.AllocsPerRun(1000, func() {
		s.nxt = s.nxt.Add(20 * 1460)
		for range 3 {
			cc.OnDupAck(AckEvent{Ack: s.una, Flight: uint32(s.nxt - s.una), SndMax: s.nxt})
		}
		s.una = s.una.Add(1460)
		cc.OnAck(AckEvent{Ack: s.una, Acked: 1460, Flight: uint32(s.nxt - s.una), SndMax: s.nxt})
		n := uint32(s.nxt - s.una)
		s.una = s.nxt
		cc.OnAck(AckEvent{Ack: s.una, Acked: n, SndMax: s.nxt})
		cc.EnterRecovery(AckEvent{Ack: s.una, SndMax: s.nxt})
		cc.OnTimeout(0, s.nxt, false)
		cc.RestartAfterIdle(time.Hour, time.Second)
	})
	if allocs != 0 {
		t.Errorf("NewReno allocates %.1f times per round", allocs)
	}
}
