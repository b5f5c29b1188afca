package mqtt

import (
	"fmt"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

// Publishing (QoS 0 written, QoS 1 acknowledged) and receiving (QoS 0
// and 1, acknowledged) allocate nothing once connected and warm: the
// whole round, the two stacks and the test broker included.
func TestSteadyStateAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts need a quiet run")
	}
	for _, v := range []Version{V311, V5} {
		n := newNet(t)
		n.b.quiet = true
		if v == V5 {
			n.b.connackProps = func(p *Properties) { // outgoing topic aliases on
				p.Set(packet.PropTopicAliasMaximum)
				p.TopicAliasMaximum = 4
			}
		}
		delivered, received := 0, 0
		c := n.connect(Config{Version: v,
			OnDelivered: func(_ Token, err error) {
				if err == nil {
					delivered++
				}
			}})
		h := func(m *Message) { received++ }
		sub := c.Subscribe("in/#", 1, h)
		n.run(time.Second, "suback", sub.Done)
		payload := make([]byte, 64)
		for qos := QoS(0); qos <= 1; qos++ {
			want := 0
			done := func() bool { return delivered == want }
			publish := func() {
				want++
				if _, err := c.Publish("sensors/temperature", payload, qos, false); err != nil {
					t.Fatal(err)
				}
				n.r.RunUntil(time.Second, done)
			}
			delivered = 0
			for i := 0; i < 50; i++ {
				publish()
			}
			if a := testing.AllocsPerRun(200, publish); a != 0 {
				t.Errorf("%v: %v allocations per QoS %d Publish", v, a, qos)
			}
			if delivered != want {
				t.Fatalf("%v QoS %d: %d of %d delivered", v, qos, delivered, want)
			}

			bc := n.b.last()
			var pkts [2][]byte
			for i := range pkts {
				pkts[i] = must((&packet.Publish{QoS: qos, PacketID: uint16(i + 1), Topic: []byte("in/x"), Payload: payload}).Append(nil, v))
			}
			k := 0
			rwant := received
			got := func() bool { return received == rwant }
			receive := func() {
				rwant++
				bc.send(pkts[k&1])
				k++
				n.r.RunUntil(time.Second, got)
			}
			for i := 0; i < 50; i++ {
				receive()
			}
			if a := testing.AllocsPerRun(200, receive); a != 0 {
				t.Errorf("%v: %v allocations per received QoS %d message", v, a, qos)
			}
			if received != rwant {
				t.Fatalf("%v QoS %d: %d of %d received", v, qos, received, rwant)
			}
		}
	}
}

// BenchmarkPublish measures Publish and the round it takes, over the
// in-memory link in virtual time, to the broker's acknowledgement
// (QoS 1) or the write (QoS 0), one message at a time.
func BenchmarkPublish(b *testing.B) {
	for _, qos := range []QoS{0, 1} {
		b.Run(fmt.Sprintf("QoS%d", qos), func(b *testing.B) {
			n := newNet(b)
			n.b.quiet = true
			delivered := 0
			c := n.connect(Config{OnDelivered: func(Token, error) { delivered++ }})
			payload := make([]byte, 64)
			want := 0
			done := func() bool { return delivered == want }
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for i := 0; i < b.N; i++ {
				want++
				if _, err := c.Publish("sensors/temperature", payload, qos, false); err != nil {
					b.Fatal(err)
				}
				n.r.RunUntil(time.Second, done)
			}
		})
	}
}
