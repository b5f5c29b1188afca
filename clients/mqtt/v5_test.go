package mqtt

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

// aliasPublish encodes a 5.0 PUBLISH with a topic alias.
func aliasPublish(topic string, alias uint16, payload string) []byte {
	p := packet.Publish{Topic: []byte(topic), Payload: []byte(payload)}
	p.Props.Set(packet.PropTopicAlias)
	p.Props.TopicAlias = alias
	return must(p.Append(nil, V5))
}

// Incoming topic aliases: set with a topic, used without one, replaced.
func TestIncomingTopicAliases(t *testing.T) {
	n := newNet(t)
	var got []string
	c := n.connect(Config{Version: V5, TopicAliasMaximum: 2, OnMessage: func(m *Message) {
		got = append(got, m.Topic+"="+string(m.Payload))
	}})
	bc := n.b.last()
	if a := n.b.of(packet.CONNECT)[0].connect.Props.TopicAliasMaximum; a != 2 {
		t.Fatalf("CONNECT announces %d aliases", a)
	}
	bc.send(aliasPublish("long/topic/one", 1, "a"))
	bc.send(aliasPublish("", 1, "b"))
	bc.send(aliasPublish("two", 2, "c"))
	bc.send(aliasPublish("", 2, "d"))
	bc.send(aliasPublish("three", 1, "e")) // alias 1 now means "three"
	bc.send(aliasPublish("", 1, "f"))
	n.run(time.Second, "messages", func() bool { return len(got) == 6 })
	want := "long/topic/one=a long/topic/one=b two=c two=d three=e three=f"
	if strings.Join(got, " ") != want {
		t.Fatalf("got %q", got)
	}
	if !c.Connected() {
		t.Fatal("connection lost")
	}
}

// An alias above the maximum, or one never set, is a protocol error: the
// client says so (DISCONNECT 0x94), closes, and reconnects with the
// aliases forgotten.
func TestIncomingTopicAliasInvalid(t *testing.T) {
	for name, pkt := range map[string][]byte{
		"above maximum": aliasPublish("t", 3, "x"),
		"never set":     aliasPublish("", 1, "x"),
	} {
		n := newNet(t)
		var lost []error
		c := n.connect(Config{Version: V5, TopicAliasMaximum: 2, OnConnectionLost: func(err error) { lost = append(lost, err) }})
		n.b.last().send(pkt)
		n.run(5*time.Second, "reconnect", func() bool { return c.Stats().Connects == 2 })
		var pe *ProtocolError
		if len(lost) != 1 || !errors.Is(lost[0], ErrProtocol) || !errors.As(lost[0], &pe) || pe.Code != packet.TopicAliasInvalid {
			t.Fatalf("%s: lost %v", name, lost)
		}
		if d := n.b.of(packet.DISCONNECT); len(d) != 1 || d[0].code != packet.TopicAliasInvalid {
			t.Fatalf("%s: DISCONNECT %v", name, d)
		}
	}
}

// Outgoing topic aliases, as many as the broker allows (and
// SendTopicAliases): the first PUBLISH on a topic sets one up, later ones
// send only the alias; a reconnection starts over.
func TestOutgoingTopicAliases(t *testing.T) {
	n := newNet(t)
	n.b.connackProps = func(p *Properties) {
		p.Set(packet.PropTopicAliasMaximum)
		p.TopicAliasMaximum = 2
	}
	n.b.holdAcks = true // the test broker does not resolve aliases for routing
	c := n.connect(Config{Version: V5})
	for _, tp := range []string{"sensors/temperature", "sensors/temperature", "b", "third", "b", "sensors/temperature"} {
		if _, err := c.Publish(tp, []byte("v"), 1, false); err != nil {
			t.Fatal(err)
		}
	}
	n.r.RunFor(time.Second)
	var seen []string
	for _, p := range n.b.of(packet.PUBLISH) {
		a := "-"
		if p.props.Has(packet.PropTopicAlias) {
			a = string('0' + byte(p.props.TopicAlias))
		}
		seen = append(seen, p.topic+"@"+a)
	}
	want := "sensors/temperature@1 @1 b@2 third@- @2 @1"
	if strings.Join(seen, " ") != want {
		t.Fatalf("PUBLISH %q, want %q", seen, want)
	}
	// After a reconnection (session present: the six go again with DUP)
	// the aliases are set up anew.
	n.b.last().c.Abort()
	n.run(5*time.Second, "re-sent", func() bool { return n.b.count(packet.PUBLISH) == 12 })
	p := n.b.of(packet.PUBLISH)[6]
	if p.topic != "sensors/temperature" || !p.dup || p.props.TopicAlias != 1 {
		t.Fatalf("first re-sent PUBLISH %v (alias %d)", p, p.props.TopicAlias)
	}
}

// More unacknowledged incoming QoS 2 messages than ReceiveMaximum: the
// client disconnects with 0x93.
func TestIncomingReceiveMaximum(t *testing.T) {
	n := newNet(t)
	n.b.hook = func(bc *bconn, p *packet.Packet) bool { return p.Type == packet.PUBREC } // never PUBREL
	var lost []error
	c := n.connect(Config{Version: V5, ReceiveMaximum: 2, OnConnectionLost: func(err error) { lost = append(lost, err) }})
	if rm := n.b.of(packet.CONNECT)[0].connect.Props.ReceiveMaximum; rm != 2 {
		t.Fatalf("CONNECT Receive Maximum %d", rm)
	}
	bc := n.b.last()
	for id := uint16(1); id <= 3; id++ {
		bc.send(must((&packet.Publish{QoS: 2, PacketID: id, Topic: []byte("t")}).Append(nil, V5)))
	}
	n.run(5*time.Second, "lost", func() bool { return len(lost) == 1 && n.b.count(packet.DISCONNECT) == 1 })
	var pe *ProtocolError
	if !errors.As(lost[0], &pe) || pe.Code != packet.ReceiveMaximumExceeded {
		t.Fatalf("lost %v", lost)
	}
	if d := n.b.of(packet.DISCONNECT); len(d) != 1 || d[0].code != packet.ReceiveMaximumExceeded {
		t.Fatalf("DISCONNECT %v", d)
	}
	n.run(5*time.Second, "reconnect", c.Connected)
}

// A packet over MaxPacketSize ends the connection with ErrPacketTooLarge
// (5.0: DISCONNECT 0x95) before it is read; the client reconnects.
func TestIncomingPacketTooLarge(t *testing.T) {
	for _, v := range []Version{V311, V5} {
		n := newNet(t)
		var lost []error
		var got int
		c := n.connect(Config{Version: v, MaxPacketSize: 256, OnMessage: func(*Message) { got++ },
			OnConnectionLost: func(err error) { lost = append(lost, err) }})
		bc := n.b.last()
		bc.send(must((&packet.Publish{Topic: []byte("t"), Payload: make([]byte, 240)}).Append(nil, v)))
		bc.send(must((&packet.Publish{Topic: []byte("t"), Payload: make([]byte, 260)}).Append(nil, v)))
		n.run(5*time.Second, "reconnect", func() bool { return c.Stats().Connects == 2 })
		if got != 1 || len(lost) != 1 || !errors.Is(lost[0], ErrPacketTooLarge) {
			t.Fatalf("%v: got %d, lost %v", v, got, lost)
		}
		if d := n.b.of(packet.DISCONNECT); v == V5 && (len(d) != 1 || d[0].code != packet.PacketTooLarge) {
			t.Fatalf("DISCONNECT %v", d)
		}
	}
}

// The broker's Maximum Packet Size, Maximum QoS and Retain Available bound
// what Publish accepts.
func TestBrokerLimits(t *testing.T) {
	n := newNet(t)
	n.b.connackProps = func(p *Properties) {
		p.Set(packet.PropMaximumPacketSize)
		p.MaximumPacketSize = 100
		p.Set(packet.PropMaximumQoS)
		p.MaximumQoS = 1
		p.Set(packet.PropRetainAvailable)
		p.RetainAvailable = 0
	}
	c := n.connect(Config{Version: V5})
	if _, err := c.Publish("t", make([]byte, 100), 0, false); err != ErrPacketTooLarge {
		t.Fatalf("over Maximum Packet Size: %v", err)
	}
	if _, err := c.Publish("t", make([]byte, 90), 0, false); err != nil {
		t.Fatalf("under Maximum Packet Size: %v", err)
	}
	if _, err := c.Publish("t", nil, 2, false); err != ErrQoSNotSupported {
		t.Fatalf("QoS 2 over Maximum QoS 1: %v", err)
	}
	if _, err := c.Publish("t", nil, 1, true); err != ErrRetainNotSupported {
		t.Fatalf("retain without Retain Available: %v", err)
	}
}

// Reason codes from the broker reach the application: a refused PUBLISH,
// a DISCONNECT with a reason string and a server reference.
func TestReasonCodes(t *testing.T) {
	n := newNet(t)
	n.b.hook = func(bc *bconn, p *packet.Packet) bool {
		if p.Type == packet.PUBLISH && p.Publish.QoS > 0 {
			a := packet.Ack{Type: packet.PUBACK, PacketID: p.Publish.PacketID, Code: packet.QuotaExceeded}
			if p.Publish.QoS == 2 {
				a.Type, a.Code = packet.PUBREC, packet.NotAuthorized
			}
			a.Props.Set(packet.PropReasonString)
			a.Props.ReasonString = []byte("over quota")
			bc.send(must(a.Append(nil, V5)))
			return true
		}
		return false
	}
	results := map[Token]error{}
	var lost []error
	c := n.connect(Config{Version: V5, OnDelivered: func(tk Token, err error) { results[tk] = err },
		OnConnectionLost: func(err error) { lost = append(lost, err) }})
	t1, _ := c.Publish("t", nil, 1, false)
	t2, _ := c.Publish("t", nil, 2, false)
	n.run(time.Second, "acks", func() bool { return len(results) == 2 })
	var re *ReasonError
	if !errors.Is(results[t1], ErrPublishFailed) || !errors.As(results[t1], &re) || re.Code != packet.QuotaExceeded || re.Reason != "over quota" {
		t.Fatalf("PUBACK: %v", results[t1])
	}
	if !errors.As(results[t2], &re) || re.Code != packet.NotAuthorized || n.b.count(packet.PUBREL) != 0 {
		t.Fatalf("PUBREC: %v, %d PUBREL", results[t2], n.b.count(packet.PUBREL))
	}
	d := packet.Disconnect{Code: packet.ServerMoved}
	d.Props.Set(packet.PropReasonString)
	d.Props.ReasonString = []byte("maintenance")
	d.Props.Set(packet.PropServerReference)
	d.Props.ServerReference = []byte("other.example")
	n.b.last().send(must(d.Append(nil, V5)))
	n.run(5*time.Second, "lost", func() bool { return len(lost) == 1 })
	if !errors.Is(lost[0], ErrDisconnected) || !errors.As(lost[0], &re) || re.Code != packet.ServerMoved ||
		re.Reason != "maintenance" || re.ServerReference != "other.example" {
		t.Fatalf("lost %v", lost)
	}
	if !strings.Contains(lost[0].Error(), "maintenance") {
		t.Fatalf("error text %q", lost[0].Error())
	}
	n.run(5*time.Second, "reconnect", c.Connected)
}

// 5.0 session expiry: the first connection starts clean as configured,
// reconnections ask to resume; without a session expiry they do not need
// to.
func TestSessionExpiryCleanStart(t *testing.T) {
	n := newNet(t)
	c := n.connect(Config{Version: V5, ClientID: "s", CleanStart: true, SessionExpiry: -1})
	n.b.last().c.Abort()
	n.run(5*time.Second, "reconnect", func() bool { return c.Stats().Connects == 2 })
	cs := n.b.of(packet.CONNECT)
	if !cs[0].connect.CleanStart || cs[1].connect.CleanStart || cs[0].connect.Props.SessionExpiry != 0xffffffff {
		t.Fatalf("CONNECT clean %v then %v, expiry %d", cs[0].connect.CleanStart, cs[1].connect.CleanStart, cs[0].connect.Props.SessionExpiry)
	}
	if !c.SessionPresent() {
		t.Fatal("session not resumed")
	}
}

// PublishWith carries 5.0 properties through.
func TestPublishWithProperties(t *testing.T) {
	n := newNet(t)
	var ct, rt string
	var users []string
	c := n.connect(Config{Version: V5, OnMessage: func(m *Message) {
		ct, rt = string(m.Properties.ContentType), string(m.Properties.ResponseTopic)
		for k, v := range m.Properties.UserProperties {
			users = append(users, string(k)+"="+string(v))
		}
	}})
	c.Subscribe("p", 1, nil)
	var pr Properties
	pr.Set(packet.PropContentType)
	pr.ContentType = []byte("application/json")
	pr.Set(packet.PropResponseTopic)
	pr.ResponseTopic = []byte("reply/here")
	pr.User = []packet.UserProperty{{Key: []byte("a"), Value: []byte("1")}}
	if _, err := c.PublishWith("p", []byte("{}"), 1, false, &pr); err != nil {
		t.Fatal(err)
	}
	n.run(time.Second, "published", func() bool { return n.b.count(packet.PUBLISH) == 1 })
	p := n.b.of(packet.PUBLISH)[0]
	if string(p.props.ContentType) != "application/json" {
		t.Fatalf("broker saw content type %q", p.props.ContentType)
	}
	// The test broker forwards without properties; send one with them.
	m := packet.Publish{Topic: []byte("p"), Payload: []byte("x"), Props: pr}
	n.b.last().send(must(m.Append(nil, V5)))
	n.run(time.Second, "message", func() bool { return ct != "" })
	if ct != "application/json" || rt != "reply/here" || len(users) != 1 || users[0] != "a=1" {
		t.Fatalf("message properties %q %q %q", ct, rt, users)
	}
	var bad Properties
	bad.Set(packet.PropTopicAlias)
	if _, err := c.PublishWith("p", nil, 0, false, &bad); err != ErrInvalidConfig {
		t.Fatalf("PublishWith a topic alias: %v", err)
	}
}
