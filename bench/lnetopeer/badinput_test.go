package lnetopeer

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	ltcp "github.com/seed947b3480/legation/tcp"
)

// The Peer takes whatever arrives on its link: truncated, random and
// mutated frames must neither panic nor wedge it, and a connection still
// works afterwards.
// fuzzFrames is how many bad frames the Peer is fed.
const fuzzFrames = 20000

func TestPeerBadInput(t *testing.T) {
	a, b := loopback.NewPair(loopback.Config{})
	p, err := New(b, Config{Addr: lnetoAddr, Neighbor: a.HardwareAddr()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.NewConn(ConnConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Listen(8080); err != nil {
		t.Fatal(err)
	}
	// A well-formed TCP SYN to the listening port, as a template to mutate.
	syn := []byte{
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00, // Ethernet
		0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, // IPv4
		0x9c, 0x40, 0x1f, 0x90, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x40, 0, 0, 0, 0, 0, // TCP SYN
	}
	rng := rand.New(rand.NewPCG(1, 2))
	frame := make([]byte, 1514)
	for i := range fuzzFrames {
		var f []byte
		switch i % 3 {
		case 0: // random bytes, random length
			f = frame[:1+rng.IntN(len(frame)-1)]
			for j := range f {
				f[j] = byte(rng.Uint32())
			}
		case 1: // the SYN truncated
			f = append(frame[:0], syn[:1+rng.IntN(len(syn)-1)]...)
		default: // the SYN with a few bytes changed, checksums fixed so
			// that it reaches lneto's TCP
			f = append(frame[:0], syn...)
			for range 1 + rng.IntN(4) {
				f[14+rng.IntN(len(f)-14)] = byte(rng.Uint32())
			}
			fixChecksums(f)
		}
		buf, ok := a.Transmit()
		if !ok {
			t.Fatal("link full")
		}
		copy(buf, f)
		a.Commit(len(f))
		p.Poll(reactor.Instant(i))
		for { // drop whatever lneto answered
			if _, ok := a.Receive(); !ok {
				break
			}
			a.ReleaseRx()
		}
	}
	st := p.Stats()
	if st.RxFrames != uint64(fuzzFrames) {
		t.Errorf("took %d frames, want %d", st.RxFrames, fuzzFrames)
	}
	// The Peer still works: a legation stack on the other end connects
	// and sends through it.
	c.Abort()
	if err := c.Listen(8080); err != nil {
		t.Fatal(err)
	}
	clk := reactor.NewVirtualClock(0)
	r := reactor.New(clk)
	leg, err := stack.New(a, stack.Config{Addr: netip.PrefixFrom(legAddr, 24), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	leg.Spawn(r)
	p.Spawn(r)
	lc, err := leg.DialTCP(netip.AddrPortFrom(lnetoAddr, 8080), ltcp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("still here")
	lc.ConnectFuture().OnComplete(func(struct{}, error) { lc.Write(msg) })
	got := make([]byte, 0, len(msg))
	buf := make([]byte, 64)
	p.OnPoll(func() {
		n, _ := c.Read(buf)
		got = append(got, buf[:n]...)
	})
	if !r.RunUntil(10*time.Second, func() bool { return string(got) == string(msg) }) {
		t.Fatalf("after the bad input, lneto got %q over a new connection (state %v); legation %v %v %+v; peer %+v", got, c.State(), lc.State(), lc.Err(), leg.Counters(), p.Stats())
	}
	t.Logf("%+v", st)
}
