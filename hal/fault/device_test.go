package fault

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"math"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/loopback"
)

var dirs = []dir{dirTX, dirRX}

func within(t *testing.T, what string, got uint64, n int, p float64) {
	t.Helper()
	mean := float64(n) * p
	tol := 5 * math.Sqrt(mean*(1-p))
	if math.Abs(float64(got)-mean) > tol {
		t.Errorf("%s: %d of %d, want %.0f ± %.0f", what, got, n, mean, tol)
	}
}

func TestRates(t *testing.T) {
	const frames = 10_000
	cfg := Config{Loss: 0.1, Duplicate: 0.05, Corrupt: 0.05, Seed: 1}
	for _, d := range dirs {
		t.Run(d.String(), func(t *testing.T) {
			r := newRig(t, cfg, loopback.Config{})
			seen := make([]int, frames)
			var corrupted, received uint64
			check := func(f []byte) {
				received++
				seq := frameSeq(f)
				if seq >= frames {
					t.Fatalf("unknown frame seq %d", seq)
				}
				seen[seq]++
				nb, at := bitDiff(f, mkFrame(seq, frameLen(seq)))
				switch {
				case nb == 1 && at >= 14:
					corrupted++
				case nb != 0:
					t.Fatalf("frame %d: %d bits differ from byte %d", seq, nb, at)
				}
			}
			for i := uint32(0); i < frames; i++ {
				r.send(d, mkFrame(i, frameLen(i)))
				r.drain(d, check)
			}
			var lost, dups uint64
			for _, n := range seen {
				switch n {
				case 0:
					lost++
				case 1:
				case 2:
					dups++
				default:
					t.Fatalf("a frame arrived %d times", n)
				}
			}
			st := r.f.Stats()
			ds := st.TX
			if d == dirRX {
				ds = st.RX
			}
			want := DirStats{Frames: frames, Passed: received, Lost: lost, Duplicated: dups, Corrupted: corrupted}
			if ds != want {
				t.Fatalf("stats %+v, observed %+v", ds, want)
			}
			within(t, "lost", lost, frames, cfg.Loss)
			within(t, "duplicated", dups, frames, (1-cfg.Loss)*cfg.Duplicate)
			within(t, "corrupted", corrupted, frames, (1-cfg.Loss)*cfg.Corrupt)
			other := st.RX
			if d == dirRX {
				other = st.TX
			}
			if other != (DirStats{}) {
				t.Errorf("the idle direction counted %+v", other)
			}
		})
	}
}

// script runs a fixed exchange in both directions with every fault on and
// returns a log of what came out, when.
func script(t *testing.T, cfg Config) []string {
	r := newRig(t, cfg, loopback.Config{})
	var log []string
	at := func(d dir) func([]byte) {
		return func(f []byte) {
			h := fnv.New64a()
			h.Write(f)
			log = append(log, fmt.Sprintf("%d %v %d %x", r.now, d, frameSeq(f), h.Sum64()))
		}
	}
	for i := uint32(0); i < 2000; i++ {
		r.tick(int64(i) * 100_000)
		for _, d := range dirs {
			r.send(d, mkFrame(i, frameLen(i)))
			r.drain(d, at(d))
		}
	}
	for k := 0; k < 1000; k++ {
		next, ok := r.tick(r.now)
		if !ok {
			break
		}
		r.tick(max(next, r.now))
		for _, d := range dirs {
			r.drain(d, at(d))
		}
	}
	if r.f.pool.count != [2]int{} {
		t.Fatalf("frames still held at the end: %v", r.f.pool.count)
	}
	return log
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Loss: 0.1, Duplicate: 0.1, Reorder: 0.1, Corrupt: 0.1, Delay: time.Millisecond, Jitter: 3 * time.Millisecond, Seed: 42}
	a, b := script(t, cfg), script(t, cfg)
	if len(a) != len(b) {
		t.Fatalf("two runs delivered %d and %d frames", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("runs diverge at %d: %q vs %q", i, a[i], b[i])
		}
	}
	cfg.Seed = 43
	c := script(t, cfg)
	same := len(a) == len(c)
	for i := 0; same && i < len(a); i++ {
		same = a[i] == c[i]
	}
	if same {
		t.Fatal("another seed gave the very same faults")
	}
}

func TestDelay(t *testing.T) {
	const delay = 2 * time.Millisecond
	for _, d := range dirs {
		t.Run(d.String(), func(t *testing.T) {
			r := newRig(t, Config{Delay: delay}, loopback.Config{})
			var got []uint32
			rec := func(f []byte) { got = append(got, frameSeq(f)) }
			// Received frames are stamped when the stack pulls them, so
			// drain after each send as a woken stack would.
			r.tick(1_000)
			r.send(d, mkFrame(1, 100))
			n := r.drain(d, rec)
			r.tick(1_500)
			r.send(d, mkFrame(2, 100))
			if n += r.drain(d, rec); n != 0 {
				t.Fatal("a delayed frame came out at once")
			}
			next, ok := r.tick(1_600)
			if !ok || next != 1_000+int64(delay) {
				t.Fatalf("Tick answered %d %v, want the first frame's due %d", next, ok, 1_000+int64(delay))
			}
			r.tick(next - 1)
			if n := r.drain(d, rec); n != 0 {
				t.Fatal("a frame came out 1ns before its delay ran out")
			}
			next, ok = r.tick(next)
			if d == dirRX && (!ok || next != r.now) {
				// A received frame that is due waits for Receive: poll now.
				t.Fatalf("Tick answered %d %v with a received frame due, want now", next, ok)
			}
			r.drain(d, rec)
			if len(got) != 1 || got[0] != 1 {
				t.Fatalf("at the first due: got %v, want [1]", got)
			}
			next, ok = r.tick(r.now)
			if !ok || next != 1_500+int64(delay) {
				t.Fatalf("Tick answered %d %v, want the second frame's due", next, ok)
			}
			r.tick(next)
			r.drain(d, rec)
			if len(got) != 2 || got[1] != 2 {
				t.Fatalf("got %v, want [1 2]", got)
			}
			if _, ok := r.tick(next + 1); ok {
				t.Fatal("Tick asks for a poll with nothing held")
			}
			if st := r.f.Stats(); st.TX.Delayed+st.RX.Delayed != 2 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// TestJitter runs the clock the way the reactor does, jumping to the instant
// Tick answers, and checks every frame spends Delay plus [0, Jitter).
func TestJitter(t *testing.T) {
	const delay, jitter = int64(time.Millisecond), int64(time.Millisecond)
	const frames = 300
	const gap = 50_000 // ns between sends
	for _, d := range dirs {
		t.Run(d.String(), func(t *testing.T) {
			r := newRig(t, Config{Delay: time.Duration(delay), Jitter: time.Duration(jitter), Seed: 5}, loopback.Config{})
			sentAt := make([]int64, frames)
			spent := map[int64]bool{}
			delivered := 0
			rec := func(f []byte) {
				seq := frameSeq(f)
				lat := r.now - sentAt[seq]
				if lat < delay || lat >= delay+jitter {
					t.Fatalf("frame %d spent %dns, want [%d, %d)", seq, lat, delay, delay+jitter)
				}
				spent[lat] = true
				delivered++
			}
			sent := 0
			for step := 0; step < 10*frames && delivered < frames; step++ {
				next, ok := r.tick(r.now)
				sendAt := int64(sent) * gap
				if sent < frames && (!ok || sendAt <= next) {
					r.tick(max(sendAt, r.now))
					sentAt[sent] = r.now
					r.send(d, mkFrame(uint32(sent), 80))
					sent++
				} else if ok {
					r.tick(max(next, r.now))
				}
				r.drain(d, rec)
			}
			if delivered != frames {
				t.Fatalf("%d of %d frames delivered", delivered, frames)
			}
			if len(spent) < frames/2 {
				t.Fatalf("only %d distinct latencies over %d frames: no jitter", len(spent), frames)
			}
		})
	}
}

func TestReorder(t *testing.T) {
	const frames = 2000
	for _, d := range dirs {
		t.Run(d.String(), func(t *testing.T) {
			r := newRig(t, Config{Reorder: 0.3, Seed: 7}, loopback.Config{})
			var order []uint32
			rec := func(f []byte) { order = append(order, frameSeq(f)) }
			for i := uint32(0); i < frames; i++ {
				r.send(d, mkFrame(i, 64))
				r.drain(d, rec)
			}
			beforeTail := len(order)
			waiting := r.f.pool.count[d]
			next, ok := r.tick(0)
			if ok != (waiting > 0) || (ok && next != int64(ReorderHold)) {
				t.Fatalf("Tick = %d %v with %d frames waiting; want ReorderHold if any", next, ok, waiting)
			}
			r.tick(int64(ReorderHold))
			tail := r.drain(d, rec)
			if tail != waiting {
				t.Fatalf("%d frames came out at ReorderHold, %d were waiting", tail, waiting)
			}
			if len(order) != frames {
				t.Fatalf("%d frames delivered of %d", len(order), frames)
			}
			seen := make([]bool, frames)
			late := 0
			highest := int64(-1)
			for _, s := range order {
				if seen[s] {
					t.Fatalf("frame %d delivered twice", s)
				}
				seen[s] = true
				if int64(s) < highest {
					late++
				} else {
					highest = int64(s)
				}
			}
			st := r.f.Stats()
			ds := st.TX
			if d == dirRX {
				ds = st.RX
			}
			// Every frame held for reordering is overtaken, except those
			// the end of traffic left to ReorderHold.
			if uint64(late+tail) != ds.Reordered {
				t.Fatalf("%d frames overtaken + %d released at the end, stats say %d reordered", late, tail, ds.Reordered)
			}
			within(t, "reordered", ds.Reordered, frames, 0.3)
			if beforeTail+tail != frames || ds.Passed != frames {
				t.Fatalf("passed %d", ds.Passed)
			}
		})
	}
}

// TestReorderHold shows a frame waiting to be overtaken is not stranded when
// traffic stops.
func TestReorderHold(t *testing.T) {
	for _, d := range dirs {
		t.Run(d.String(), func(t *testing.T) {
			r := newRig(t, Config{Reorder: 1}, loopback.Config{})
			r.tick(500)
			r.send(d, mkFrame(1, 64))
			n := r.drain(d, func([]byte) {})
			next, ok := r.tick(600)
			if n != 0 || !ok || next != 500+int64(ReorderHold) {
				t.Fatalf("delivered %d, Tick = %d %v; want 0 and 500ns+ReorderHold", n, next, ok)
			}
			r.tick(next - 1)
			if r.drain(d, func([]byte) {}) != 0 {
				t.Fatal("released before ReorderHold ran out")
			}
			r.tick(next)
			if r.drain(d, func([]byte) {}) != 1 {
				t.Fatal("not released when ReorderHold ran out")
			}
		})
	}
}

func TestCorruptFlipsExactlyOneBit(t *testing.T) {
	for _, d := range dirs {
		t.Run(d.String(), func(t *testing.T) {
			r := newRig(t, Config{Corrupt: 1, Seed: 3}, loopback.Config{})
			positions := map[int]bool{}
			var want []byte
			for i := uint32(0); i < 500; i++ {
				n := 15 + int(i*97%1500)
				want = mkFrame(i, max(n, 26))[:n]
				if i%50 == 0 {
					want = want[:14] // nothing past the header to corrupt
				}
				r.send(d, want)
				got := 0
				r.drain(d, func(f []byte) {
					got++
					nb, at := bitDiff(f, want)
					if len(want) == 14 {
						if nb != 0 {
							t.Fatalf("a header-only frame was corrupted")
						}
						return
					}
					if nb != 1 || at < 14 || len(f) != len(want) {
						t.Fatalf("frame %d: %d bits differ from byte %d (len %d/%d); want exactly 1 past the header", i, nb, at, len(f), len(want))
					}
					positions[at] = true
				})
				if got != 1 {
					t.Fatalf("frame %d: %d copies", i, got)
				}
			}
			if len(positions) < 100 {
				t.Fatalf("corruption hit only %d distinct bytes: not random", len(positions))
			}
			st := r.f.Stats()
			if c := st.TX.Corrupted + st.RX.Corrupted; c != 490 {
				t.Fatalf("Corrupted = %d, want 490 (500 frames, 10 header-only)", c)
			}
		})
	}
}

func TestDuplicateIsCleanAndFollows(t *testing.T) {
	for _, d := range dirs {
		t.Run(d.String(), func(t *testing.T) {
			r := newRig(t, Config{Duplicate: 1, Corrupt: 1, Seed: 11}, loopback.Config{})
			want := mkFrame(9, 200)
			r.send(d, want)
			var got [][]byte
			r.drain(d, func(f []byte) { got = append(got, bytes.Clone(f)) })
			if len(got) != 2 {
				t.Fatalf("%d copies, want 2", len(got))
			}
			if nb, _ := bitDiff(got[0], want); nb != 1 {
				t.Errorf("the original differs by %d bits, want the 1 corrupted", nb)
			}
			if !bytes.Equal(got[1], want) {
				t.Error("the duplicate is not a clean copy")
			}
		})
	}
}

func TestPoolOverflowPassesThrough(t *testing.T) {
	r := newRig(t, Config{Delay: time.Millisecond, MaxHeld: 4}, loopback.Config{})
	var got []uint32
	rec := func(f []byte) { got = append(got, frameSeq(f)) }
	for i := uint32(0); i < 10; i++ {
		r.send(dirTX, mkFrame(i, 64))
	}
	r.drain(dirTX, rec)
	if fmt.Sprint(got) != "[4 5 6 7 8 9]" {
		t.Fatalf("with the pool full got %v at once, want frames 4..9", got)
	}
	r.tick(int64(time.Millisecond))
	r.drain(dirTX, rec)
	if fmt.Sprint(got) != "[4 5 6 7 8 9 0 1 2 3]" {
		t.Fatalf("got %v", got)
	}
	if st := r.f.Stats().TX; st.Overflow != 6 || st.Delayed != 4 || st.Passed != 10 {
		t.Fatalf("stats %+v", st)
	}
}

type countWaker struct{ n int }

func (w *countWaker) Wake() { w.n++ }

func TestTransmitWaitsForRoom(t *testing.T) {
	r := newRig(t, Config{Delay: time.Millisecond}, loopback.Config{Slots: 2})
	var w countWaker
	r.f.SetWaker(&w)
	for i := uint32(0); i < 4; i++ {
		r.send(dirTX, mkFrame(i, 64))
	}
	if _, ok := r.tick(int64(time.Millisecond)); ok {
		t.Fatal("Tick asks for a poll although the held frames wait for room, not time")
	}
	var got []uint32
	rec := func(f []byte) { got = append(got, frameSeq(f)) }
	r.drain(dirTX, rec)
	if fmt.Sprint(got) != "[0 1]" {
		t.Fatalf("got %v, want the 2 that fit", got)
	}
	if w.n == 0 {
		t.Fatal("the stack was not woken when room freed up")
	}
	r.tick(r.now)
	r.drain(dirTX, rec)
	if fmt.Sprint(got) != "[0 1 2 3]" {
		t.Fatalf("got %v", got)
	}
}

func TestLossAllFloodDoesNotTrapReceive(t *testing.T) {
	r := newRig(t, Config{Loss: 1}, loopback.Config{Slots: 512})
	var w countWaker
	r.f.SetWaker(&w)
	for i := uint32(0); i < 300; i++ {
		r.send(dirRX, mkFrame(i, 64))
	}
	w.n = 0
	if _, ok := r.f.Receive(); ok {
		t.Fatal("a frame passed at 100% loss")
	}
	if st := r.f.Stats().RX; st.Lost != maxSkipPerReceive || w.n != 1 {
		t.Fatalf("one Receive dropped %d frames and woke %d times; want %d and a self-wake", st.Lost, w.n, maxSkipPerReceive)
	}
	r.f.Receive()
	if st := r.f.Stats().RX; st.Lost != 300 {
		t.Fatalf("lost %d, want all 300", st.Lost)
	}
}

// closer adds hal.Closer to a device.
type closer struct {
	hal.Device
	closed int
}

func (c *closer) Close() error { c.closed++; return nil }

func TestTickChainsAndCloseForwards(t *testing.T) {
	a, b := loopback.NewPair(loopback.Config{})
	cl := &closer{Device: a}
	inner := New(cl, Config{Delay: 5 * time.Millisecond})
	outer := New(inner, Config{Delay: time.Millisecond})
	buf, _ := outer.Transmit()
	outer.Commit(copy(buf, mkFrame(1, 64)))
	if next, ok := outer.Tick(0); !ok || next != int64(time.Millisecond) {
		t.Fatalf("Tick = %d %v, want the outer delay", next, ok)
	}
	if next, ok := outer.Tick(int64(time.Millisecond)); !ok || next != int64(6*time.Millisecond) {
		t.Fatalf("Tick = %d %v, want the inner device's due", next, ok)
	}
	outer.Tick(int64(6 * time.Millisecond))
	if f, ok := b.Receive(); !ok || frameSeq(f) != 1 {
		t.Fatal("the frame did not cross both delays")
	}
	b.ReleaseRx()
	if outer.Capabilities() != a.Capabilities() || outer.HardwareAddr() != a.HardwareAddr() || outer.LinkState() != hal.LinkUp {
		t.Error("Capabilities, HardwareAddr or LinkState not forwarded")
	}
	buf, _ = outer.Transmit()
	outer.Commit(copy(buf, mkFrame(2, 64)))
	if err := outer.Close(); err != nil || cl.closed != 1 {
		t.Fatalf("Close: %v, inner closed %d times", err, cl.closed)
	}
	if outer.pool.count != [2]int{} {
		t.Fatal("Close kept held frames")
	}
}

type nopWaker struct{}

func (*nopWaker) Wake() {}

func TestNoAllocsPerFrame(t *testing.T) {
	cfg := Config{Loss: 0.1, Duplicate: 0.1, Reorder: 0.1, Corrupt: 0.1, Delay: time.Millisecond, Jitter: time.Millisecond, Seed: 1}
	r := newRig(t, cfg, loopback.Config{})
	r.f.SetWaker(&nopWaker{})
	r.peer.SetWaker(&nopWaker{})
	frame := mkFrame(1, 600)
	sink := func([]byte) {}
	allocs := testing.AllocsPerRun(2000, func() {
		r.tick(r.now + 100_000)
		for _, d := range dirs {
			buf, ok := r.f.Transmit()
			if d == dirRX {
				buf, ok = r.peer.Transmit()
			}
			if !ok {
				t.Fatal("Transmit refused")
			}
			if d == dirRX {
				r.peer.Commit(copy(buf, frame))
			} else {
				r.f.Commit(copy(buf, frame))
			}
			r.drain(d, sink)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.2f allocations per frame pair", allocs)
	}
	if st := r.f.Stats(); st.TX.Delayed == 0 || st.RX.Reordered == 0 || st.TX.Duplicated == 0 {
		t.Fatalf("the faults did not run: %+v", st)
	}
}

func BenchmarkFault(b *testing.B) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"none", Config{}},
		{"all", Config{Loss: 0.01, Duplicate: 0.01, Reorder: 0.01, Corrupt: 0.01, Delay: time.Millisecond, Seed: 1}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := newRig(b, tc.cfg, loopback.Config{})
			frame := mkFrame(1, 1514)
			b.SetBytes(1514)
			b.ReportAllocs()
			for b.Loop() {
				r.tick(r.now + 10_000)
				buf, _ := r.f.Transmit()
				r.f.Commit(copy(buf, frame))
				for {
					if _, ok := r.peer.Receive(); !ok {
						break
					}
					r.peer.ReleaseRx()
				}
			}
		})
	}
}
