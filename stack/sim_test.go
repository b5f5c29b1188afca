package stack

import (
	"bytes"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/fault"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/udp"
)

// Two stacks over an impaired in-memory link, in virtual time: with loss,
// duplication, reordering, corruption and jittered delay in both directions,
// every echo that arrives is byte-exact, every corrupted frame is caught by
// a checksum and counted, and the run is the same for the same seed.
func TestSimulationOverFaultyLink(t *testing.T) {
	run := func(seed uint64) (Counters, Counters, int) {
		devA, devB := loopback.NewPair(loopback.Config{})
		faulty := fault.New(devA, fault.Config{Loss: 0.05, Duplicate: 0.02, Reorder: 0.05, Corrupt: 0.05,
			Delay: 2 * time.Millisecond, Jitter: time.Millisecond, Seed: seed})
		clk := reactor.NewVirtualClock(0)
		r := reactor.New(clk)
		a, err := New(faulty, Config{Addr: netip.PrefixFrom(addrA, 24), Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		b, err := New(devB, Config{Addr: netip.PrefixFrom(addrB, 24), Seed: seed + 1})
		if err != nil {
			t.Fatal(err)
		}
		a.Spawn(r)
		b.Spawn(r)
		echoServer(t, b, 7)
		cli := a.NewUDPSocket(udp.Config{})
		if err := cli.Connect(netip.AddrPortFrom(addrB, 7)); err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(seed, 3))
		buf := make([]byte, 2048)
		retries := 0
		sent := map[string]bool{}
		for i := 0; i < 500; i++ {
			msg := make([]byte, 1+rng.IntN(1472))
			for j := range msg {
				msg[j] = byte(rng.Uint32())
			}
			sent[string(msg)] = true
			for try, echoed := 0, false; !echoed; {
				if try == 20 {
					t.Fatalf("seed %d datagram %d: no echo in 20 tries; a=%+v", seed, i, a.Counters())
				}
				if err := cli.Send(msg); err != nil {
					t.Fatal(err)
				}
				try++
				// Wait for this message's echo; late duplicates of
				// earlier ones may arrive first and are skipped. Anything
				// never sent would be corruption delivered as data.
				for deadline := r.Now().Add(50 * time.Millisecond); ; {
					f := cli.Recv(buf, deadline)
					r.RunUntil(time.Second, f.Done)
					res, err := f.Result()
					if err == udp.ErrTimeout {
						retries++
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					got := buf[:res.N]
					if bytes.Equal(got, msg) {
						echoed = true
						break
					}
					if !sent[string(got)] {
						t.Fatalf("seed %d datagram %d: received %d bytes that were never sent", seed, i, res.N)
					}
				}
			}
		}
		return a.Counters(), b.Counters(), retries
	}
	ca, cb, retries := run(7)
	if retries == 0 || ca.Drop(DropBadChecksum)+cb.Drop(DropBadChecksum) == 0 {
		t.Fatalf("the faults did nothing? retries=%d a=%+v b=%+v", retries, ca, cb)
	}
	ca2, cb2, retries2 := run(7)
	if ca2 != ca || cb2 != cb || retries2 != retries {
		t.Fatal("same seed, different run: the simulation is not deterministic")
	}
	t.Logf("500 datagrams, %d retries; drops A %v B %v", retries, ca.Drops, cb.Drops)
}
