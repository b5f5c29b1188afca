package mqtt

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

// Packet identifiers skip 0 and those in use, across the wrap.
func TestPacketIDAllocation(t *testing.T) {
	c, _, _ := pipeClient(Config{}, 0)
	c.nextID = 0xfffd
	c.slots[0] = slot{pid: 0xfffe, off: 0}
	c.slots[1] = slot{pid: 1, off: 0}
	c.ops = []*op{{pid: 2}}
	var got []uint16
	for i := 0; i < 3; i++ {
		id, ok := c.allocID()
		if !ok {
			t.Fatal("no identifier")
		}
		got = append(got, id)
	}
	if got[0] != 0xffff || got[1] != 3 || got[2] != 4 {
		t.Fatalf("allocated %v, want [65535 3 4]", got)
	}
	c.ops = nil
	for i := range c.slots {
		c.slots[i] = slot{}
	}
}

// Without the session on reconnection, a QoS 2 message past PUBREC is the
// broker's to deliver: it is done (no PUBREL again); a message queued
// meanwhile goes out as a new one.
func TestQoS2WithoutSession(t *testing.T) {
	n := newNet(t)
	b := n.b
	b.noSessions = true
	phase := 0
	b.hook = func(bc *bconn, p *packet.Packet) bool {
		if phase != 0 {
			return false
		}
		switch p.Type {
		case packet.PUBLISH:
			if string(p.Publish.Payload) == "first" {
				bc.ack(packet.PUBREC, p.Publish.PacketID)
			}
			return true // "second": nothing
		case packet.PUBREL:
			phase = 1
			bc.c.Abort()
			return true
		}
		return false
	}
	results := map[Token]error{}
	c := n.connect(Config{OnDelivered: func(tk Token, err error) { results[tk] = err }})
	t1, _ := c.Publish("q", []byte("first"), 2, false)
	n.run(time.Second, "PUBREC", func() bool { return b.count(packet.PUBREL) == 1 })
	t2, _ := c.Publish("q", []byte("second"), 2, false)
	n.run(10*time.Second, "both done", func() bool { return len(results) == 2 })
	if results[t1] != nil || results[t2] != nil {
		t.Fatalf("results %v", results)
	}
	var second []bpkt
	for _, p := range b.log {
		if p.conn == 1 && (p.t == packet.PUBLISH || p.t == packet.PUBREL) {
			second = append(second, p)
		}
	}
	if len(second) != 2 || second[0].t != packet.PUBLISH || second[0].payload != "second" || second[0].dup || second[1].t != packet.PUBREL {
		t.Fatalf("second connection %v", second)
	}
}
