package tcpbench

import (
	"testing"

	"github.com/seed947b3480/legation/bench/lnetopeer"
)

func init() { register("lneto", lnetoTransport{}) }

// lnetoTransport is two lneto (github.com/soypat/lneto v0.3.2) stacks back
// to back, lnetopeer.Pair: the client's frames are written into one buffer
// and handed straight to the server's stack and back, on the benchmark's
// goroutine, as lneto's own benchmarks do (MTU 1500; lneto computes and
// verifies every checksum). No goroutine, no device, no clock: lneto's
// retransmission timer runs on a counter that moves 1 µs per frame, so it
// never fires on this lossless link. Each connection has lneto-sized 16 KiB
// rings and, lneto having no congestion control, a flight of as many
// 1460-byte segments as fill them; lneto offers no SACK, timestamps or
// window scaling and acknowledges every segment.
//
// Each op steps the two stacks until the work is done and fails if they
// fall silent first. The connect op reopens the server's passive connection
// per op (lneto's single-connection listen, as lneto's own handshake
// benchmark does), and returns once both ends are closed: lneto has no
// TIME-WAIT, and the server closes by itself on the client's FIN.
type lnetoTransport struct{}

func (lnetoTransport) mtu() int { return lnetopeer.DefaultMTU }

func newLnetoPair(tb testing.TB, connect bool) *lnetopeer.Pair {
	p, err := lnetopeer.NewPair(lnetopeer.PairConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	if connect {
		if err := p.Connect(); err != nil {
			tb.Fatal(err)
		}
	}
	return p
}

func (lnetoTransport) bulk(tb testing.TB, src, dst []byte) func() error {
	p := newLnetoPair(tb, true)
	return func() error { return p.Send(src, dst) }
}

func (lnetoTransport) pingPong(tb testing.TB, req, resp []byte) func() error {
	p := newLnetoPair(tb, true)
	return func() error { return p.Echo(req, resp) }
}

func (lnetoTransport) connect(tb testing.TB) func() error {
	return newLnetoPair(tb, false).ConnectClose
}
