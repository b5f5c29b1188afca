package mqtt

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

// connack is an accepting CONNACK for v.
func connack(v Version) []byte {
	return must((&packet.Connack{}).Append(nil, v))
}

// Every way of splitting the input (leases of 1 to 9 bytes) gives the same
// messages: packet headers and bodies cut anywhere are gathered whole.
func TestInputSplitAnywhere(t *testing.T) {
	for _, v := range []Version{V311, V5} {
		var stream []byte
		var want []string
		for i := 0; i < 40; i++ {
			p := packet.Publish{QoS: QoS(i % 3), PacketID: uint16(i + 1), Topic: []byte(fmt.Sprintf("t/%d", i)), Payload: payloadFor(i, i*37%300)}
			stream = must(p.Append(stream, v))
			want = append(want, fmt.Sprintf("%s:%x", p.Topic, p.Payload))
			if i%5 == 0 {
				stream = packet.AppendPingresp(stream)
			}
		}
		for chunk := 1; chunk <= 9; chunk++ {
			var got []string
			c, d, r := pipeClient(Config{Version: v, ReceiveMaximum: 100, OnMessage: func(m *Message) {
				got = append(got, fmt.Sprintf("%s:%x", m.Topic, m.Payload))
			}}, chunk)
			d.last().feed(connack(v))
			r.RunUntil(time.Second, c.Connected)
			d.last().feed(stream)
			r.RunFor(time.Second)
			if len(got) != len(want) {
				t.Fatalf("%v chunk %d: %d messages, want %d", v, chunk, len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%v chunk %d: message %d differs", v, chunk, i)
				}
			}
			if !c.Connected() {
				t.Fatalf("%v chunk %d: connection lost", v, chunk)
			}
			// The acknowledgements went out whole, in order.
			var acks []string
			rest := d.last().out
			var p packet.Packet
			for len(rest) > 0 {
				n, err := packet.Decode(rest, v, 0, &p)
				if err != nil {
					t.Fatalf("%v chunk %d: client wrote % x: %v", v, chunk, rest, err)
				}
				if p.Type == packet.PUBACK || p.Type == packet.PUBREC {
					acks = append(acks, fmt.Sprintf("%v %d", p.Type, p.Ack.PacketID))
				}
				rest = rest[n:]
			}
			if len(acks) != 26 || acks[0] != "PUBACK 2" || acks[1] != "PUBREC 3" {
				t.Fatalf("%v chunk %d: acks %q", v, chunk, acks)
			}
		}
	}
}

// The control buffer fills when the stream takes nothing: input pauses
// (the broker's data waits in the receive ring) and resumes when the
// stream has room again, losing nothing.
func TestInputPausesWhenStreamFull(t *testing.T) {
	var got int
	c, d, r := pipeClient(Config{OnMessage: func(*Message) { got++ }}, 0)
	p := d.last()
	p.feed(connack(V311))
	r.RunUntil(time.Second, c.Connected)
	p.room = 1 // the stream takes no whole control packet
	var in []byte
	for i := 0; i < 200; i++ {
		in = must((&packet.Publish{QoS: 1, PacketID: uint16(i + 1), Topic: []byte("t")}).Append(in, V311))
	}
	p.feed(in)
	r.RunFor(time.Second)
	if got >= 200 || got < ctrlSize/4-2 || p.Buffered() == 0 {
		t.Fatalf("with the stream full: %d delivered, %d bytes left", got, p.Buffered())
	}
	p.room = 0
	p.onWritable()
	r.RunFor(time.Second)
	if got != 200 || p.Buffered() != 0 {
		t.Fatalf("after room came back: %d delivered", got)
	}
	if n := bytes.Count(p.out, []byte{0x40, 0x02}); n != 200 {
		t.Fatalf("%d PUBACKs", n)
	}
}

// FuzzClientInput feeds arbitrary bytes from the broker into a connected
// client that has a subscription, messages in flight and a session. It
// must not panic; if it drops the connection, the error is one of the
// typed ones for a broker at fault, and it reconnects.
func FuzzClientInput(f *testing.F) {
	for _, v := range []Version{V311, V5} {
		var seq []byte
		seq = must((&packet.Suback{PacketID: 1, Codes: []byte{1}}).Append(seq, v))
		seq = packet.AppendAck(seq, packet.PUBACK, 2, 0, v)
		seq = packet.AppendAck(seq, packet.PUBREC, 3, 0, v)
		seq = packet.AppendAck(seq, packet.PUBCOMP, 3, 0, v)
		seq = must((&packet.Publish{QoS: 2, PacketID: 9, Topic: []byte("a/b"), Payload: []byte("x")}).Append(seq, v))
		seq = packet.AppendAck(seq, packet.PUBREL, 9, 0, v)
		seq = packet.AppendPingresp(seq)
		f.Add(seq, v == V5, uint8(0))
		f.Add(seq, v == V5, uint8(3))
		for _, s := range []string{"publish", "publish-alias", "suback", "unsuback", "disconnect", "disconnect-props", "auth", "PUBACK-code"} {
			if b, ok := samplePackets(v)[s]; ok {
				f.Add(b, v == V5, uint8(1))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, v5 bool, chunk uint8) {
		v := V311
		if v5 {
			v = V5
		}
		var lost []error
		c, d, r := pipeClient(Config{Version: v, MaxPacketSize: 512, TopicAliasMaximum: 4,
			OnConnectionLost: func(err error) { lost = append(lost, err) },
			OnMessage:        func(m *Message) { _ = len(m.Topic) + len(m.Payload) }}, int(chunk%16))
		p := d.last()
		p.feed(connack(v))
		r.RunUntil(time.Second, c.Connected)
		c.Subscribe("a/#", 2, func(m *Message) {})
		c.Publish("x", []byte("1"), 1, false)
		c.Publish("x", []byte("2"), 2, false)
		r.RunFor(time.Millisecond)
		p.feed(data)
		r.RunFor(time.Second)
		for _, err := range lost {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrProtocol) && !errors.Is(err, ErrPacketTooLarge) && !errors.Is(err, ErrDisconnected) {
				t.Fatalf("connection lost with %v", err)
			}
		}
		if len(lost) > 0 {
			r.RunFor(5 * time.Second)
			if len(d.conns) < 2 {
				t.Fatalf("no reconnection after %v", lost)
			}
		}
	})
}
