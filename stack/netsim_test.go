package stack

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/seed947b3480/legation/hal/fault"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
)

// The netsim table, after smoltcp's network simulator: one TCP connection
// between two stacks over the in-memory link, impaired by hal/fault, in
// virtual time, for every combination of socket buffer, one-way delay and
// loss. The in-memory link has no rate of its own, so the only ceiling is
// the window: a sender may have at most one buffer of data unacknowledged,
// which caps it at window/RTT. With no delay either, a loss-free transfer
// takes no virtual time at all, and any it does take is TCP waiting on one
// of its own timers.
//
// Without a rate a whole flight also leaves, and arrives, in one instant:
// the receiving stack takes up to MaxFramesPerPoll frames per poll and
// answers them with one ACK, so ACKs are stretched and losing one silences
// the whole flight. A real link spreads the flight out; here the table is
// harsher on ACK loss than a wire would be.

// netsimCell is one configuration of the table.
type netsimCell struct {
	buf   int           // RxBuffer and TxBuffer, both sides
	delay time.Duration // one way; fault applies it to both directions
	loss  float64       // per frame, each direction
}

func (c netsimCell) rtt() time.Duration { return 2 * c.delay }

// ceiling is window/RTT in bytes per second, 0 for "none" (no delay).
func (c netsimCell) ceiling() float64 {
	if c.delay == 0 {
		return 0
	}
	return float64(c.buf) / c.rtt().Seconds()
}

// model is what the table compares a cell with, in bytes per second:
// window/RTT, and with loss the lower of that and the steady state of
// Reno, MSS/RTT * sqrt(3/(2p)) (Mathis et al., 1997). The latter is a
// yardstick for the reader, not a bound: it ignores timeouts, which at a
// 2 ms RTT and a 200 ms minimum RTO are what a lossy cell spends its time
// on.
func (c netsimCell) model() float64 {
	ceil := c.ceiling()
	if c.loss == 0 || ceil == 0 {
		return ceil
	}
	return min(ceil, netsimMSS/c.rtt().Seconds()*math.Sqrt(1.5/c.loss))
}

// netsimMSS is the payload of a full segment here: the 1460-byte MSS of a
// 1500-byte MTU less the 12 bytes of the timestamp option.
const netsimMSS = 1448

// fastest is the least time n bytes can take from the moment the sender is
// established until the last one is read: byte b cannot leave before the
// acknowledgement of byte b-buf came back, one RTT after that byte left,
// so the last byte leaves (n-1)/buf RTTs after the first and arrives one
// delay later. It is window/RTT made exact for a transfer of a few windows.
func (c netsimCell) fastest(n int) time.Duration {
	return time.Duration((n-1)/c.buf)*c.rtt() + c.delay
}

// netsimResult is what one transfer measured.
type netsimResult struct {
	elapsed  time.Duration // virtual: sender established to last byte read
	tx, rx   tcp.Stats     // sender's and receiver's connection
	link     fault.Stats
	complete bool
	sum      [32]byte
	got      int
}

// rate is the throughput in bytes per second, +Inf when no virtual time
// passed.
func (r netsimResult) rate(n int) float64 {
	return float64(n) / r.elapsed.Seconds()
}

// netsimRun sends data one way, from a dialling stack behind the fault
// injector to a listening one, with both connections' rings cell.buf long.
func netsimRun(t *testing.T, cell netsimCell, data []byte, limit time.Duration) netsimResult {
	t.Helper()
	const port = 5001
	devA, devB := loopback.NewPair(loopback.Config{})
	// The injector must be able to hold a full window of data and its
	// ACKs while they are delayed: a frame it cannot hold passes at once
	// and the cell would measure a shorter RTT than it claims.
	held := 2 * (cell.buf/1000 + 32)
	link := fault.New(devA, fault.Config{Loss: cell.loss, Delay: cell.delay, Seed: 947, MaxHeld: held})
	clk := reactor.NewVirtualClock(0)
	r := reactor.New(clk)
	a, err := New(link, Config{Addr: netip.PrefixFrom(addrA, 24), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(devB, Config{Addr: netip.PrefixFrom(addrB, 24), Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	a.Spawn(r)
	b.Spawn(r)

	var (
		res               netsimResult
		start, last       reactor.Instant
		srv               *tcp.Conn
		sum               hash.Hash = sha256.New()
		peerDone, started bool
	)
	l, err := b.ListenTCP(port, ListenConfig{RxBufferSize: cell.buf, TxBufferSize: cell.buf})
	if err != nil {
		t.Fatal(err)
	}
	sink := func() {
		for {
			p, err := srv.ReadLease()
			if err != nil || len(p) == 0 {
				break
			}
			sum.Write(p)
			res.got += len(p)
			srv.Consume(len(p))
			last = clk.Now()
		}
		if peerDone {
			srv.Close()
		}
	}
	l.OnAccept(func() {
		c, ok := l.Accept()
		if !ok || srv != nil {
			t.Errorf("unexpected accept (ok=%v)", ok)
			return
		}
		srv = c
		c.OnReadable(sink)
		c.OnPeerClosed(func() { peerDone = true; sink() })
		sink()
	})

	cli, err := a.DialTCP(netip.AddrPortFrom(addrB, port), tcp.Config{
		RxBuffer: make([]byte, cell.buf), TxBuffer: make([]byte, cell.buf)})
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	push := func() {
		if !started {
			return
		}
		for sent < len(data) {
			n, _ := cli.Write(data[sent:])
			if n == 0 {
				return
			}
			sent += n
		}
		cli.CloseWrite()
	}
	cli.ConnectFuture().OnComplete(func(_ struct{}, err error) {
		if err != nil {
			t.Errorf("connect: %v", err)
			return
		}
		start, started = clk.Now(), true
		push()
	})
	cli.OnWritable(push)

	res.complete = r.RunUntil(limit, func() bool { return peerDone && res.got == len(data) })
	copy(res.sum[:], sum.Sum(nil))
	res.elapsed = last.Sub(start)
	res.tx = cli.Stats()
	if srv != nil {
		res.rx = srv.Stats()
	}
	res.link = link.Stats()
	if !res.complete {
		t.Errorf("%s: incomplete after %v of virtual time: sent %d, got %d of %d; client %v (%v), server conn %v; tx %+v",
			cell, limit, sent, res.got, len(data), cli.State(), cli.Err(), srv != nil, res.tx)
	}
	return res
}

func (c netsimCell) String() string {
	return fmt.Sprintf("buf %s delay %v loss %g%%", netsimSizeStr(c.buf), c.delay, c.loss*100)
}

func netsimSizeStr(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dKiB", n>>10)
}

// TestTCPNetsim prints the table and checks it. Every cell must deliver
// every byte intact (SHA-256) within a virtual-time bound. Loss-free cells
// must not retransmit, must stay under window/RTT (made exact by fastest),
// and must reach netsimFloor of it; with no delay they must finish in less
// than one delayed-ACK period. Lossy cells with room for four segments or
// more, and a dozen losses to expect, must repair some of them by fast
// recovery, not only by timeouts.
//
//	go test -run TCPNetsim -v ./stack/
func TestTCPNetsim(t *testing.T) {
	short := testing.Short() || netsimRace
	bufs := []int{4 << 10, 16 << 10, 64 << 10, 256 << 10}
	delays := []time.Duration{0, time.Millisecond, 10 * time.Millisecond, 50 * time.Millisecond}
	losses := []float64{0, 0.01, 0.05}

	data := make([]byte, netsimSize(bufs[len(bufs)-1], short))
	rng := rand.New(rand.NewPCG(94, 7))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "buffer\tsent\tdelay\tloss\tmodel Mbit/s\tMbit/s\tof model\tvirtual\tretx\tRTOs\trecov\tooo\t\n")
	wall := time.Now()
	for _, buf := range bufs {
		n := netsimSize(buf, short)
		want := sha256.Sum256(data[:n])
		for _, delay := range delays {
			for _, loss := range losses {
				cell := netsimCell{buf: buf, delay: delay, loss: loss}
				res := netsimRun(t, cell, data[:n], netsimLimit(cell, n))
				netsimCheck(t, cell, res, n, want)
				fmt.Fprintf(tw, "%s\t%s\t%v\t%g%%\t%s\t%s\t%s\t%v\t%d\t%d\t%d\t%d\t\n",
					netsimSizeStr(buf), netsimSizeStr(n), delay, loss*100, netsimMbit(cell.model()), netsimMbit(res.rate(n)), netsimShare(res.rate(n), cell.model()),
					res.elapsed.Round(time.Millisecond), res.tx.Retransmits, res.tx.Timeouts, res.tx.Recoveries,
					res.rx.OutOfOrder)
			}
		}
	}
	tw.Flush()
	t.Logf("one connection per cell, sending one way; delay and loss apply to each direction; model is window/RTT, "+
		"with loss capped by Mathis; retx, RTOs, recov: sender's Retransmits, Timeouts, Recoveries; "+
		"ooo: receiver's OutOfOrder; %v of wall time\n%s",
		time.Since(wall).Round(time.Millisecond), table.String())
}

// netsimSize is how much a cell with buffers of buf sends. Slow start
// spends about log2(buf/IW) RTTs opening the window, so a cell must last
// many windows for its figure to be the window's and not slow start's: 32
// of them, between 1 and 4 MiB (4 MiB is 16 windows of 256 KiB, enough for
// 80%). Short (and race-detector) runs send 8 windows, between 256 KiB
// and 2 MiB: 3 MiB per row of cells instead of 8, and still 70% for
// 256 KiB.
func netsimSize(buf int, short bool) int {
	if short {
		return min(max(8*buf, 256<<10), 2<<20)
	}
	return min(max(32*buf, 1<<20), 4<<20)
}

// netsimLimit bounds a cell's virtual time. Loss-free, TCP must be within
// a small factor of the fastest transfer; lossy, every lost segment may cost
// an RTO (200 ms floor) on top of the loss-free time, and a few backoffs
// more, so the bound is generous but still catches a stall.
func netsimLimit(cell netsimCell, n int) time.Duration {
	base := 4*cell.fastest(n) + 10*time.Second
	if cell.loss == 0 {
		return base
	}
	segs := n / netsimMSS
	return base + time.Duration(float64(segs)*cell.loss*2)*time.Second
}

func netsimCheck(t *testing.T, cell netsimCell, res netsimResult, n int, want [32]byte) {
	t.Helper()
	if !res.complete {
		return // reported by netsimRun
	}
	if res.got != n || res.sum != want {
		t.Errorf("%s: received %d bytes, SHA-256 %x, want %d bytes %x", cell, res.got, res.sum[:8], n, want[:8])
	}
	for _, d := range []fault.DirStats{res.link.TX, res.link.RX} {
		if d.Overflow != 0 {
			t.Errorf("%s: the injector overflowed %d times: its delay was not applied to every frame", cell, d.Overflow)
		}
	}
	if cell.loss > 0 {
		if res.link.TX.Lost+res.link.RX.Lost == 0 {
			t.Errorf("%s: the link lost nothing", cell)
		}
		// A 4 KiB window holds two full segments, too few for three
		// duplicate ACKs: there every loss waits for the RTO. And fewer
		// than a dozen losses may all be tail losses, which only a
		// timeout repairs.
		if cell.buf >= 4*netsimMSS && float64(n/netsimMSS)*cell.loss >= 12 && res.tx.Recoveries == 0 {
			t.Errorf("%s: every loss was repaired by a timeout, none by fast recovery: %+v", cell, res.tx)
		}
		return
	}
	// A clean link neither loses nor reorders: any retransmission is
	// spurious, any RTO a stall.
	if res.tx.Retransmits != 0 || res.tx.Timeouts != 0 || res.tx.Recoveries != 0 {
		t.Errorf("%s: retransmitted on a clean link: %+v", cell, res.tx)
	}
	if cell.delay == 0 {
		// Nothing on the link takes time, so only TCP's own timers can:
		// one delayed ACK at the end may be waited for, one per window
		// would be a stall.
		if res.elapsed >= tcp.DefaultDelayedAck {
			t.Errorf("%s: took %v of virtual time over a link that takes none: TCP waited on its timers", cell, res.elapsed)
		}
		return
	}
	if fast := cell.fastest(n); res.elapsed < fast {
		t.Errorf("%s: %v is faster than the window allows (%v): more than one buffer was in flight", cell, res.elapsed, fast)
	}
	if got, ceil := float64(n)/res.elapsed.Seconds(), cell.ceiling(); got < netsimFloor*ceil {
		t.Errorf("%s: %.1f Mbit/s, under %.0f%% of window/RTT (%.1f Mbit/s); sender %+v, receiver %+v",
			cell, got*8/1e6, netsimFloor*100, ceil*8/1e6, res.tx, res.rx)
	}
}

// netsimFloor is the share of window/RTT a loss-free cell must reach. A
// sound sender falls short of the ceiling for three reasons, none of them
// worth half: slow start from the initial window of RFC 6928 (14600 bytes)
// takes log2(window/IW) RTTs to open a 256 KiB window, about 3 RTTs lost
// out of the 17 a 4 MiB transfer needs (~85%); a window that is not a
// multiple of the MSS carries only its whole segments, since sender SWS
// avoidance (RFC 9293 3.8.6.2.1) holds back the runt while more data is
// queued, so 4 KiB moves two 1448-byte segments per RTT (71%); and the
// last segment's one-way delay. A stack that loses half its
// window to a timer each round, an ACK it forgot, or a window it does not
// scale falls under it.
const netsimFloor = 0.5

// netsimMbit formats bytes per second as Mbit/s: "-" for no figure, "inf" for
// a transfer that took no virtual time.
func netsimMbit(bps float64) string {
	switch {
	case bps == 0:
		return "-"
	case math.IsInf(bps, 1):
		return "inf"
	}
	return fmt.Sprintf("%.1f", bps*8/1e6)
}

func netsimShare(got, model float64) string {
	if model == 0 || math.IsInf(got, 1) {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*got/model)
}
