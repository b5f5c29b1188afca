package tcp

import (
	"math/rand/v2"
	"testing"

	"github.com/seed947b3480/legation/wire"
)

// The advertised window never offers more than the free space, and its
// right edge moves back (RFC 9293 SHLD-14) only by less than one scale
// unit, the field's granularity (RFC 7323 2.4), whatever sizes arrive and
// are read; and data up to the furthest edge ever offered is still taken.
func TestWindowEdge(t *testing.T) {
	cfg := scriptConfig()
	cfg.DisableWindowScale = false
	cfg.RxBuffer = make([]byte, 300_000) // shift 3
	cfg.MSS = 1460
	s := newScript(t, cfg)
	s.c.Connect(s.now, scriptLocal, scriptRemote, localISS)
	s.output()
	s.send(Repr{Seq: remoteISS, Ack: localISS + 1, Flags: SYNACK, Window: 65535,
		Options: wire.TCPOptions{MSS: 1460, HasMSS: true, WindowScale: 0, HasWindowScale: true}})
	const shift = 3
	if s.c.rcvShift != shift {
		t.Fatalf("shift %d, want %d", s.c.rcvShift, shift)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	edge, retreats, limited := remoteISS+1+65535, 0, 0 // the SYN's window
	next := remoteISS + 1
	buf := make([]byte, 300_000)
	for i := 0; i < 3000; i++ {
		// The peer sends within the furthest edge it was offered.
		n := rng.IntN(1461)
		if room := int(max(edge.Sub(next), 0)); n > room {
			n, limited = room, limited+1
		}
		if n > 0 && rng.IntN(3) > 0 {
			s.send(Repr{Seq: next, Ack: localISS + 1, Flags: ACK, Window: 65535, Payload: seqPayload(next, n)})
			next = next.Add(uint32(n))
			if s.c.rcvNxt != next {
				t.Fatalf("step %d: %d bytes within the offered edge, RCV.NXT %d, want %d", i, n, s.c.rcvNxt, next)
			}
		}
		if rng.IntN(8) == 0 {
			s.c.Read(buf[:rng.IntN(6_000)])
		}
		for {
			out, ok := s.output()
			if !ok {
				break
			}
			e := out.Ack.Add(uint32(out.Window) << shift)
			if edge.Sub(e) >= 1<<shift {
				t.Fatalf("step %d: right edge moved back from %d to %d", i, edge, e)
			}
			if over := int(e-out.Ack) - s.c.rx.Free(); over > 0 {
				t.Fatalf("step %d: window %d offers %d bytes beyond the free space", i, e-out.Ack, over)
			}
			if edge.Sub(e) > 0 {
				retreats++
			}
			edge = SeqMax(edge, e)
		}
	}
	if s.c.Stats().SegmentsIn < 1000 {
		t.Fatalf("only %d segments exercised the window", s.c.Stats().SegmentsIn)
	}
	if limited < 100 {
		t.Fatalf("the window limited the peer only %d times", limited)
	}
	t.Logf("%d segments, %d bytes, %d limited by the window; the edge drew back by under a unit %d times",
		s.c.Stats().SegmentsIn, uint32(s.c.rcvNxt-remoteISS-1), limited, retreats)
}
