package mqtt

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
	"github.com/seed947b3480/legation/tcp"
)

// payloadFor is message i's payload: n bytes of a pattern that differs
// per message, so a byte out of place changes the digest.
func payloadFor(i, n int) []byte {
	b := make([]byte, n)
	for j := range b {
		b[j] = byte(i*31 + j*7 + j>>8)
	}
	return b
}

// sizes walks through packet sizes around and beyond the 1 KiB rings.
func sizes(i int) int { return []int{0, 1, 100, 700, 1000, 1017, 1024, 1500, 3000, 5000}[i%10] + i%13 }

// Packets split by the wrap of a small receive ring, and larger than the
// ring, are reassembled whole.
func TestReceiveAcrossRingWrap(t *testing.T) {
	for _, v := range []Version{V311, V5} {
		n := newNet(t)
		want, got := sha256.New(), sha256.New()
		count := 0
		var lost []error
		// The test broker does not hold to Receive Maximum: allow it all.
		c := n.connect(Config{Version: v, ReceiveMaximum: 1000, TCP: tcp.Config{RxBuffer: make([]byte, 1024)}, OnConnectionLost: func(err error) { lost = append(lost, err) }, OnMessage: func(m *Message) {
			fmt.Fprintf(got, "%s|%d|", m.Topic, len(m.Payload))
			got.Write(m.Payload)
			count++
		}})
		bc := n.b.last()
		const total = 200
		for i := 0; i < total; i++ {
			topic := fmt.Sprintf("t/%d", i)
			p := payloadFor(i, sizes(i))
			fmt.Fprintf(want, "%s|%d|", topic, len(p))
			want.Write(p)
			bc.send(must((&packet.Publish{QoS: QoS(i % 3), PacketID: uint16(i + 1), Topic: []byte(topic), Payload: p}).Append(nil, v)))
		}
		if !n.r.RunUntil(time.Minute, func() bool { return count == total }) {
			t.Fatalf("%v: %d of %d; stats %+v, lost %v", v, count, total, c.Stats(), lost)
		}
		if string(got.Sum(nil)) != string(want.Sum(nil)) {
			t.Fatalf("%v: digest of what arrived differs", v)
		}
		if !c.Connected() || c.Stats().Received != total {
			t.Fatalf("%v: stats %+v", v, c.Stats())
		}
	}
}

// Packets larger than a small send ring go out in pieces, whole and in
// order, QoS 0 interleaved with QoS 1 and 2 and the acknowledgements of
// incoming messages.
func TestSendThroughSmallRing(t *testing.T) {
	for _, v := range []Version{V311, V5} {
		n := newNet(t)
		want, got := sha256.New(), sha256.New()
		n.b.hook = func(bc *bconn, p *packet.Packet) bool {
			if p.Type == packet.PUBLISH {
				fmt.Fprintf(got, "%s|%d|", p.Publish.Topic, len(p.Publish.Payload))
				got.Write(p.Publish.Payload)
			}
			return false
		}
		delivered := 0
		var lost []error
		c := n.connect(Config{Version: v, ReceiveMaximum: 1000, OnConnectionLost: func(err error) { lost = append(lost, err) }, TCP: tcp.Config{TxBuffer: make([]byte, 1024), RxBuffer: make([]byte, 1024)},
			QueueBytes: 1 << 20, MaxInflight: 5, OnDelivered: func(tk Token, err error) {
				if err != nil {
					t.Errorf("token %d: %v", tk, err)
				}
				delivered++
			}})
		c.Subscribe("t/#", 2, func(*Message) {})
		n.r.RunFor(time.Second)
		const total = 100
		for i := 0; i < total; i++ {
			topic := fmt.Sprintf("t/%d", i%7)
			p := payloadFor(i, sizes(i))
			fmt.Fprintf(want, "%s|%d|", topic, len(p))
			want.Write(p)
			if _, err := c.Publish(topic, p, QoS(i%3), false); err != nil {
				t.Fatal(err)
			}
		}
		if !n.r.RunUntil(time.Minute, func() bool { return delivered == total && c.Stats().Received == total }) {
			bc := n.b.last()
			t.Fatalf("%v: delivered %d, stats %+v, lost %v\nclient: w %+v ctrl %d buffered %d sendq %d inflight %d asm %d/%d state %d\nbroker: in %d out %d buffered %d sendq %d", v, delivered, c.Stats(), lost,
				c.w.i, c.ctrlLen, c.conn.Buffered(), c.conn.SendQueued(), c.nInflight, c.asmLen, c.asmNeed, c.state,
				len(bc.in), len(bc.out), bc.c.Buffered(), bc.c.SendQueued())
		}
		if string(got.Sum(nil)) != string(want.Sum(nil)) {
			t.Fatalf("%v: digest of what the broker got differs", v)
		}
		if b, m := c.Queued(); b != 0 || m != 0 {
			t.Fatalf("%v: queue holds %d bytes, %d messages", v, b, m)
		}
	}
}

// The outgoing queue wraps around its ring many times over.
func TestQueueWraps(t *testing.T) {
	n := newNet(t)
	got := sha256.New()
	want := sha256.New()
	n.b.hook = func(bc *bconn, p *packet.Packet) bool {
		if p.Type == packet.PUBLISH {
			got.Write(p.Publish.Payload)
		}
		return false
	}
	done := 0
	c := n.connect(Config{QueueBytes: 700, OnDelivered: func(Token, error) { done++ }})
	sent := 0
	for round := 0; round < 300; round++ {
		for {
			p := payloadFor(sent, 10+sent%90)
			if _, err := c.Publish("q", p, QoS(1+sent%2), false); err != nil {
				if err != ErrQueueFull {
					t.Fatal(err)
				}
				break
			}
			want.Write(p)
			sent++
		}
		n.run(time.Second, "drain", func() bool { return done == sent })
	}
	if string(got.Sum(nil)) != string(want.Sum(nil)) || sent < 1000 {
		t.Fatalf("digest differs after %d messages", sent)
	}
}
