package tcp

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/seed947b3480/legation/wire"
)

// sack builds the SACK blocks of one ACK from offsets relative to base.
func sack(base Seq, offs ...uint32) []wire.SACKBlock {
	var b []wire.SACKBlock
	for i := 0; i+1 < len(offs); i += 2 {
		b = append(b, wire.SACKBlock{Left: uint32(base.Add(offs[i])), Right: uint32(base.Add(offs[i+1]))})
	}
	return b
}

func ranges(s *Scoreboard, base Seq) [][2]uint32 {
	var out [][2]uint32
	for i := range s.Ranges() {
		r := s.Range(i)
		out = append(out, [2]uint32{uint32(r.Start - base), uint32(r.End - base)})
	}
	return out
}

func equalRanges(a, b [][2]uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A scoreboard with SMSS 100 and 1000 octets sent from base+1000, the
// arithmetic of RFC 6675's definitions in round numbers. The base sits
// just below the wrap.
const sbBase = Seq(math.MaxUint32 - 1500)

func newTestScoreboard() *Scoreboard {
	var s Scoreboard
	s.Reset(sbBase.Add(1000), 100)
	s.Update(sbBase.Add(1000), nil, sbBase.Add(2000))
	return &s
}

// IsLost per RFC 6675 section 4: DupThresh (3) discontiguous SACKed
// sequences above the octet, or more than (DupThresh-1)*SMSS = 200 SACKed
// octets above it.
func TestScoreboardIsLost(t *testing.T) {
	cases := []struct {
		name   string
		blocks []uint32 // offsets from sbBase
		lost   []uint32 // octets (offsets) that must be lost
		kept   []uint32 // octets that must not be
	}{
		{"one range", []uint32{1100, 1200}, nil, []uint32{1000, 1099}},
		{"two ranges, 200 octets", []uint32{1100, 1200, 1300, 1400}, nil, []uint32{1000, 1250}},
		{"three ranges", []uint32{1100, 1200, 1300, 1400, 1500, 1501},
			[]uint32{1000, 1099}, []uint32{1200, 1299, 1400, 1999}},
		{"200 octets contiguous", []uint32{1100, 1300}, nil, []uint32{1000}},
		{"201 octets contiguous", []uint32{1100, 1301}, []uint32{1000, 1099}, []uint32{1301, 1500}},
		{"octets above only count", []uint32{1100, 1301}, nil, []uint32{1100, 1101}},
		{"small segments, contiguous", []uint32{1100, 1150, 1150, 1200, 1200, 1250}, nil, []uint32{1000}},
	}
	for _, c := range cases {
		s := newTestScoreboard()
		s.Update(sbBase.Add(1000), sack(sbBase, c.blocks...), sbBase.Add(2000))
		for _, q := range c.lost {
			if !s.IsLost(sbBase.Add(q)) {
				t.Errorf("%s: octet %d is not lost", c.name, q)
			}
		}
		for _, q := range c.kept {
			if s.IsLost(sbBase.Add(q)) {
				t.Errorf("%s: octet %d is lost", c.name, q)
			}
		}
		if s.IsLost(sbBase.Add(999)) || s.IsLost(sbBase.Add(2000)) {
			t.Errorf("%s: an octet outside the window is lost", c.name)
		}
	}

	// The byte threshold follows SMSS: with SMSS 50, 101 SACKed octets
	// above an octet make it lost.
	s := newTestScoreboard()
	s.Update(sbBase.Add(1000), sack(sbBase, 1100, 1201), sbBase.Add(2000))
	if s.IsLost(sbBase.Add(1000)) {
		t.Fatal("101 octets above with SMSS 100 made an octet lost")
	}
	s.SetMSS(50)
	if !s.IsLost(sbBase.Add(1000)) || s.IsLost(sbBase.Add(1100)) {
		t.Error("with SMSS 50, 101 octets above do not make an octet lost, or 100 do")
	}
}

// RFC 6675 section 5 steps 1 and 2: recovery is called for after DupThresh
// duplicate ACKs (which covers SACKed segments smaller than SMSS that
// IsLost cannot see), or as soon as IsLost(HighACK+1).
func TestScoreboardLossDetected(t *testing.T) {
	s := newTestScoreboard()
	for i, want := range []bool{false, false, true} {
		off := 1100 + 50*uint32(i)
		u := s.Update(sbBase.Add(1000), sack(sbBase, off, off+50), sbBase.Add(2000))
		if !u.DupAck || s.DupAcks() != uint32(i+1) || s.LossDetected() != want {
			t.Fatalf("small duplicate %d: DupAck %v DupAcks %d LossDetected %v", i+1, u.DupAck, s.DupAcks(), s.LossDetected())
		}
	}
	if s.IsLost(sbBase.Add(1000)) {
		t.Fatal("150 contiguous SACKed octets made HighACK+1 lost")
	}

	// One ACK with three blocks: one duplicate, but IsLost(HighACK+1).
	s = newTestScoreboard()
	s.Update(sbBase.Add(1000), sack(sbBase, 1100, 1200, 1300, 1400, 1500, 1600), sbBase.Add(2000))
	if s.DupAcks() != 1 || !s.LossDetected() {
		t.Fatalf("three blocks in one ACK: DupAcks %d LossDetected %v", s.DupAcks(), s.LossDetected())
	}

	// An ACK that repeats known blocks is no duplicate; a cumulative ACK
	// resets the count.
	if u := s.Update(sbBase.Add(1000), sack(sbBase, 1100, 1200), sbBase.Add(2000)); u.DupAck || s.DupAcks() != 1 {
		t.Errorf("a repeated block counted as a duplicate (DupAcks %d)", s.DupAcks())
	}
	if u := s.Update(sbBase.Add(1050), sack(sbBase, 1700, 1800), sbBase.Add(2000)); u.DupAck || s.DupAcks() != 0 || u.Acked != 50 {
		t.Errorf("a cumulative ACK: DupAck %v DupAcks %d Acked %d", u.DupAck, s.DupAcks(), u.Acked)
	}

	var empty Scoreboard
	empty.Reset(5, 100)
	if empty.LossDetected() || empty.IsLost(5) {
		t.Error("loss detected with nothing outstanding")
	}
}

// A whole recovery, step by step: RFC 6675 section 5 steps 4.1 to 4.4 and
// C.1 to C.5, SetPipe, NextSeg rules 1 to 4 and step A.
func TestScoreboardRecovery(t *testing.T) {
	b := sbBase
	s := newTestScoreboard()
	s.Update(b.Add(1000), sack(b, 1100, 1200, 1300, 1400, 1500, 1600), b.Add(2000))

	// Holes: [1000,1100) has three ranges above: lost, not in the pipe;
	// [1200,1300) two ranges, 200 octets: in the pipe; [1400,1500) and
	// [1600,2000) too. Pipe = 100 + 100 + 400.
	if got := s.SetPipe(); got != 600 {
		t.Fatalf("SetPipe = %d, want 600", got)
	}
	if !s.LossDetected() {
		t.Fatal("no loss detected")
	}
	s.EnterRecovery()
	if rp, ok := s.RecoveryPoint(); !ok || rp != b.Add(1999) || s.HighRxt() != b.Add(999) {
		t.Fatalf("RecoveryPoint %#x %v HighRxt %#x, want HighData and HighACK", rp, ok, s.HighRxt())
	}
	seg, ok := s.FastRetransmit()
	if !ok || seg != (Segment{SeqRange{b.Add(1000), b.Add(1100)}, RuleFastRetransmit}) {
		t.Fatalf("FastRetransmit = %+v", seg)
	}
	s.Sent(seg)
	rescue, set := s.RescueRxt()
	if s.HighRxt() != b.Add(1099) || !set || rescue != b.Add(1099) || s.Pipe() != 700 {
		t.Fatalf("after 4.3: HighRxt %#x RescueRxt %#x %v pipe %d", s.HighRxt(), rescue, set, s.Pipe())
	}
	// The retransmitted octets count once more, lost or not.
	if got := s.SetPipe(); got != 700 {
		t.Fatalf("SetPipe after the fast retransmission = %d, want 700", got)
	}

	steps := []struct {
		sendable uint32
		want     Segment
		ok       bool
	}{
		// Rule 1 finds nothing: [1200,1300) has only two ranges, 200
		// octets, above it. Rule 2: new data, limited to SMSS.
		{250, Segment{SeqRange{b.Add(2000), b.Add(2100)}, RuleNewData}, true},
		{50, Segment{SeqRange{b.Add(2100), b.Add(2150)}, RuleNewData}, true},
		// Rule 3: unSACKed, below the highest SACKed octet, above HighRxt.
		{0, Segment{SeqRange{b.Add(1200), b.Add(1300)}, RuleUnSACKed}, true},
		{0, Segment{SeqRange{b.Add(1400), b.Add(1500)}, RuleUnSACKed}, true},
		// Rule 4 waits until HighACK passes RescueRxt (the fast
		// retransmission set it).
		{0, Segment{}, false},
	}
	for i, st := range steps {
		seg, ok := s.NextSeg(st.sendable)
		if ok != st.ok || seg != st.want {
			t.Fatalf("NextSeg step %d = %+v %v, want %+v %v", i+1, seg, ok, st.want, st.ok)
		}
		if ok {
			s.Sent(seg)
		}
	}
	if s.HighRxt() != b.Add(1499) || s.HighData() != b.Add(2149) {
		t.Fatalf("HighRxt %#x HighData %#x after rule 3 and rule 2 sends", s.HighRxt(), s.HighData())
	}

	// The fast retransmission arrives: the ACK moves to 1200, past RescueRxt.
	// [1100,1200) was SACKed and is now covered.
	u := s.Update(b.Add(1200), sack(b, 1300, 1400, 1500, 1600, 2050, 2150), b.Add(2150))
	if u.Acked != 200 || u.Exited || u.SACKed != 100 {
		t.Fatalf("Update = %+v", u)
	}
	// Rule 1: [1600,2050) has 100 octets and one range above it; not lost.
	// Nothing above HighRxt remains below the highest SACKed octet except
	// that hole, so rule 3 retransmits its first SMSS.
	seg, ok = s.NextSeg(0)
	if !ok || seg != (Segment{SeqRange{b.Add(1600), b.Add(1700)}, RuleUnSACKed}) {
		t.Fatalf("NextSeg after the ACK = %+v %v", seg, ok)
	}
	s.Sent(seg)
	for _, want := range []Seq{b.Add(1800), b.Add(1900), b.Add(2000), b.Add(2050)} {
		seg, _ = s.NextSeg(0)
		if seg.Rule != RuleUnSACKed || seg.End != want {
			t.Fatalf("NextSeg = %+v, want rule 3 up to %#x", seg, want)
		}
		s.Sent(seg)
	}
	// Every hole below the highest SACKed octet is retransmitted: the
	// rescue (rule 4) goes out once, ending at the highest unSACKed octet,
	// which lies below the top range because that range reaches HighData.
	seg, ok = s.NextSeg(0)
	if !ok || seg != (Segment{SeqRange{b.Add(1950), b.Add(2050)}, RuleRescue}) {
		t.Fatalf("rescue = %+v %v", seg, ok)
	}
	rxt := s.HighRxt()
	s.Sent(seg)
	if rescue, _ := s.RescueRxt(); rescue != b.Add(1999) || s.HighRxt() != rxt {
		t.Fatalf("after the rescue RescueRxt %#x (want RecoveryPoint) HighRxt %#x (want %#x)", rescue, s.HighRxt(), rxt)
	}
	if seg, ok := s.NextSeg(0); ok {
		t.Fatalf("a second rescue in one recovery: %+v", seg)
	}

	// Step A: an ACK beyond RecoveryPoint ends recovery. The range above
	// the new HighACK stays ("SHOULD NOT be cleared").
	u = s.Update(b.Add(2000), nil, b.Add(2150))
	if !u.Exited || u.Acked != 800 {
		t.Fatalf("final ACK: %+v", u)
	}
	if _, rec := s.RecoveryPoint(); rec || !equalRanges(ranges(s, b), [][2]uint32{{2050, 2150}}) {
		t.Fatalf("after recovery: recovering %v ranges %v", rec, ranges(s, b))
	}
}

// The fast retransmission stops where SACKed data begins and is at most
// SMSS; nothing outstanding means no segment.
func TestScoreboardFastRetransmitBounds(t *testing.T) {
	s := newTestScoreboard()
	s.Update(sbBase.Add(1000), sack(sbBase, 1040, 1100), sbBase.Add(2000))
	if seg, _ := s.FastRetransmit(); seg.SeqRange != (SeqRange{sbBase.Add(1000), sbBase.Add(1040)}) {
		t.Errorf("FastRetransmit = %+v, want [1000,1040)", seg)
	}
	s.Update(sbBase.Add(2000), nil, sbBase.Add(2000))
	if _, ok := s.FastRetransmit(); ok {
		t.Error("a fast retransmission with nothing outstanding")
	}
}

// Blocks merge, D-SACKs and blocks outside what was sent are ignored, and a
// cumulative ACK that lands at or inside a SACKed range drops it (the
// receiver reneged).
func TestScoreboardUpdateRanges(t *testing.T) {
	b := sbBase
	s := newTestScoreboard()
	steps := []struct {
		ack     uint32
		blocks  []uint32
		want    [][2]uint32
		sacked  uint32
		ignored int
	}{
		{1000, []uint32{1200, 1300}, [][2]uint32{{1200, 1300}}, 100, 0},
		{1000, []uint32{1100, 1150}, [][2]uint32{{1100, 1150}, {1200, 1300}}, 50, 0},
		// Touching ranges merge; overlaps count only new octets.
		{1000, []uint32{1150, 1200}, [][2]uint32{{1100, 1300}}, 50, 0},
		{1000, []uint32{1250, 1400, 1500, 1600}, [][2]uint32{{1100, 1400}, {1500, 1600}}, 200, 0},
		// D-SACK (below SND.UNA), from SND.UNA, empty, reversed, past SND.MAX,
		// and a block half a sequence space away: all ignored.
		{1000, []uint32{900, 1000, 1000, 1050, 1700, 1700, 1800, 1750, 1900, 2001},
			[][2]uint32{{1100, 1400}, {1500, 1600}}, 0, 5},
		{1000, []uint32{1000 + 1<<31, 1010 + 1<<31}, [][2]uint32{{1100, 1400}, {1500, 1600}}, 0, 1},
		// A D-SACK inside a known range (RFC 2883's second form) changes nothing.
		{1000, []uint32{1120, 1130, 1100, 1400}, [][2]uint32{{1100, 1400}, {1500, 1600}}, 0, 0},
		// One block bridging both ranges.
		{1000, []uint32{1390, 1510}, [][2]uint32{{1100, 1600}}, 100, 0},
		// The ACK lands inside the range: reneged, dropped.
		{1200, []uint32{1700, 1800}, [][2]uint32{{1700, 1800}}, 100, 0},
		// The ACK lands exactly at a range's start: dropped too.
		{1700, nil, nil, 0, 0},
	}
	for i, st := range steps {
		u := s.Update(b.Add(st.ack), sack(b, st.blocks...), b.Add(2000))
		if got := ranges(s, b); !equalRanges(got, st.want) || u.SACKed != st.sacked || u.Ignored != st.ignored {
			t.Fatalf("step %d: ranges %v SACKed %d ignored %d, want %v %d %d",
				i+1, got, u.SACKed, u.Ignored, st.want, st.sacked, st.ignored)
		}
		if s.SACKed() != sum(st.want) {
			t.Fatalf("step %d: SACKed() = %d", i+1, s.SACKed())
		}
	}
	// An ACK of data never sent and an old ACK move nothing.
	if u := s.Update(b.Add(2001), nil, b.Add(2000)); u.Acked != 0 || s.HighACK() != b.Add(1699) {
		t.Errorf("an ACK beyond SND.MAX moved HighACK to %#x", s.HighACK())
	}
	if u := s.Update(b.Add(1500), sack(b, 1800, 1900), b.Add(2000)); u.Acked != 0 || !u.DupAck ||
		!equalRanges(ranges(s, b), [][2]uint32{{1800, 1900}}) {
		t.Errorf("an old ACK: %+v ranges %v", u, ranges(s, b))
	}
}

func sum(rs [][2]uint32) uint32 {
	var n uint32
	for _, r := range rs {
		n += r[1] - r[0]
	}
	return n
}

// The table holds ScoreboardRanges ranges, whatever arrives: past that the
// highest are forgotten, never the lowest, which loss recovery needs most.
func TestScoreboardBounded(t *testing.T) {
	var s Scoreboard
	s.Reset(0, 10)
	s.Update(0, nil, 10000)
	for i := range uint32(ScoreboardRanges + 5) {
		s.Update(0, sack(0, 100+20*i, 110+20*i), 10000)
	}
	if s.Ranges() != ScoreboardRanges || s.Range(0).Start != 100 || s.Range(ScoreboardRanges-1).Start != Seq(100+20*(ScoreboardRanges-1)) {
		t.Fatalf("after %d ascending blocks: %d ranges from %#x to %#x", ScoreboardRanges+5, s.Ranges(),
			s.Range(0).Start, s.Range(s.Ranges()-1).Start)
	}
	// A new lowest range evicts the highest.
	top := s.Range(ScoreboardRanges - 2)
	s.Update(0, sack(0, 50, 60), 10000)
	if s.Ranges() != ScoreboardRanges || s.Range(0).Start != 50 || s.Range(ScoreboardRanges-1) != top {
		t.Fatalf("a new lowest range did not evict the highest: %v", ranges(&s, 0))
	}

	// Thousands of hostile blocks keep the table bounded and sorted.
	rng := rand.New(rand.NewPCG(13, 14))
	var blocks [4]wire.SACKBlock
	for range 10000 {
		for i := range blocks {
			l := rng.Uint32N(12000)
			if rng.IntN(4) == 0 {
				l = rng.Uint32()
			}
			blocks[i] = wire.SACKBlock{Left: l, Right: l + rng.Uint32N(30)}
		}
		s.Update(Seq(rng.Uint32N(3)), blocks[:], 10000)
		if s.Ranges() > ScoreboardRanges {
			t.Fatalf("%d ranges", s.Ranges())
		}
		for i := 1; i < s.Ranges(); i++ {
			if !s.Range(i - 1).End.LessThan(s.Range(i).Start) {
				t.Fatalf("ranges %d and %d overlap or touch: %v", i-1, i, ranges(&s, 0))
			}
		}
		if s.Ranges() > 0 && (s.Range(0).Start.LessEq(s.HighACK()+1) || s.Range(s.Ranges()-1).End.GreaterThan(10000)) {
			t.Fatalf("a range outside (SND.UNA, SND.MAX]: %v", ranges(&s, 0))
		}
	}
}

// RFC 6675 5.1: a timeout discards the SACK information (the receiver may
// have reneged, RFC 2018 section 8) and ends recovery.
func TestScoreboardTimeout(t *testing.T) {
	s := newTestScoreboard()
	s.Update(sbBase.Add(1000), sack(sbBase, 1100, 1200, 1300, 1400, 1500, 1600), sbBase.Add(2000))
	s.EnterRecovery()
	seg, _ := s.FastRetransmit()
	s.Sent(seg)
	s.OnTimeout()
	_, rec := s.RecoveryPoint()
	_, rescue := s.RescueRxt()
	if s.Ranges() != 0 || rec || rescue || s.HighRxt() != s.HighACK() || s.DupAcks() != 0 || s.Pipe() != 1000 {
		t.Errorf("after a timeout: %d ranges, recovering %v, rescue %v, HighRxt %#x, DupAcks %d, pipe %d",
			s.Ranges(), rec, rescue, s.HighRxt(), s.DupAcks(), s.Pipe())
	}
	if _, ok := s.NextSeg(0); ok {
		t.Error("NextSeg found a segment with no SACK information and no recovery")
	}
}

func TestScoreboardAllocs(t *testing.T) {
	var s Scoreboard
	s.Reset(0, 1000)
	var opts wire.TCPOptions
	una := Seq(0)
	allocs := testing.AllocsPerRun(1000, func() {
		nxt := una.Add(40000)
		opts.NumSACK = 3
		for i := range 3 {
			opts.SACK[i] = wire.SACKBlock{Left: uint32(una.Add(uint32(2000 + 3000*i))), Right: uint32(una.Add(uint32(3000 + 3000*i)))}
		}
		s.Update(una, opts.SACK[:opts.NumSACK], nxt)
		if s.LossDetected() {
			s.EnterRecovery()
			seg, _ := s.FastRetransmit()
			s.Sent(seg)
			for s.Pipe() < 20000 {
				seg, ok := s.NextSeg(1000)
				if !ok {
					break
				}
				s.Sent(seg)
			}
		}
		s.IsLost(una)
		una = nxt
		s.Update(una, nil, nxt)
	})
	if allocs != 0 {
		t.Errorf("the scoreboard allocates %.1f times per ACK round", allocs)
	}
}

// The per-ACK cost with a full table: Update with three blocks, then the
// queries recovery makes.
func BenchmarkScoreboardUpdate(b *testing.B) {
	var s Scoreboard
	s.Reset(0, 1000)
	s.Update(0, nil, 100000)
	for i := range uint32(ScoreboardRanges) {
		s.Update(0, sack(0, 2000+4000*i, 3000+4000*i), 100000)
	}
	blocks := sack(0, 2500, 3500, 6500, 7500, 10500, 11500)
	for range b.N {
		s.Update(0, blocks, 100000)
		s.IsLost(0)
		s.NextSeg(1000)
	}
}
