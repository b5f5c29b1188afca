package tcp

import "time"

// CongestionControl is a sender's congestion controller: it sees the ACKs
// and timeouts the connection's loss detection reports and answers how many
// bytes may be in flight (cwnd). NewReno is the default; another algorithm
// (CUBIC, say) slots in by implementing the same events.
//
// All quantities are bytes. Calls come from the connection's goroutine
// only; implementations must not allocate.
type CongestionControl interface {
	// Window returns the congestion window, cwnd.
	Window() uint32
	// SSThresh returns the slow start threshold.
	SSThresh() uint32
	// State returns the phase the controller is in.
	State() CCState
	// OnAck reports an acceptable ACK that acknowledges new data.
	OnAck(ev AckEvent) CCSignal
	// OnDupAck reports a duplicate ACK as RFC 5681 section 2 defines one.
	OnDupAck(ev AckEvent) CCSignal
	// EnterRecovery reports loss found by other means than counting
	// duplicate ACKs (the SACK scoreboard of RFC 6675) and starts recovery
	// if RFC 6582's recover point allows it; the result says whether.
	EnterRecovery(ev AckEvent) CCSignal
	// OnTimeout reports that the retransmission timer expired with flight
	// bytes outstanding and sndMax the highest sequence number sent plus
	// one; repeated says the segment at SND.UNA had already been
	// retransmitted by the timer.
	OnTimeout(flight uint32, sndMax Seq, repeated bool)
	// RestartAfterIdle is called before sending after nothing was sent for
	// idle, with the current RTO; it reports whether cwnd was reduced.
	RestartAfterIdle(idle, rto time.Duration) bool
}

// AckEvent describes one ACK to a CongestionControl.
type AckEvent struct {
	// Ack is SEG.ACK.
	Ack Seq
	// Acked is how many bytes it newly acknowledges (SEG.ACK minus the old
	// SND.UNA); 0 for a duplicate ACK.
	Acked uint32
	// Flight is FlightSize once the ACK is processed (RFC 5681 section 2):
	// SND.NXT minus SEG.ACK for a new ACK, SND.NXT minus SND.UNA for a
	// duplicate. Segments sent by Limited Transmit (RFC 3042) must be left
	// out of it, as RFC 5681 3.2 requires when it halves the window.
	Flight uint32
	// SndMax is the highest sequence number sent plus one: SND.NXT, or
	// where SND.NXT was before a timeout pulled it back.
	SndMax Seq
}

// CCState is the phase of congestion control.
type CCState uint8

const (
	// SlowStart: cwnd < ssthresh, cwnd grows by the bytes acknowledged.
	SlowStart CCState = iota + 1
	// CongestionAvoidance: cwnd >= ssthresh, cwnd grows by one SMSS per
	// window of bytes acknowledged.
	CongestionAvoidance
	// FastRecovery: a loss is being repaired; cwnd follows RFC 6582 (or
	// stays at ssthresh with SACK, where RFC 6675's pipe governs sending).
	FastRecovery
)

var ccStateNames = [...]string{SlowStart: "slow-start", CongestionAvoidance: "congestion-avoidance", FastRecovery: "fast-recovery"}

func (s CCState) String() string {
	if int(s) < len(ccStateNames) && ccStateNames[s] != "" {
		return ccStateNames[s]
	}
	return "unknown"
}

// CCSignal tells the connection what an event requires of it; the bits
// combine.
type CCSignal uint8

const (
	// CCRetransmit: retransmit the segment at SND.UNA now (fast retransmit,
	// or a NewReno partial ACK).
	CCRetransmit CCSignal = 1 << iota
	// CCRestartTimer: restart the retransmission timer for this ACK (RFC
	// 6298 5.3). NewReno without SACK withholds it from all but the first
	// partial ACK of a recovery (RFC 6582 3.2 step 5), so a long recovery
	// ends in a timeout rather than lasting one RTT per lost segment.
	CCRestartTimer
	// CCEnteredRecovery: fast recovery began with this event.
	CCEnteredRecovery
	// CCExitedRecovery: this ACK acknowledged the recovery point; fast
	// recovery is over.
	CCExitedRecovery
)

// DupThresh is the number of duplicate ACKs that signals a loss (RFC 5681
// 3.2, RFC 6675 section 2).
const DupThresh = 3

// maxWindow bounds cwnd and is the initial ssthresh, "arbitrarily high" in
// RFC 5681's words: the largest window a peer can advertise is 65535<<14,
// just under 2^30 (RFC 7323 2.3), so a larger cwnd could never be used.
const maxWindow = 1 << 30

// InitialWindow returns the initial congestion window of RFC 6928 for a
// sender maximum segment size smss: min(10*SMSS, max(2*SMSS, 14600)).
func InitialWindow(smss uint32) uint32 {
	return min(10*smss, max(2*smss, 14600))
}

// NewRenoConfig configures NewReno.Init.
type NewRenoConfig struct {
	// ISS is the connection's initial send sequence number, where RFC 6582
	// starts the recover point.
	ISS Seq
	// SMSS is the sender maximum segment size, at least 1.
	SMSS uint32
	// SACK selects RFC 6675 recovery: loss is found by the SACK scoreboard,
	// which calls EnterRecovery, and during recovery cwnd stays at ssthresh
	// while the scoreboard's pipe decides what may be sent.
	SACK bool
	// SYNRetransmitted says the SYN or SYN-ACK had to be retransmitted; the
	// initial window is then one segment (RFC 5681 3.1, RFC 6928 2).
	SYNRetransmitted bool
}

// NewReno is congestion control per RFC 5681 with the NewReno modification
// of fast recovery (RFC 6582), in integer arithmetic over bytes:
//
//   - the initial window of RFC 6928;
//   - slow start counting every byte acknowledged (RFC 3465 without its
//     L = 2*SMSS limit per ACK, as Linux, for stretch ACKs), and L = 1*SMSS
//     in the slow start that follows a timeout;
//   - congestion avoidance by byte counting: one SMSS per cwnd bytes
//     acknowledged (RFC 3465 2.1, RFC 5681 3.1);
//   - fast retransmit on the third duplicate ACK, once the cumulative ACK
//     is past the recover point (RFC 6582 3.2 step 1), ssthresh =
//     max(FlightSize/2, 2*SMSS) and cwnd = ssthresh + 3*SMSS, inflated by
//     SMSS per further duplicate;
//   - partial ACKs retransmit the next hole and deflate cwnd by the bytes
//     acknowledged, adding back one SMSS if at least that much was; a full
//     ACK ends recovery with cwnd = min(ssthresh, max(FlightSize, SMSS) +
//     SMSS) (RFC 6582 3.2 step 5, its first option, which avoids a burst);
//   - on a timeout cwnd = 1 SMSS and ssthresh = max(FlightSize/2, 2*SMSS),
//     held if the segment was already retransmitted by the timer;
//   - after an idle period longer than the RTO, cwnd = min(cwnd, IW) (RFC
//     5681 4.1).
//
// Two guards go beyond the RFCs. The inflation of cwnd by duplicate ACKs
// stops at ssthresh plus the FlightSize at entry (at least 3*SMSS), since
// each honest duplicate reports a segment that left that flight; a
// receiver sending more cannot open the window further. And the recover point is forgotten
// once the cumulative ACK passes it, so that after 2^31 bytes without a
// loss the modular comparison cannot turn round and forbid fast retransmit.
//
// The window grows whenever new data is acknowledged, as RFC 5681 says;
// it is not held back when the application sent less than cwnd allowed.
//
// Use Init before anything else; the zero value is not ready.
type NewReno struct {
	smss, iw       uint32
	cwnd, ssthresh uint32
	bytesAcked     uint32 // RFC 3465 bytes_acked, congestion avoidance only
	dupAcks        uint32
	recover        Seq    // RFC 6582 "recover": highest sequence sent at loss
	recoverArmed   bool   // recover still ahead of the cumulative ACK
	inRecovery     bool   // fast recovery in progress
	partialSeen    bool   // a partial ACK arrived in this recovery
	entryFlight    uint32 // FlightSize when recovery began, bounds inflation
	afterTimeout   bool   // slow start after an RTO: L = 1*SMSS
	sack           bool
}

var _ CongestionControl = (*NewReno)(nil)

// Init readies r for a new connection.
func (r *NewReno) Init(c NewRenoConfig) {
	smss := max(c.SMSS, 1)
	*r = NewReno{
		smss:     smss,
		iw:       InitialWindow(smss),
		ssthresh: maxWindow,
		recover:  c.ISS,
		sack:     c.SACK,
	}
	r.cwnd = r.iw
	if c.SYNRetransmitted {
		r.cwnd = smss
	}
}

// Window returns cwnd.
func (r *NewReno) Window() uint32 { return r.cwnd }

// SSThresh returns ssthresh.
func (r *NewReno) SSThresh() uint32 { return r.ssthresh }

// DupAcks returns how many duplicate ACKs arrived since the last ACK of new
// data; the first two may release new data by Limited Transmit (RFC 3042).
func (r *NewReno) DupAcks() uint32 { return r.dupAcks }

// Recover returns RFC 6582's recover point: the highest sequence number
// sent when the last loss was detected.
func (r *NewReno) Recover() Seq { return r.recover }

// State returns the phase.
func (r *NewReno) State() CCState {
	switch {
	case r.inRecovery:
		return FastRecovery
	case r.cwnd < r.ssthresh:
		return SlowStart
	}
	return CongestionAvoidance
}

// OnAck handles an ACK of new data: growth outside recovery, partial and
// full ACKs inside it.
func (r *NewReno) OnAck(ev AckEvent) CCSignal {
	if ev.Acked == 0 {
		return 0
	}
	r.dupAcks = 0
	full := r.recoverArmed && ev.Ack.GreaterThan(r.recover)
	if full {
		r.recoverArmed = false
	}
	if r.inRecovery {
		if full {
			// Step 5, full acknowledgment: deflate the window.
			r.inRecovery = false
			r.cwnd = min(r.ssthresh, max(ev.Flight, r.smss)+r.smss)
			r.bytesAcked = 0
			return CCExitedRecovery | CCRestartTimer
		}
		return r.partialAck(ev)
	}
	r.grow(ev.Acked)
	return CCRestartTimer
}

// partialAck is RFC 6582 3.2 step 5 for an ACK below the recover point.
func (r *NewReno) partialAck(ev AckEvent) CCSignal {
	sig := CCSignal(0)
	if !r.partialSeen || r.sack {
		sig |= CCRestartTimer
	}
	r.partialSeen = true
	if r.sack {
		// RFC 6675 repairs holes by NextSeg and pipe, not by deflation.
		return sig
	}
	// Deflate by what left the network; add back one SMSS for the
	// retransmission about to go out if at least that much left.
	if ev.Acked >= r.cwnd {
		r.cwnd = 0
	} else {
		r.cwnd -= ev.Acked
	}
	if ev.Acked >= r.smss {
		r.cwnd += r.smss
	}
	r.cwnd = max(r.cwnd, r.smss)
	return sig | CCRetransmit
}

// grow is slow start or congestion avoidance for acked new bytes.
func (r *NewReno) grow(acked uint32) {
	if r.cwnd < r.ssthresh {
		// Every byte acknowledged counts, as Linux counts it, not RFC
		// 3465's L = 2*SMSS: a receiver that acknowledges a burst at once
		// (GRO, or a stack like this one that takes every frame waiting
		// before it answers) would otherwise hold slow start to a crawl.
		// The slow start after a timeout keeps L = 1*SMSS (RFC 3465 3.2).
		limit := acked
		if r.afterTimeout {
			limit = r.smss
		}
		r.cwnd = min(r.cwnd+min(acked, limit), maxWindow)
		if r.cwnd >= r.ssthresh {
			r.afterTimeout = false
		}
		return
	}
	r.afterTimeout = false
	r.bytesAcked = min(r.bytesAcked+min(acked, maxWindow), 2*maxWindow)
	if r.bytesAcked >= r.cwnd {
		r.bytesAcked -= r.cwnd
		r.cwnd = min(r.cwnd+r.smss, maxWindow)
	}
}

// OnDupAck counts a duplicate ACK; the third may start fast recovery, and
// later ones inflate cwnd while it lasts. With SACK it only counts: the
// scoreboard decides when recovery begins.
func (r *NewReno) OnDupAck(ev AckEvent) CCSignal {
	if r.dupAcks < 1<<31 {
		r.dupAcks++
	}
	if r.sack {
		return 0
	}
	if r.inRecovery {
		// RFC 5681 3.2 step 4: each duplicate reports a segment that left.
		r.cwnd = min(r.cwnd+r.smss, r.ssthresh+max(r.entryFlight, DupThresh*r.smss))
		return 0
	}
	if r.dupAcks != DupThresh {
		return 0
	}
	if !r.enter(ev) {
		return 0
	}
	r.cwnd = r.ssthresh + DupThresh*r.smss
	return CCEnteredRecovery | CCRetransmit
}

// EnterRecovery starts recovery for a loss the SACK scoreboard found (RFC
// 6675 section 5 step 4): ssthresh = max(FlightSize/2, 2*SMSS) and cwnd =
// ssthresh. It does nothing if already recovering or if the cumulative ACK
// has not passed the recover point of the previous loss.
func (r *NewReno) EnterRecovery(ev AckEvent) CCSignal {
	if r.inRecovery || !r.enter(ev) {
		return 0
	}
	r.cwnd = r.ssthresh
	return CCEnteredRecovery | CCRetransmit
}

// enter applies RFC 6582 3.2 steps 1 and 2: recovery may begin only once
// the cumulative ACK covers more than recover; then ssthresh is halved
// from FlightSize and recover moves to the highest sequence number sent.
func (r *NewReno) enter(ev AckEvent) bool {
	if r.recoverArmed && !ev.Ack.GreaterThan(r.recover) {
		return false
	}
	r.ssthresh = max(ev.Flight/2, 2*r.smss)
	r.recover = ev.SndMax - 1
	r.recoverArmed = true
	r.inRecovery = true
	r.partialSeen = false
	r.entryFlight = ev.Flight
	r.bytesAcked = 0
	r.afterTimeout = false
	return true
}

// OnTimeout is RFC 5681 3.1 and RFC 6582 3.2 step 6: cwnd falls to the
// loss window, ssthresh to half the flight unless this segment had already
// timed out, any fast recovery ends, and recover moves to sndMax-1 so that
// duplicate ACKs from the retransmitted flight cannot start another one.
func (r *NewReno) OnTimeout(flight uint32, sndMax Seq, repeated bool) {
	if !repeated {
		r.ssthresh = max(flight/2, 2*r.smss)
	}
	r.cwnd = r.smss
	r.recover = sndMax - 1
	r.recoverArmed = true
	r.inRecovery = false
	r.dupAcks = 0
	r.bytesAcked = 0
	r.afterTimeout = true
}

// RestartAfterIdle applies RFC 5681 4.1: if nothing was sent for longer
// than the RTO, cwnd starts again from no more than the initial window.
func (r *NewReno) RestartAfterIdle(idle, rto time.Duration) bool {
	if idle <= rto || r.cwnd <= r.iw {
		return false
	}
	r.cwnd = r.iw
	r.bytesAcked = 0
	return true
}
