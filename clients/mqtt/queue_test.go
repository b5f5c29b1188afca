package mqtt

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

// A queue sized to a whole number of entries never fills to the last
// byte: a full ring would make tail == head, which reads as empty, and a
// reconnection would find nothing to send (seen against mosquitto: 720
// messages queued in 64 KiB, none sent).
func TestQueueExactlyFullThenReconnect(t *testing.T) {
	n := newNet(t)
	hold := true
	n.b.hook = func(bc *bconn, p *packet.Packet) bool { return hold && p.Type == packet.PUBLISH }
	payload := make([]byte, 50)
	entry := metaLen + 2 + 2 + len("topic") + 2 + len(payload)
	const k = 10
	done := 0
	c := n.connect(Config{ClientID: "full", QueueBytes: k * entry, MaxInflight: 100, OnDelivered: func(Token, error) { done++ }})
	queued := 0
	for {
		if _, err := c.Publish("topic", payload, 1, false); err != nil {
			break
		}
		queued++
	}
	if queued != k-1 {
		t.Fatalf("queued %d entries of %d bytes in %d, want %d", queued, entry, k*entry, k-1)
	}
	n.r.RunFor(time.Second)
	hold = false
	n.b.last().c.Abort()
	n.run(10*time.Second, "all delivered after the reconnection", func() bool { return done == queued })
}

// The ring against a model: random sizes, allocations and out-of-order
// completions; every entry keeps its bytes, the cursors walk the live
// entries in order, and used never reaches the size.
func TestQueueModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{64, 100, 257, 1000} {
		q := newQueue(size)
		type ent struct {
			off  int
			fill byte
			n    int
		}
		var live []ent
		for step := 0; step < 20000; step++ {
			if rng.IntN(3) > 0 {
				n := 1 + rng.IntN(size/3)
				off, ok := q.alloc(n)
				if !ok {
					continue
				}
				fill := byte(step)
				b := q.buf[off+metaLen : off+metaLen+n]
				for i := range b {
					b[i] = fill
				}
				q.setState(off, eQueued)
				live = append(live, ent{off, fill, n})
			} else if len(live) > 0 {
				i := rng.IntN(len(live))
				q.setState(live[i].off, eDone)
				live = append(live[:i], live[i+1:]...)
				q.reclaim()
			}
			if q.used >= size {
				t.Fatalf("size %d: used %d", size, q.used)
			}
			// Walk from head: the live entries appear in order, intact.
			j := 0
			for off := q.head; q.n > 0 && off != q.tail; off = q.next(off) {
				if q.state(off) == eDone {
					continue
				}
				if j >= len(live) || live[j].off != off {
					t.Fatalf("size %d step %d: walk found %d, want entry %d", size, step, off, j)
				}
				for _, c := range q.packet(off) {
					if c != live[j].fill {
						t.Fatalf("size %d step %d: entry %d overwritten", size, step, j)
					}
				}
				j++
			}
			if j != len(live) {
				t.Fatalf("size %d step %d: walk found %d of %d entries", size, step, j, len(live))
			}
		}
	}
}
