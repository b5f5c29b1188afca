package tcp

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// Two Conns joined by an in-memory wire in virtual time: what one sends
// is delivered to the other after a delay, with seeded loss, reordering
// and duplication. Each side sends 1 MiB and closes; the test checks that
// both received exactly what the other sent, and logs the goodput.

// simPacket is a segment on the wire.
type simPacket struct {
	at   reactor.Instant
	n    uint64 // send order, to keep delivery stable
	to   int
	data []byte
}

// simWire delays, loses, duplicates and reorders segments.
type simWire struct {
	rng                  *rand.Rand
	loss, dup, reorder   float64
	delay                time.Duration
	queue                []simPacket
	sent, lost, n        uint64
	duplicated, reorderd uint64
}

func (w *simWire) send(now reactor.Instant, to int, b []byte) {
	w.sent++
	if w.rng.Float64() < w.loss {
		w.lost++
		return
	}
	copies := 1
	if w.rng.Float64() < w.dup {
		copies = 2
		w.duplicated++
	}
	for range copies {
		at := now.Add(w.delay)
		if w.rng.Float64() < w.reorder {
			// Held back by up to two delays: later segments overtake it.
			at = at.Add(time.Duration(w.rng.Int64N(int64(2 * w.delay))))
			w.reorderd++
		}
		w.n++
		w.queue = append(w.queue, simPacket{at: at, n: w.n, to: to, data: bytes.Clone(b)})
	}
}

// next returns the earliest delivery instant.
func (w *simWire) next() reactor.Instant {
	t := reactor.Never
	for _, p := range w.queue {
		t = reactor.Min(t, p.at)
	}
	return t
}

// due removes and returns the packets due at now, in order.
func (w *simWire) due(now reactor.Instant) []simPacket {
	var out []simPacket
	w.queue = slices.DeleteFunc(w.queue, func(p simPacket) bool {
		if p.at <= now {
			out = append(out, p)
			return true
		}
		return false
	})
	slices.SortFunc(out, func(a, b simPacket) int {
		if a.at != b.at {
			return int(a.at - b.at)
		}
		return int(a.n - b.n)
	})
	return out
}

// simEnd is one side of the transfer.
type simEnd struct {
	c         *Conn
	addr      netip.AddrPort
	send      []byte // still to write
	recv      []byte // received so far
	eof       bool
	closeSent bool
}

// pump moves data between the application and the Conn.
func (e *simEnd) pump(t *testing.T) {
	if e.c == nil {
		return
	}
	for len(e.send) > 0 {
		n, err := e.c.Write(e.send)
		if err != nil {
			break
		}
		e.send = e.send[n:]
	}
	if len(e.send) == 0 && !e.closeSent {
		if err := e.c.CloseWrite(); err == nil {
			e.closeSent = true
		}
	}
	var buf [4096]byte
	for !e.eof {
		n, err := e.c.Read(buf[:])
		e.recv = append(e.recv, buf[:n]...)
		if err == io.EOF {
			e.eof = true
		}
		if err != nil {
			break
		}
	}
}

type simResult struct {
	elapsed   time.Duration
	wire      simWire
	aErr, bEr error
	aSt, bSt  Stats
}

// simulate runs the transfer and fails the test if the data differ or
// the connections get stuck.
func simulate(t *testing.T, cfg Config, rate float64, seed uint64, sizeA, sizeB int) simResult {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	w := &simWire{rng: rand.New(rand.NewPCG(seed, 2)), loss: rate, dup: rate, reorder: rate, delay: 5 * time.Millisecond}
	dataA, dataB := make([]byte, sizeA), make([]byte, sizeB)
	for i := range dataA {
		dataA[i] = byte(rng.Uint32())
	}
	for i := range dataB {
		dataB[i] = byte(rng.Uint32())
	}
	ends := [2]*simEnd{
		{c: NewConn(cfg), addr: netip.MustParseAddrPort("10.0.0.1:40000"), send: dataA},
		{addr: netip.MustParseAddrPort("10.0.0.2:7"), send: dataB},
	}
	start := reactor.Instant(0)
	now := start
	isn := NewISNGeneratorKey([16]byte{byte(seed)})
	if err := ends[0].c.Connect(now, ends[0].addr, ends[1].addr, isn.ISN(now, ends[0].addr, ends[1].addr)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500-20)
	done := func() bool {
		for _, e := range ends {
			if e.c == nil || !e.eof || (e.c.State() != TimeWait && e.c.State() != Closed) {
				return false
			}
		}
		return true
	}
	for steps := 0; !done(); steps++ {
		if steps > 5_000_000 || now.Sub(start) > 30*time.Minute {
			t.Fatalf("stuck at %v: states %v %v, received %d/%d and %d/%d",
				now, ends[0].c.State(), stateOf(ends[1].c), len(ends[1].recv), sizeA, len(ends[0].recv), sizeB)
		}
		for i, e := range ends {
			e.pump(t)
			if e.c == nil {
				continue
			}
			for k := 0; k < 1000; k++ {
				n, ok := e.c.Output(now, buf, e.addr.Addr(), ends[1-i].addr.Addr())
				if !ok {
					break
				}
				w.send(now, 1-i, buf[:n])
			}
			checkInvariants(t, e.c)
		}
		next := w.next()
		for _, e := range ends {
			if e.c != nil {
				next = reactor.Min(next, e.c.PollAt())
			}
		}
		if next == reactor.Never {
			t.Fatalf("nothing left to happen at %v: states %v %v", now, ends[0].c.State(), stateOf(ends[1].c))
		}
		now = max(now, next)
		for _, p := range w.due(now) {
			e := ends[p.to]
			pkt, err := wire.NewTCPPacket(p.data)
			if err != nil || !pkt.VerifyChecksum(ends[1-p.to].addr.Addr(), e.addr.Addr()) {
				t.Fatalf("bad segment on the wire: %v", err)
			}
			var seg Repr
			if err := seg.Parse(pkt); err != nil {
				t.Fatal(err)
			}
			if e.c == nil {
				e.c = NewConn(cfg)
				if err := e.c.AcceptSYN(now, e.addr, ends[1-p.to].addr, &seg, isn.ISN(now, e.addr, ends[1-p.to].addr)); err != nil {
					t.Fatalf("first segment %v: %v", fmtRepr(&seg), err)
				}
				continue
			}
			e.c.Input(now, &seg)
			// Send what the segment called for before taking the next, as
			// a stack that polls egress after each frame does: a burst
			// then draws an ACK per two segments, not one for the lot.
			for k := 0; k < 1000; k++ {
				n, ok := e.c.Output(now, buf, e.addr.Addr(), ends[1-p.to].addr.Addr())
				if !ok {
					break
				}
				w.send(now, 1-p.to, buf[:n])
			}
		}
		for _, e := range ends {
			if e.c != nil && due(e.c.PollAt(), now) {
				e.c.Poll(now)
			}
		}
	}
	for i, e := range ends {
		want := dataB
		if i == 1 {
			want = dataA
		}
		if sha256.Sum256(e.recv) != sha256.Sum256(want) {
			t.Fatalf("side %d received %d bytes that differ from the %d sent", i, len(e.recv), len(want))
		}
	}
	return simResult{elapsed: now.Sub(start), wire: *w, aErr: ends[0].c.Err(), bEr: ends[1].c.Err(),
		aSt: ends[0].c.Stats(), bSt: ends[1].c.Stats()}
}

func stateOf(c *Conn) State {
	if c == nil {
		return Closed
	}
	return c.State()
}

// checkInvariants checks what must hold between calls whatever arrived.
func checkInvariants(t *testing.T, c *Conn) {
	t.Helper()
	if c.sndUna.GreaterThan(c.sndNxt) || c.sndNxt.GreaterThan(c.sndMax) {
		t.Fatalf("SND.UNA %d, SND.NXT %d, SND.MAX %d out of order", c.sndUna, c.sndNxt, c.sndMax)
	}
	if c.tx.Len() > c.tx.Cap() || c.rx.Len() > c.rx.Cap() {
		t.Fatalf("rings overfull: tx %d/%d rx %d/%d", c.tx.Len(), c.tx.Cap(), c.rx.Len(), c.rx.Cap())
	}
	if c.state.synchronized() && c.flight() > uint32(c.tx.Len())+2 {
		t.Fatalf("flight %d beyond the %d bytes queued", c.flight(), c.tx.Len())
	}
}

// TestTransferOverLossyWire moves 1 MiB each way between two Conns over
// wires that lose, duplicate and reorder 0, 1, 5 and 10% of segments,
// with every option on and with plain RFC 9293 TCP, and logs the goodput.
func TestTransferOverLossyWire(t *testing.T) {
	size := 1 << 20
	if testing.Short() {
		size = 128 << 10
	}
	configs := []struct {
		name string
		cfg  Config
	}{
		{"options", Config{MSS: 1460}},
		{"plain", Config{MSS: 1460, DisableSACK: true, DisableTimestamps: true, DisableWindowScale: true}},
	}
	for _, cc := range configs {
		for _, rate := range []float64{0, 0.01, 0.05, 0.10} {
			t.Run(fmt.Sprintf("%s/%g%%", cc.name, rate*100), func(t *testing.T) {
				cfg := cc.cfg
				cfg.TimeWait = time.Second
				r := simulate(t, cfg, rate, 42, size, size)
				if r.aErr != nil || r.bEr != nil {
					t.Fatalf("closed with %v and %v, want graceful", r.aErr, r.bEr)
				}
				goodput := float64(2*size) / r.elapsed.Seconds()
				t.Logf("%s, loss/dup/reorder %4.1f%%: 2 x %d KiB in %v virtual, goodput %.0f KiB/s; %d segments, %d lost, %d duplicated, %d reordered",
					cc.name, rate*100, size>>10, r.elapsed.Round(time.Millisecond), goodput/1024, r.wire.sent, r.wire.lost, r.wire.duplicated, r.wire.reorderd)
				t.Logf("  A %+v\n  B %+v", r.aSt, r.bSt)
				if rate == 0 {
					// A 16 KiB window per 10 ms round trip bounds the goodput
					// at 1.6 MB/s each way; a lossless wire must come close.
					bound := float64(DefaultBufferSize) / (10 * time.Millisecond).Seconds()
					if goodput/2 < bound/2 {
						t.Fatalf("lossless goodput %.0f B/s each way, below half the window/RTT bound %.0f", goodput/2, bound)
					}
				}
			})
		}
	}
}

// TestTransferOneWay sends 1 MiB one way, the shape of a download, where
// the ACKs carry no data and so count as duplicates: fast retransmit
// must then repair most losses, with SACK (RFC 6675) and without it
// (NewReno, RFC 6582), leaving few to the retransmission timer.
func TestTransferOneWay(t *testing.T) {
	size := 1 << 20
	if testing.Short() {
		size = 256 << 10
	}
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"sack", Config{MSS: 1460, RxBuffer: make([]byte, 64<<10), TxBuffer: make([]byte, 64<<10)}},
		{"newreno", Config{MSS: 1460, RxBuffer: make([]byte, 64<<10), TxBuffer: make([]byte, 64<<10), DisableSACK: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.TimeWait = time.Second
			r := simulate(t, cfg, 0.02, 7, size, 0)
			t.Logf("%s, 2%% impairment: %d KiB in %v virtual, %.0f KiB/s; sender %+v",
				tc.name, size>>10, r.elapsed.Round(time.Millisecond), float64(size)/1024/r.elapsed.Seconds(), r.aSt)
			if r.aSt.Recoveries == 0 || r.aSt.Recoveries < r.aSt.Timeouts {
				t.Fatalf("%d fast recoveries and %d timeouts for %d losses: fast retransmit did not do its job",
					r.aSt.Recoveries, r.aSt.Timeouts, r.wire.lost)
			}
		})
	}
}
