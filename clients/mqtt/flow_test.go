package mqtt

import (
	"errors"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

// At most MaxInflight QoS 1 messages are unacknowledged at once; each
// PUBACK lets the next one go, in order.
func TestInflightWindow(t *testing.T) {
	n := newNet(t)
	var held []uint16
	n.b.hook = func(bc *bconn, p *packet.Packet) bool {
		if p.Type == packet.PUBLISH {
			held = append(held, p.Publish.PacketID)
			return true
		}
		return false
	}
	var done []Token
	c := n.connect(Config{MaxInflight: 3, OnDelivered: func(tk Token, err error) { done = append(done, tk) }})
	for i := 0; i < 10; i++ {
		if _, err := c.Publish("w", []byte{byte(i)}, 1, false); err != nil {
			t.Fatal(err)
		}
	}
	n.r.RunFor(time.Second)
	if len(held) != 3 {
		t.Fatalf("%d PUBLISH with a window of 3", len(held))
	}
	if k, w := c.Inflight(); k != 3 || w != 3 {
		t.Fatalf("Inflight %d/%d", k, w)
	}
	for acked := 0; acked < 10; acked++ {
		n.b.last().ack(packet.PUBACK, held[acked])
		n.r.RunFor(time.Second)
		if want := min(10, acked+4); len(held) != want {
			t.Fatalf("after %d PUBACKs: %d PUBLISH, want %d", acked+1, len(held), want)
		}
	}
	pubs := n.b.of(packet.PUBLISH)
	for i, p := range pubs {
		if p.payload != string([]byte{byte(i)}) {
			t.Fatalf("PUBLISH %d carries %q: out of order", i, p.payload)
		}
	}
	if len(done) != 10 {
		t.Fatalf("%d delivered", len(done))
	}
	if b, m := c.Queued(); b != 0 || m != 0 {
		t.Fatalf("queue holds %d bytes, %d messages", b, m)
	}
}

// 5.0: the broker's Receive Maximum narrows the window below MaxInflight.
func TestBrokerReceiveMaximum(t *testing.T) {
	n := newNet(t)
	n.b.connackProps = func(p *Properties) {
		p.Set(packet.PropReceiveMaximum)
		p.ReceiveMaximum = 2
	}
	n.b.holdAcks = true
	c := n.connect(Config{Version: V5, MaxInflight: 10})
	for i := 0; i < 5; i++ {
		c.Publish("w", nil, 2, false)
	}
	n.r.RunFor(time.Second)
	if k, w := c.Inflight(); k != 2 || w != 2 || n.b.count(packet.PUBLISH) != 2 {
		t.Fatalf("Inflight %d/%d, %d PUBLISH", k, w, n.b.count(packet.PUBLISH))
	}
}

// The queue takes messages until QueueBytes is used, then refuses with
// ErrQueueFull; acknowledgements make room again.
func TestQueueFull(t *testing.T) {
	n := newNet(t)
	n.b.holdAcks = true
	const qb = 1000
	c := n.connect(Config{QueueBytes: qb, MaxInflight: 100})
	payload := make([]byte, 50)
	entry := metaLen + 2 + 2 + len("topic") + 2 + len(payload) // header, length, topic, id, payload
	want := qb / entry
	var k int
	for ; k < 100; k++ {
		if _, err := c.Publish("topic", payload, 1, false); err != nil {
			if err != ErrQueueFull {
				t.Fatalf("Publish %d: %v", k, err)
			}
			break
		}
	}
	if k != want {
		t.Fatalf("queued %d messages of %d bytes in %d, want %d", k, entry, qb, want)
	}
	if b, m := c.Queued(); b != want*entry || m != want {
		t.Fatalf("Queued %d bytes %d messages", b, m)
	}
	if _, err := c.Publish("topic", make([]byte, qb), 1, false); err != ErrPacketTooLarge {
		t.Fatalf("message larger than the queue: %v", err)
	}
	n.r.RunFor(time.Second)
	// Room for one more entry at the front needs a byte more than one
	// entry (the ring never fills to the last byte): two PUBACKs.
	n.b.last().ack(packet.PUBACK, n.b.of(packet.PUBLISH)[0].id)
	n.r.RunFor(time.Second)
	if _, err := c.Publish("topic", payload, 1, false); err != ErrQueueFull {
		t.Fatalf("after one PUBACK: %v", err)
	}
	n.b.last().ack(packet.PUBACK, n.b.of(packet.PUBLISH)[1].id)
	n.r.RunFor(time.Second)
	if _, err := c.Publish("topic", payload, 1, false); err != nil {
		t.Fatalf("after two PUBACKs: %v", err)
	}
}

// While not connected, QoS 0 is refused and QoS 1 and 2 are queued, then
// sent once connected.
func TestPublishWhileDisconnected(t *testing.T) {
	n := newNet(t)
	n.b.refuse = packet.ServerBusy
	c := n.client(Config{})
	if _, err := c.Publish("a", []byte("0"), 0, false); err != ErrNotConnected {
		t.Fatalf("QoS 0 while disconnected: %v", err)
	}
	if _, err := c.Publish("a", []byte("1"), 1, false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish("a", []byte("2"), 2, true); err != nil {
		t.Fatal(err)
	}
	sub := c.Subscribe("a", 1, nil)
	n.r.RunFor(3 * time.Second)
	n.b.refuse = 0
	n.run(time.Minute, "connect", c.Connected)
	n.run(time.Second, "sent", func() bool { return n.b.count(packet.PUBREL) == 1 && sub.Done() })
	pubs := n.b.of(packet.PUBLISH)
	if len(pubs) != 2 || pubs[0].payload != "1" || pubs[1].payload != "2" || !pubs[1].retain || pubs[0].dup {
		t.Fatalf("PUBLISH %v", pubs)
	}
	if subs := n.b.of(packet.SUBSCRIBE); len(subs) != 1 {
		t.Fatalf("SUBSCRIBE %v", subs)
	}
}

func TestPublishErrors(t *testing.T) {
	n := newNet(t)
	c := n.connect(Config{})
	for _, tc := range []struct {
		topic string
		qos   QoS
		want  error
	}{
		{"", 0, ErrInvalidTopic},
		{"a/+", 1, ErrInvalidTopic},
		{"a/#", 1, ErrInvalidTopic},
		{"a\x00", 1, ErrInvalidTopic},
		{"a", 3, ErrInvalidQoS},
	} {
		if _, err := c.Publish(tc.topic, nil, tc.qos, false); err != tc.want {
			t.Errorf("Publish(%q, %d): %v, want %v", tc.topic, tc.qos, err, tc.want)
		}
	}
	for _, f := range []string{"", "a#", "a/#/b", "+a"} {
		if err := c.Subscribe(f, 0, nil).Err(); err != ErrInvalidTopic {
			t.Errorf("Subscribe(%q): %v", f, err)
		}
	}
	if err := c.Subscribe("a", 3, nil).Err(); err != ErrInvalidQoS {
		t.Errorf("Subscribe QoS 3: %v", err)
	}
}

// Incoming QoS 2: delivered once, even when the broker sends it again
// before PUBREL; the identifier is free again after PUBREL.
func TestIncomingQoS2Duplicate(t *testing.T) {
	n := newNet(t)
	var got []string
	c := n.connect(Config{OnMessage: func(m *Message) { got = append(got, string(m.Payload)) }})
	bc := n.b.last()
	n.b.hook = func(bc *bconn, p *packet.Packet) bool { return p.Type == packet.PUBREC } // the broker answers by hand
	send := func(dup bool, payload string) {
		p := packet.Publish{QoS: 2, Dup: dup, PacketID: 5, Topic: []byte("q"), Payload: []byte(payload)}
		bc.send(must(p.Append(nil, V311)))
		n.r.RunFor(time.Second)
	}
	send(false, "one")
	send(true, "one")
	if len(got) != 1 || n.b.count(packet.PUBREC) != 2 || c.Stats().Duplicates != 1 {
		t.Fatalf("got %q, %d PUBREC", got, n.b.count(packet.PUBREC))
	}
	bc.send(packet.AppendAck(nil, packet.PUBREL, 5, 0, V311))
	n.r.RunFor(time.Second)
	if n.b.count(packet.PUBCOMP) != 1 {
		t.Fatalf("%d PUBCOMP", n.b.count(packet.PUBCOMP))
	}
	send(false, "two")
	if len(got) != 2 || got[1] != "two" {
		t.Fatalf("got %q", got)
	}
	// A PUBREL for an identifier not held is answered all the same.
	bc.send(packet.AppendAck(nil, packet.PUBREL, 77, 0, V311))
	n.r.RunFor(time.Second)
	if n.b.count(packet.PUBCOMP) != 2 {
		t.Fatalf("%d PUBCOMP", n.b.count(packet.PUBCOMP))
	}
}

// Retained messages arrive with Retain set; live ones without.
func TestRetained(t *testing.T) {
	for _, v := range []Version{V311, V5} {
		n := newNet(t)
		var got []string
		c := n.connect(Config{Version: v})
		c.Publish("r/1", []byte("kept"), 1, true)
		n.run(time.Second, "retained stored", func() bool { return len(n.b.retained) == 1 })
		s := c.Subscribe("r/#", 1, func(m *Message) {
			got = append(got, m.Topic+"="+string(m.Payload)+map[bool]string{true: " retained", false: ""}[m.Retain])
		})
		n.run(time.Second, "retained delivered", func() bool { return s.Done() && len(got) == 1 })
		c.Publish("r/1", []byte("live"), 1, false)
		n.run(time.Second, "live delivered", func() bool { return len(got) == 2 })
		if got[0] != "r/1=kept retained" || got[1] != "r/1=live" {
			t.Fatalf("%v: %q", v, got)
		}
	}
}

// Handlers: each subscription's handler gets what matches it; what none
// takes goes to OnMessage; Unsubscribe removes the handler at once.
func TestSubscriptionHandlers(t *testing.T) {
	n := newNet(t)
	var got []string
	c := n.connect(Config{OnMessage: func(m *Message) { got = append(got, "default:"+m.Topic) }})
	c.Subscribe("a/#", 0, func(m *Message) { got = append(got, "wild:"+m.Topic) })
	c.Subscribe("a/b", 0, func(m *Message) { got = append(got, "exact:"+m.Topic) })
	n.r.RunFor(time.Second)
	bc := n.b.last()
	send := func(topic string) {
		p := packet.Publish{Topic: []byte(topic), Payload: []byte("x")}
		bc.send(must(p.Append(nil, V311)))
		n.r.RunFor(time.Second)
	}
	send("a/b")
	send("a/c")
	send("z")
	u := c.Unsubscribe("a/#")
	n.run(time.Second, "unsuback", u.Done)
	send("a/c")
	want := []string{"wild:a/b", "exact:a/b", "wild:a/c", "default:z", "default:a/c"}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	if u.Err() != nil || n.b.count(packet.UNSUBSCRIBE) != 1 {
		t.Fatalf("unsubscribe: %v", u.Err())
	}
}

// 5.0: with subscription identifiers, only the subscription the broker
// names gets the message, even where several filters match.
func TestSubscriptionIdentifiers(t *testing.T) {
	n := newNet(t)
	var got []string
	c := n.connect(Config{Version: V5})
	c.Subscribe("a/#", 0, func(m *Message) { got = append(got, "wild") })
	c.Subscribe("a/b", 1, func(m *Message) { got = append(got, "exact") })
	n.r.RunFor(time.Second)
	subs := n.b.of(packet.SUBSCRIBE)
	if len(subs) != 2 || subs[0].props.SubscriptionID == 0 || subs[0].props.SubscriptionID == subs[1].props.SubscriptionID {
		t.Fatalf("SUBSCRIBE %v", subs)
	}
	c.Publish("a/b", []byte("x"), 0, false) // the broker routes to its best match, a/b
	n.run(time.Second, "message", func() bool { return len(got) == 1 })
	n.r.RunFor(time.Second)
	if len(got) != 1 || got[0] != "exact" {
		t.Fatalf("got %q", got)
	}
}

// A refused subscription fails its future with the reason and drops its
// handler.
func TestSubackRefused(t *testing.T) {
	for _, v := range []Version{V311, V5} {
		n := newNet(t)
		n.b.hook = func(bc *bconn, p *packet.Packet) bool {
			if p.Type != packet.SUBSCRIBE {
				return false
			}
			code := byte(packet.NotAuthorized)
			if v == V311 {
				code = 0x80
			}
			bc.send(must((&packet.Suback{PacketID: p.Subscribe.PacketID, Codes: []byte{code}}).Append(nil, v)))
			return true
		}
		var got []string
		c := n.connect(Config{Version: v, OnMessage: func(m *Message) { got = append(got, m.Topic) }})
		f := c.Subscribe("secret/#", 1, func(m *Message) { t.Error("handler of a refused subscription ran") })
		n.run(time.Second, "suback", f.Done)
		ack, err := f.Result()
		var re *ReasonError
		if !errors.Is(err, ErrSubscribeFailed) || !errors.As(err, &re) || !ack.Reason.IsError() {
			t.Fatalf("%v: %+v %v", v, ack, err)
		}
		bc := n.b.last()
		bc.send(must((&packet.Publish{Topic: []byte("secret/x")}).Append(nil, v)))
		n.r.RunFor(time.Second)
		if len(got) != 1 {
			t.Fatalf("%v: OnMessage got %q", v, got)
		}
	}
}
