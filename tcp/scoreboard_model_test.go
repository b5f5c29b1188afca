package tcp

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/seed947b3480/legation/wire"
)

// This file checks the Scoreboard against RFC 6675's definitions evaluated
// literally, octet by octet, over random and fuzzed streams of ACKs, SACK
// blocks (honest, stale, D-SACK and hostile), timeouts and recoveries.

// octets is the scoreboard's state spelled out one octet at a time over
// [una, nxt): which octets are SACKed, and for each whether IsLost holds.
type octets struct {
	una, nxt Seq
	sacked   []bool
	lost     []bool
	highest  int // offset of the highest SACKed octet, -1 if none
}

func spell(s *Scoreboard) octets {
	o := octets{una: s.HighACK() + 1, nxt: s.HighData() + 1, highest: -1}
	w := int(uint32(o.nxt - o.una))
	o.sacked = make([]bool, w)
	o.lost = make([]bool, w)
	for i := range s.Ranges() {
		r := s.Range(i)
		for q := r.Start; q != r.End; q++ {
			o.sacked[int(uint32(q-o.una))] = true
		}
	}
	// IsLost(q): DupThresh discontiguous SACKed runs above q, or more than
	// (DupThresh-1)*SMSS SACKed octets above q. Scan down, counting what
	// lies strictly above each octet.
	var runs, bytes uint32
	for i := w - 1; i >= 0; i-- {
		o.lost[i] = runs >= DupThresh || bytes > (DupThresh-1)*s.smss
		if o.sacked[i] {
			bytes++
			if i == w-1 || !o.sacked[i+1] {
				runs++
			}
			if o.highest < 0 {
				o.highest = i
			}
		}
	}
	return o
}

// pipe is SetPipe by its definition: per unSACKed octet, one if not lost,
// one more if at or below HighRxt.
func (o octets) pipe(highRxt Seq) uint32 {
	var p uint32
	for i, sk := range o.sacked {
		if sk {
			continue
		}
		q := o.una.Add(uint32(i))
		if !o.lost[i] {
			p++
		}
		if q.LessEq(highRxt) {
			p++
		}
	}
	return p
}

// run returns the segment of up to smss unSACKed octets starting at offset i.
func (o octets) run(i int, smss uint32) SeqRange {
	j := i
	for j < len(o.sacked) && !o.sacked[j] && uint32(j-i) < smss {
		j++
	}
	return SeqRange{o.una.Add(uint32(i)), o.una.Add(uint32(j))}
}

// nextSeg is NextSeg by RFC 6675's four rules.
func (o octets) nextSeg(s *Scoreboard, sendable uint32) (Segment, bool) {
	highRxt := s.HighRxt()
	candidate := func(needLost bool) (int, bool) {
		for i := 0; i < o.highest; i++ {
			q := o.una.Add(uint32(i))
			if !o.sacked[i] && q.GreaterThan(highRxt) && (!needLost || o.lost[i]) {
				return i, true
			}
		}
		return 0, false
	}
	if i, ok := candidate(true); ok {
		return Segment{o.run(i, s.smss), RuleLost}, true
	}
	if sendable > 0 {
		return Segment{SeqRange{o.nxt, o.nxt.Add(min(sendable, s.smss))}, RuleNewData}, true
	}
	if i, ok := candidate(false); ok {
		return Segment{o.run(i, s.smss), RuleUnSACKed}, true
	}
	_, recovering := s.RecoveryPoint()
	rescue, set := s.RescueRxt()
	if !recovering || (set && !s.HighACK().GreaterThan(rescue)) {
		return Segment{}, false
	}
	for h := len(o.sacked) - 1; h >= 0; h-- {
		if o.sacked[h] {
			continue
		}
		lo := h
		for lo > 0 && !o.sacked[lo-1] && uint32(h-lo+1) < s.smss {
			lo--
		}
		return Segment{SeqRange{o.una.Add(uint32(lo)), o.una.Add(uint32(h + 1))}, RuleRescue}, true
	}
	return Segment{}, false
}

// sbHarness drives a Scoreboard from a stream of bytes and keeps two
// independent models of what the peer reported: exact, which applies the
// documented reneging rule and equals the scoreboard as long as the peer
// never had more than ScoreboardRanges holes; and ever, every octet a
// valid block ever reported, which the scoreboard must always stay within.
type sbHarness struct {
	t          testing.TB
	in         []byte
	s          Scoreboard
	smss       uint32
	base       Seq
	una, nxt   Seq
	exact      []bool // by offset from base
	ever       []bool
	overflowed bool
	blocks     [4]wire.SACKBlock

	// What the stream exercised, so a test can insist it went everywhere.
	rules     [RuleRescue + 1]int
	overflows int
	exits     int
	renegings int
}

const (
	sbMaxWindowSegs = 48
	sbMaxSent       = 1 << 15
)

func (h *sbHarness) byte() byte {
	if len(h.in) == 0 {
		return 0
	}
	b := h.in[0]
	h.in = h.in[1:]
	return b
}

func (h *sbHarness) u32() uint32 {
	return uint32(h.byte()) | uint32(h.byte())<<8 | uint32(h.byte())<<16 | uint32(h.byte())<<24
}

func (h *sbHarness) off(q Seq) int { return int(uint32(q - h.base)) }

func newSBHarness(t testing.TB, in []byte) *sbHarness {
	h := &sbHarness{t: t, in: in}
	h.base = Seq(h.u32())
	h.smss = 1 + uint32(h.byte())%120
	h.una, h.nxt = h.base, h.base
	h.s.Reset(h.base, h.smss)
	return h
}

func (h *sbHarness) run() {
	for step := 0; len(h.in) > 0 && step < 2000; step++ {
		switch op := h.byte() % 16; {
		case op < 4:
			h.send(1 + uint32(h.byte())%(3*h.smss))
		case op < 11:
			h.ack(false)
		case op == 15:
			h.ack(true)
		case op == 11:
			if h.byte() >= 64 { // timeouts are rarer than ACKs
				continue
			}
			h.s.OnTimeout()
			clear(h.exact)
			clear(h.ever)
			h.overflowed = false
		default:
			h.recover()
		}
		h.check()
	}
}

func (h *sbHarness) send(n uint32) {
	if uint32(h.nxt-h.una)+n > sbMaxWindowSegs*h.smss || uint32(h.nxt-h.base)+n > sbMaxSent {
		return
	}
	seg := Segment{SeqRange{h.nxt, h.nxt.Add(n)}, RuleNewData}
	h.s.Sent(seg)
	h.grow(seg.End)
}

func (h *sbHarness) grow(end Seq) {
	h.nxt = end
	for len(h.exact) < h.off(end) {
		h.exact = append(h.exact, false)
		h.ever = append(h.ever, false)
	}
}

// block makes one SACK block: honest, stale (at or below SND.UNA), a
// D-SACK, touching the edges, or 64 random bits.
func (h *sbHarness) block() wire.SACKBlock {
	w := uint32(h.nxt - h.una)
	mode := h.byte() % 6
	a, b := uint32(h.byte())<<8|uint32(h.byte()), uint32(h.byte())<<8|uint32(h.byte())
	switch {
	case mode <= 2 && w > 1: // honest: inside (una, nxt], mostly short
		l := h.una.Add(1 + a%(w-1))
		n := uint32(h.nxt - l)
		if mode != 0 {
			n = min(n, h.smss)
		}
		r := l.Add(1 + b%n)
		return wire.SACKBlock{Left: uint32(l), Right: uint32(r)}
	case mode == 3: // D-SACK or stale: below SND.UNA
		return wire.SACKBlock{Left: uint32(h.una - Seq(1+a%2000)), Right: uint32(h.una - Seq(b%1000))}
	case mode == 4: // at the edges: from SND.UNA, or past SND.NXT
		if a&1 == 0 {
			return wire.SACKBlock{Left: uint32(h.una), Right: uint32(h.una.Add(1 + b%(w+1)))}
		}
		return wire.SACKBlock{Left: uint32(h.una.Add(a % (w + 1))), Right: uint32(h.nxt.Add(1 + b%100))}
	}
	return wire.SACKBlock{Left: h.u32(), Right: h.u32()}
}

// ack delivers one ACK; spray makes it a duplicate with four one-octet
// blocks, which opens holes faster than the table can hold them.
func (h *sbHarness) ack(spray bool) {
	w := uint32(h.nxt - h.una)
	var ack Seq
	switch c := h.byte(); {
	case spray:
		ack = h.una
	case c < 100:
		ack = h.una // a duplicate
	case c < 240: // up to a quarter of the window
		ack = h.una.Add(uint32(c-99) * w / 560)
	case c < 250:
		ack = h.una - Seq(c) // old, reordered
	default:
		ack = Seq(h.u32()) // anything
	}
	k := int(h.byte() % 5)
	for i := range k {
		h.blocks[i] = h.block()
	}
	if spray && w > 2 {
		k = 4
		for i := range k {
			l := h.una.Add(2 + 2*(uint32(h.byte())<<8|uint32(h.byte()))%(w-1))
			h.blocks[i] = wire.SACKBlock{Left: uint32(l), Right: uint32(l + 1)}
		}
	}
	blocks := h.blocks[:k]

	// The models, by the rules the documentation states.
	if d := int64(uint32(ack - h.una)); 0 < d && d <= int64(uint32(h.nxt-h.una)) {
		h.una = ack
		if i := h.off(ack); i < len(h.exact) && h.exact[i] {
			h.renegings++
		}
		for i := h.off(ack); i < len(h.exact) && h.exact[i]; i++ {
			h.exact[i] = false // reneged: the range the ACK landed in
		}
	}
	for _, b := range blocks {
		l, r := Seq(b.Left), Seq(b.Right)
		if !validBlock(l, r, h.una, h.nxt) {
			continue
		}
		for q := l; q != r; q++ {
			h.exact[h.off(q)] = true
			h.ever[h.off(q)] = true
		}
		if h.runs() > ScoreboardRanges {
			h.overflows++
			h.overflowed = true
		}
	}

	// What Update should report: the octets the cumulative ACK newly
	// covers, and those of the valid blocks not SACKed once the ACK's
	// reneging rule has been applied to the scoreboard as it was.
	oldUna := h.s.HighACK() + 1
	held := make([]bool, uint32(h.nxt-h.una)) // by offset from the new SND.UNA
	for i := range h.s.Ranges() {
		for q := h.s.Range(i).Start; q != h.s.Range(i).End; q++ {
			if d := int(uint32(q - h.una)); q.GreaterEq(h.una) && d < len(held) {
				held[d] = true
			}
		}
	}
	var wantAcked uint32
	if h.una != oldUna {
		wantAcked = uint32(h.una - oldUna)
		for i := 0; i < len(held) && held[i]; i++ {
			held[i] = false
		}
	}
	var wantSACKed uint32
	for _, b := range blocks {
		l, r := Seq(b.Left), Seq(b.Right)
		if !validBlock(l, r, h.una, h.nxt) {
			continue
		}
		for q := l; q != r; q++ {
			if d := q - h.una; !held[d] {
				held[d] = true
				wantSACKed++
			}
		}
	}

	u := h.s.Update(ack, blocks, h.nxt)
	if u.Acked != wantAcked || (!h.overflowed && u.SACKed != wantSACKed) {
		h.t.Fatalf("Update reports %d acked %d SACKed, want %d %d", u.Acked, u.SACKed, wantAcked, wantSACKed)
	}
	if u.DupAck != (u.Acked == 0 && u.SACKed > 0) {
		h.t.Fatalf("DupAck %v with Acked %d SACKed %d", u.DupAck, u.Acked, u.SACKed)
	}
	if u.Exited {
		h.exits++
	}
}

// validBlock is the documented rule, written with integers: SND.UNA < l <
// r <= SND.MAX as offsets from SND.UNA.
func validBlock(l, r, una, nxt Seq) bool {
	dl, dr, w := int64(uint32(l-una)), int64(uint32(r-una)), int64(uint32(nxt-una))
	return 0 < dl && dl < dr && dr <= w
}

// runs counts the maximal SACKed runs of the exact model above SND.UNA.
func (h *sbHarness) runs() int {
	n := 0
	for i := h.off(h.una); i < len(h.exact); i++ {
		if h.exact[i] && (i == h.off(h.una) || !h.exact[i-1]) {
			n++
		}
	}
	return n
}

// recover does what a connection does on an ACK under RFC 6675: enter
// recovery when loss is detected, then send while cwnd - pipe allows.
func (h *sbHarness) recover() {
	cwnd := (1 + uint32(h.byte())%sbMaxWindowSegs) * h.smss
	sendable := uint32(h.byte()) % 4 * h.smss
	if _, rec := h.s.RecoveryPoint(); !rec && h.s.LossDetected() {
		h.s.EnterRecovery()
		seg, ok := h.s.FastRetransmit()
		if !ok || seg.Start != h.una || seg.Len() == 0 || seg.Len() > h.smss || h.s.IsSACKed(seg.End-1) {
			h.t.Fatalf("fast retransmit %+v %v with SND.UNA %#x", seg, ok, h.una)
		}
		h.s.Sent(seg)
		h.rules[seg.Rule]++
		if hr := h.s.HighRxt(); hr != seg.End-1 {
			h.t.Fatalf("HighRxt %#x after fast retransmit of %+v", hr, seg)
		}
	}
	for range 64 {
		if h.s.Pipe() >= cwnd {
			return
		}
		o := spell(&h.s)
		want, wok := o.nextSeg(&h.s, sendable)
		seg, ok := h.s.NextSeg(sendable)
		if ok != wok || seg != want {
			h.t.Fatalf("NextSeg(%d) = %+v %v, by the rules %+v %v", sendable, seg, ok, want, wok)
		}
		if !ok {
			return
		}
		h.checkSegment(seg, sendable)
		h.rules[seg.Rule]++
		if seg.Rule == RuleNewData {
			if uint32(h.nxt-h.base)+seg.Len() > sbMaxSent {
				return
			}
			h.grow(seg.End)
			sendable -= seg.Len()
		}
		pipe := h.s.Pipe()
		h.s.Sent(seg)
		if h.s.Pipe() != pipe+seg.Len() {
			h.t.Fatalf("Sent(%+v) moved pipe from %d to %d", seg, pipe, h.s.Pipe())
		}
	}
}

func (h *sbHarness) checkSegment(seg Segment, sendable uint32) {
	if seg.Len() == 0 || seg.Len() > h.smss {
		h.t.Fatalf("segment %+v of %d octets, SMSS %d", seg, seg.Len(), h.smss)
	}
	if seg.Rule == RuleNewData {
		if seg.Start != h.nxt || seg.Len() > sendable {
			h.t.Fatalf("new data %+v, SND.NXT %#x sendable %d", seg, h.nxt, sendable)
		}
		return
	}
	if !seg.Start.InWindow(h.una, uint32(h.nxt-h.una)) || seg.End.GreaterThan(h.nxt) {
		h.t.Fatalf("retransmission %+v outside [%#x, %#x)", seg, h.una, h.nxt)
	}
	for q := seg.Start; q != seg.End; q++ {
		if h.s.IsSACKed(q) {
			h.t.Fatalf("retransmission %+v covers SACKed octet %#x", seg, q)
		}
	}
}

// check verifies the invariants after every operation.
func (h *sbHarness) check() {
	s := &h.s
	if s.HighACK()+1 != h.una || s.HighData()+1 != h.nxt {
		h.t.Fatalf("HighACK+1 %#x HighData+1 %#x, sender has %#x %#x", s.HighACK()+1, s.HighData()+1, h.una, h.nxt)
	}
	if s.Ranges() > ScoreboardRanges {
		h.t.Fatalf("%d ranges", s.Ranges())
	}
	prev := h.una
	for i := range s.Ranges() {
		r := s.Range(i)
		if !r.Start.GreaterThan(prev) || !r.End.GreaterThan(r.Start) || r.End.GreaterThan(h.nxt) {
			h.t.Fatalf("range %d %+v out of order or window (previous end %#x, SND.MAX %#x)", i, r, prev, h.nxt)
		}
		prev = r.End
	}
	if hr := s.HighRxt(); hr.LessThan(s.HighACK()) || hr.GreaterThan(s.HighData()) {
		h.t.Fatalf("HighRxt %#x outside [HighACK %#x, HighData %#x]", hr, s.HighACK(), s.HighData())
	}

	// The SACKed set against the models.
	o := spell(s)
	for i, sk := range o.sacked {
		k := h.off(h.una) + i
		if sk && !h.ever[k] {
			h.t.Fatalf("octet %#x is SACKed but no valid block reported it", h.una.Add(uint32(i)))
		}
		if !h.overflowed && sk != h.exact[k] {
			h.t.Fatalf("octet %#x: SACKed %v, model %v", h.una.Add(uint32(i)), sk, h.exact[k])
		}
	}

	// IsLost and SetPipe against their definitions.
	for i := range o.lost {
		if i%7 != 0 && i != len(o.lost)-1 {
			continue
		}
		q := h.una.Add(uint32(i))
		if got := s.IsLost(q); got != o.lost[i] {
			h.t.Fatalf("IsLost(%#x) = %v, by definition %v", q, got, o.lost[i])
		}
	}
	if s.IsLost(h.nxt) || s.IsLost(h.una-1) {
		h.t.Fatal("an octet outside the window is lost")
	}
	want := o.pipe(s.HighRxt())
	if got := s.SetPipe(); got != want || s.Pipe() != want {
		h.t.Fatalf("SetPipe = %d, by definition %d", got, want)
	}
	if want > 2*uint32(h.nxt-h.una) {
		h.t.Fatalf("pipe %d above twice the flight %d", want, h.nxt-h.una)
	}
	if s.LossDetected() != (h.una != h.nxt && (s.DupAcks() >= DupThresh || (len(o.lost) > 0 && o.lost[0]))) {
		h.t.Fatal("LossDetected disagrees with RFC 6675 5 steps 1 and 2")
	}
}

// Random streams through the harness, so plain `go test` covers what the
// fuzz target explores.
func TestScoreboardRandomStreams(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	in := make([]byte, 2000)
	var total sbHarness
	for i := range 200 {
		for j := range in {
			in[j] = byte(rng.Uint32())
		}
		if i%3 == 0 { // start near the wrap
			binary.LittleEndian.PutUint32(in, 0xffffffff-uint32(rng.IntN(5000)))
		}
		h := newSBHarness(t, in)
		h.run()
		for r, n := range h.rules {
			total.rules[r] += n
		}
		total.overflows += h.overflows
		total.exits += h.exits
		total.renegings += h.renegings
	}
	for r := RuleFastRetransmit; r <= RuleRescue; r++ {
		if total.rules[r] < 20 {
			t.Errorf("rule %d chose only %d segments", r, total.rules[r])
		}
	}
	if total.overflows < 5 || total.exits < 20 || total.renegings < 20 {
		t.Errorf("streams overflowed the table %d times, left recovery %d, reneged %d",
			total.overflows, total.exits, total.renegings)
	}
	t.Logf("segments by rule %v, overflows %d, recoveries ended %d, renegings %d",
		total.rules[1:], total.overflows, total.exits, total.renegings)
}

func FuzzScoreboard(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0xf0, 0xff, 0xff, 0xff, 9, 0, 200, 0, 200, 0, 200, 2, 0, 2, 0, 0, 10, 0, 1, 6, 20, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		newSBHarness(t, in).run()
	})
}
