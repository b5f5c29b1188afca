package tcp

import "github.com/seed947b3480/legation/wire"

// ScoreboardRanges is how many disjoint SACKed ranges a Scoreboard keeps.
// A receiver reports at most four blocks per ACK and holds few holes at a
// time (Linux keeps four, legation's Assembler a configurable few), so 8
// covers honest peers with room to spare; what a peer reports beyond that
// is forgotten from the top down, which only makes the sender more cautious.
const ScoreboardRanges = 8

// SeqRange is the sequence space [Start, End).
type SeqRange struct {
	Start, End Seq
}

// Len returns the number of octets in r.
func (r SeqRange) Len() uint32 { return uint32(r.End - r.Start) }

// SegmentRule says why NextSeg chose a segment, which decides how Sent
// accounts for it.
type SegmentRule uint8

const (
	// RuleFastRetransmit: the first segment presumed lost, at HighACK+1,
	// sent when loss recovery begins (RFC 6675 5 step 4.3).
	RuleFastRetransmit SegmentRule = iota + 1
	// RuleLost: NextSeg rule 1, an unSACKed segment IsLost declares lost.
	RuleLost
	// RuleNewData: rule 2, previously unsent data at HighData+1.
	RuleNewData
	// RuleUnSACKed: rule 3, an unSACKed segment below the highest SACKed
	// octet that is not (yet) known lost.
	RuleUnSACKed
	// RuleRescue: rule 4, the one rescue retransmission per recovery of
	// the highest unSACKed data, to keep the ACK clock going.
	RuleRescue
)

// Segment is a range of sequence space for the sender to transmit, and the
// rule that chose it.
type Segment struct {
	SeqRange
	Rule SegmentRule
}

// SACKUpdate is what one ACK changed in the scoreboard.
type SACKUpdate struct {
	// Acked is the number of octets the cumulative ACK newly covered.
	Acked uint32
	// SACKed is the number of octets the SACK blocks newly reported.
	SACKed uint32
	// DupAck reports that the ACK counted as a duplicate in RFC 6675's
	// sense: it did not move the cumulative ACK and its SACK blocks
	// reported octets not SACKed before.
	DupAck bool
	// Ignored is the number of blocks that were not used: D-SACK blocks
	// (RFC 2883) and blocks at or below SND.UNA, empty or reversed, or
	// reaching past what was sent.
	Ignored int
	// Exited reports that the ACK covered the recovery point: loss
	// recovery is over (RFC 6675 5 step A).
	Exited bool
}

// Scoreboard is the SACK scoreboard of a TCP sender (RFC 6675): which
// octets between SND.UNA and SND.MAX the receiver has reported with SACK
// blocks (RFC 2018), and the queries loss recovery needs: IsLost, SetPipe
// and NextSeg, with the HighACK, HighData, HighRxt and RescueRxt
// bookkeeping of RFC 6675 section 2.
//
// It holds at most ScoreboardRanges disjoint ranges, sorted, each strictly
// above SND.UNA and within what was sent, whatever the peer sends: blocks
// outside the window, D-SACKs and garbage are ignored, and when the table
// is full the highest ranges are forgotten. SACK information is advisory
// (RFC 2018 section 8): forgetting it never loses data, since the sender
// frees its buffer only on cumulative ACKs; it can only cost a needless
// retransmission. For the same reason a cumulative ACK that lands at or
// inside a SACKed range, which means the receiver reneged on that range,
// drops the whole range.
//
// The scoreboard does not decide congestion control: the connection asks
// LossDetected, lets its CongestionControl approve entering recovery, then
// calls EnterRecovery and sends FastRetransmit and NextSeg's segments while
// cwnd - Pipe allows (RFC 6675 section 5).
//
// Use Reset before anything else. Nothing here allocates, and every
// operation costs O(ScoreboardRanges).
type Scoreboard struct {
	ranges [ScoreboardRanges]SeqRange
	n      int

	una, nxt Seq    // SND.UNA and SND.MAX: HighACK+1 and HighData+1
	smss     uint32 // sender maximum segment size
	rxtEnd   Seq    // HighRxt+1, never below una
	rescue   Seq    // RescueRxt, meaningful if rescueSet
	point    Seq    // RecoveryPoint, meaningful while recovering

	rescueSet  bool
	recovering bool
	dupAcks    uint32
	pipe       uint32
}

// Reset empties the scoreboard for a connection whose SND.UNA and SND.NXT
// are both una, sending segments of at most smss octets.
func (s *Scoreboard) Reset(una Seq, smss uint32) {
	*s = Scoreboard{una: una, nxt: una, rxtEnd: una, smss: max(smss, 1)}
}

// SetMSS changes the sender maximum segment size (after a path MTU change).
func (s *Scoreboard) SetMSS(smss uint32) { s.smss = max(smss, 1) }

// HighACK is the highest octet cumulatively acknowledged: SND.UNA-1.
func (s *Scoreboard) HighACK() Seq { return s.una - 1 }

// HighData is the highest octet sent: SND.MAX-1.
func (s *Scoreboard) HighData() Seq { return s.nxt - 1 }

// HighRxt is the highest octet retransmitted in this recovery, HighACK if
// none (RFC 6675 5 step 3.1).
func (s *Scoreboard) HighRxt() Seq { return s.rxtEnd - 1 }

// RescueRxt is the highest octet of the rescue retransmission of this
// recovery (or of its fast retransmission, RFC 6675 5 step 4.3), and
// whether there was one.
func (s *Scoreboard) RescueRxt() (Seq, bool) { return s.rescue, s.rescueSet }

// RecoveryPoint is HighData when loss recovery began, and whether recovery
// is in progress.
func (s *Scoreboard) RecoveryPoint() (Seq, bool) { return s.point, s.recovering }

// DupAcks is the number of duplicate ACKs, in RFC 6675's sense, since the
// last cumulative ACK.
func (s *Scoreboard) DupAcks() uint32 { return s.dupAcks }

// Pipe is the estimate of octets in the network, as SetPipe last computed
// it plus what Sent added since.
func (s *Scoreboard) Pipe() uint32 { return s.pipe }

// Ranges returns how many SACKed ranges are held.
func (s *Scoreboard) Ranges() int { return s.n }

// Range returns the i-th SACKed range in ascending order, 0 <= i < Ranges().
func (s *Scoreboard) Range(i int) SeqRange { return s.ranges[i] }

// SACKed returns the number of octets held as SACKed.
func (s *Scoreboard) SACKed() uint32 {
	var total uint32
	for _, r := range s.ranges[:s.n] {
		total += r.Len()
	}
	return total
}

// IsSACKed reports whether the octet seq is held as SACKed.
func (s *Scoreboard) IsSACKed(seq Seq) bool {
	for _, r := range s.ranges[:s.n] {
		if seq.InWindow(r.Start, r.Len()) {
			return true
		}
	}
	return false
}

// Update records an acceptable ACK (RFC 6675 section 4's Update()): the
// cumulative acknowledgment ack, the SACK blocks it carried, and sndMax,
// the highest sequence number sent plus one. An ack below SND.UNA (an old,
// reordered ACK) or beyond sndMax moves nothing but its blocks are still
// considered. Afterwards the pipe is recomputed (SetPipe).
func (s *Scoreboard) Update(ack Seq, blocks []wire.SACKBlock, sndMax Seq) SACKUpdate {
	var u SACKUpdate
	if sndMax.GreaterThan(s.nxt) {
		s.nxt = sndMax
	}
	if d := uint32(ack - s.una); d > 0 && d <= uint32(s.nxt-s.una) {
		u.Acked = uint32(ack - s.una)
		s.una = ack
		s.dropBelow(ack)
		s.rxtEnd = SeqMax(s.rxtEnd, ack)
		s.dupAcks = 0
		if s.recovering && ack.GreaterThan(s.point) {
			s.recovering = false
			u.Exited = true
		}
	}
	for _, b := range blocks {
		// Valid blocks satisfy SND.UNA < Left < Right <= SND.MAX. Compare
		// distances from SND.UNA, not pairs of sequence numbers: pairwise
		// modular comparisons are not transitive for a block 2^31 away.
		w := uint32(s.nxt - s.una)
		l, r := uint32(Seq(b.Left)-s.una), uint32(Seq(b.Right)-s.una)
		if l == 0 || l >= r || r > w {
			u.Ignored++
			continue
		}
		u.SACKed += s.insert(s.una.Add(l), s.una.Add(r))
	}
	if u.Acked == 0 && u.SACKed > 0 {
		u.DupAck = true
		if s.dupAcks < 1<<31 {
			s.dupAcks++
		}
	}
	s.SetPipe()
	return u
}

// dropBelow removes the ranges that start at or below una, the new SND.UNA.
func (s *Scoreboard) dropBelow(una Seq) {
	k := 0
	for k < s.n && s.ranges[k].Start.LessEq(una) {
		k++
	}
	if k > 0 {
		copy(s.ranges[:], s.ranges[k:s.n])
		s.n -= k
	}
}

// insert merges [l, r) into the sorted ranges and returns how many of its
// octets were not SACKed before (counted even if the table has no room to
// keep them).
func (s *Scoreboard) insert(l, r Seq) uint32 {
	// Ranges i to j-1 overlap or touch [l, r).
	i := 0
	for i < s.n && s.ranges[i].End.LessThan(l) {
		i++
	}
	j := i
	var covered uint32
	for j < s.n && s.ranges[j].Start.LessEq(r) {
		lo, hi := SeqMax(l, s.ranges[j].Start), SeqMin(r, s.ranges[j].End)
		if lo.LessThan(hi) {
			covered += uint32(hi - lo)
		}
		j++
	}
	added := uint32(r-l) - covered
	if added == 0 {
		return 0 // inside one range already: nothing changes
	}
	if j > i {
		merged := SeqRange{SeqMin(l, s.ranges[i].Start), SeqMax(r, s.ranges[j-1].End)}
		s.ranges[i] = merged
		copy(s.ranges[i+1:], s.ranges[j:s.n])
		s.n -= j - i - 1
		return added
	}
	if s.n == len(s.ranges) {
		if i == s.n {
			return added // above everything held: forget it
		}
		s.n-- // forget the highest range to make room
	}
	copy(s.ranges[i+1:s.n+1], s.ranges[i:s.n])
	s.ranges[i] = SeqRange{l, r}
	s.n++
	return added
}

// IsLost reports whether the octet seq is considered lost (RFC 6675
// section 4): DupThresh discontiguous SACKed ranges lie above it, or more
// than (DupThresh-1)*SMSS SACKed octets do. Octets outside [SND.UNA,
// SND.MAX) are never lost.
func (s *Scoreboard) IsLost(seq Seq) bool {
	if !seq.InWindow(s.una, uint32(s.nxt-s.una)) {
		return false
	}
	var count, above uint32
	for k := s.n - 1; k >= 0; k-- {
		r := s.ranges[k]
		if r.End.LessEq(seq + 1) {
			break // this range and all below hold nothing above seq
		}
		count++
		above += uint32(r.End - SeqMax(r.Start, seq+1))
		if count >= DupThresh || above > (DupThresh-1)*s.smss {
			return true
		}
	}
	return false
}

// holeLost reports whether the unSACKed octets just below range k are lost:
// every one of them has ranges k to n-1 above it.
func (s *Scoreboard) holeLost(k int) bool {
	if s.n-k >= DupThresh {
		return true
	}
	var above uint32
	for _, r := range s.ranges[k:s.n] {
		above += r.Len()
	}
	return above > (DupThresh-1)*s.smss
}

// SetPipe recomputes and returns pipe (RFC 6675 section 4): for every
// unSACKed octet from HighACK+1 to HighData, one if IsLost says it is not
// lost (it is still in the network) and one more if it was retransmitted
// (at or below HighRxt). IsLost is the same for all the octets of a hole
// between two SACKed ranges, so this costs one step per range.
func (s *Scoreboard) SetPipe() uint32 {
	var pipe uint32
	start := s.una
	for k := 0; k <= s.n; k++ {
		end := s.nxt
		if k < s.n {
			end = s.ranges[k].Start
		}
		if k == s.n || !s.holeLost(k) {
			pipe += uint32(end - start)
		}
		if rx := SeqMin(end, s.rxtEnd); start.LessThan(rx) {
			pipe += uint32(rx - start)
		}
		if k < s.n {
			start = s.ranges[k].End
		}
	}
	s.pipe = pipe
	return pipe
}

// LossDetected reports whether the ACKs seen call for loss recovery (RFC
// 6675 section 5 steps 1 and 2): DupThresh duplicate ACKs, or IsLost
// (HighACK+1). Whether recovery may begin (the previous recovery point
// must have been passed) is the CongestionControl's to decide.
func (s *Scoreboard) LossDetected() bool {
	return s.una != s.nxt && (s.dupAcks >= DupThresh || s.IsLost(s.una))
}

// EnterRecovery starts loss recovery (RFC 6675 section 5 step 4.1):
// RecoveryPoint = HighData, nothing retransmitted yet, no rescue yet.
func (s *Scoreboard) EnterRecovery() {
	s.point = s.nxt - 1
	s.recovering = true
	s.rxtEnd = s.una
	s.rescueSet = false
}

// FastRetransmit returns the segment that starts loss recovery (RFC 6675
// section 5 step 4.3): from HighACK+1, up to SMSS octets, ending early where
// SACKed data begins. It reports false when nothing is outstanding.
func (s *Scoreboard) FastRetransmit() (Segment, bool) {
	if s.una == s.nxt {
		return Segment{}, false
	}
	end := s.nxt
	if s.n > 0 {
		end = s.ranges[0].Start
	}
	return Segment{SeqRange{s.una, s.clip(s.una, end)}, RuleFastRetransmit}, true
}

// clip returns the end of a segment from start: at most SMSS octets, and
// not past end.
func (s *Scoreboard) clip(start, end Seq) Seq {
	if uint32(end-start) > s.smss {
		return start.Add(s.smss)
	}
	return end
}

// NextSeg returns the next segment to send during loss recovery (RFC 6675
// section 4), by the first of its rules that applies:
//
//  1. the lowest unSACKed octet S2 above HighRxt and below the highest
//     SACKed octet for which IsLost(S2) holds;
//  2. new data at HighData+1, if sendable (the bytes both queued and
//     allowed by the peer's window) is not zero;
//  3. the lowest unSACKed octet above HighRxt and below the highest SACKed
//     octet, lost or not;
//  4. once per recovery, after the cumulative ACK has passed RescueRxt, a
//     rescue retransmission ending at the highest unSACKed octet.
//
// Each segment is at most SMSS octets and never covers SACKed octets. It
// reports false when no rule applies (RFC 6675: "failure"). NextSeg changes
// nothing: report what was actually sent with Sent.
func (s *Scoreboard) NextSeg(sendable uint32) (Segment, bool) {
	start, end, k, ok := s.firstHole(SeqMax(s.rxtEnd, s.una))
	if ok && s.holeLost(k) {
		return Segment{SeqRange{start, s.clip(start, end)}, RuleLost}, true
	}
	if sendable > 0 {
		return Segment{SeqRange{s.nxt, s.nxt.Add(min(sendable, s.smss))}, RuleNewData}, true
	}
	if ok {
		return Segment{SeqRange{start, s.clip(start, end)}, RuleUnSACKed}, true
	}
	if !s.recovering || s.una == s.nxt || (s.rescueSet && !(s.una - 1).GreaterThan(s.rescue)) {
		return Segment{}, false
	}
	// The highest unSACKed octet ends the hole below the top range if that
	// range reaches HighData, otherwise it is HighData itself.
	holeStart, holeEnd := s.una, s.nxt
	if s.n > 0 {
		holeStart = s.ranges[s.n-1].End
		if holeStart == s.nxt {
			holeEnd = s.ranges[s.n-1].Start
			holeStart = s.una
			if s.n > 1 {
				holeStart = s.ranges[s.n-2].End
			}
		}
	}
	start = holeStart
	if uint32(holeEnd-holeStart) > s.smss {
		start = holeEnd - Seq(s.smss)
	}
	return Segment{SeqRange{start, holeEnd}, RuleRescue}, true
}

// firstHole finds the lowest unSACKed octet at or above from that lies
// below some SACKed range: it returns that octet, the end of its hole, and
// the index of the range that ends the hole.
func (s *Scoreboard) firstHole(from Seq) (start, end Seq, k int, ok bool) {
	prev := s.una
	for k = 0; k < s.n; k++ {
		r := s.ranges[k]
		if c := SeqMax(from, prev); c.LessThan(r.Start) {
			return c, r.Start, k, true
		}
		prev = r.End
	}
	return 0, 0, 0, false
}

// Sent records a segment from FastRetransmit or NextSeg as transmitted
// (RFC 6675 section 5 steps 4.3 and C.2 to C.4): a retransmission raises
// HighRxt (and the fast retransmission also sets RescueRxt), the rescue
// sets RescueRxt to RecoveryPoint and leaves HighRxt alone, new data moves
// HighData, and pipe grows by the segment's length. A connection that
// sends new data outside recovery may report it here with RuleNewData or
// simply pass the new SND.MAX to the next Update.
func (s *Scoreboard) Sent(seg Segment) {
	if !seg.End.GreaterThan(seg.Start) {
		return
	}
	switch seg.Rule {
	case RuleNewData:
		if seg.End.GreaterThan(s.nxt) {
			s.nxt = seg.End
		}
	case RuleFastRetransmit:
		s.rxtEnd = SeqMin(SeqMax(s.rxtEnd, seg.End), s.nxt)
		s.rescue, s.rescueSet = seg.End-1, true
	case RuleLost, RuleUnSACKed:
		s.rxtEnd = SeqMin(SeqMax(s.rxtEnd, seg.End), s.nxt)
	case RuleRescue:
		s.rescue, s.rescueSet = s.point, true
	default:
		return
	}
	s.pipe += seg.Len()
}

// OnTimeout handles a retransmission timeout (RFC 6675 section 5.1): the
// SACK information is discarded, since the receiver may have reneged on it
// (RFC 2018 section 8), and any loss recovery ends. Later ACKs rebuild the
// scoreboard. The rule that no new recovery may begin before HighACK
// reaches HighData at the timeout is the CongestionControl's recover point.
func (s *Scoreboard) OnTimeout() {
	s.n = 0
	s.recovering = false
	s.rxtEnd = s.una
	s.rescueSet = false
	s.dupAcks = 0
	s.SetPipe()
}
