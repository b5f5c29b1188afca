package mqtt

import (
	"errors"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

// Whatever a connected broker sends that breaks the rules ends the
// connection with a typed error (5.0: after a DISCONNECT naming it), and
// the client connects again. Nothing panics.
func TestMalformedFromBroker(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    Version
		b    []byte
		kind error
		code ReasonCode // 5.0 DISCONNECT reason
	}{
		{"reserved type", V311, []byte{0x00, 0x00}, ErrMalformed, 0},
		{"remaining length of 5 bytes", V5, []byte{0x30, 0xff, 0xff, 0xff, 0xff, 0x7f}, ErrMalformed, packet.MalformedPacket},
		{"PUBLISH QoS 3", V311, []byte{0x36, 0x05, 0, 1, 'a', 0, 1}, ErrMalformed, 0},
		{"PUBLISH bad UTF-8", V5, []byte{0x30, 0x04, 0, 1, 0xff, 0}, ErrMalformed, packet.MalformedPacket},
		{"PUBLISH wildcard topic", V311, []byte{0x30, 0x03, 0, 1, '#'}, ErrMalformed, 0},
		{"PUBLISH truncated properties", V5, []byte{0x30, 0x05, 0, 1, 'a', 9, 1}, ErrMalformed, packet.MalformedPacket},
		{"PUBLISH duplicate property", V5, []byte{0x30, 0x08, 0, 1, 'a', 4, 0x01, 0, 0x01, 0}, ErrProtocol, packet.ProtocolError},
		{"PUBACK with flags", V311, []byte{0x41, 0x02, 0, 1}, ErrMalformed, 0},
		{"PUBREL flags 0", V5, []byte{0x60, 0x02, 0, 1}, ErrMalformed, packet.MalformedPacket},
		{"SUBACK without codes", V311, []byte{0x90, 0x02, 0, 1}, ErrMalformed, 0},
		{"PINGRESP with a body", V5, []byte{0xd0, 0x01, 0}, ErrMalformed, packet.MalformedPacket},
		{"second CONNACK", V311, []byte{0x20, 0x02, 0, 0}, ErrProtocol, 0},
		{"SUBSCRIBE from the broker", V5, []byte{0x82, 0x07, 0, 1, 0, 0, 1, 'a', 0}, ErrProtocol, packet.ProtocolError},
		{"PINGREQ from the broker", V311, []byte{0xc0, 0x00}, ErrProtocol, 0},
		{"AUTH without authentication", V5, []byte{0xf0, 0x00}, ErrProtocol, packet.ProtocolError},
		{"AUTH in 3.1.1", V311, []byte{0xf0, 0x00}, ErrMalformed, 0},
		{"SUBACK with two codes for one filter", V5, nil, ErrProtocol, packet.ProtocolError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newNet(t)
			var lost []error
			c := n.connect(Config{Version: tc.v, OnConnectionLost: func(err error) { lost = append(lost, err) }})
			if tc.b == nil { // SUBACK with two codes
				n.b.hook = func(bc *bconn, p *packet.Packet) bool {
					if p.Type == packet.SUBSCRIBE {
						bc.send(must((&packet.Suback{PacketID: p.Subscribe.PacketID, Codes: []byte{0, 1}}).Append(nil, tc.v)))
						return true
					}
					return false
				}
				c.Subscribe("a", 1, nil)
			} else {
				n.b.last().send(tc.b)
			}
			n.run(5*time.Second, "reconnect", func() bool { return c.Stats().Connects == 2 })
			if len(lost) != 1 || !errors.Is(lost[0], tc.kind) {
				t.Fatalf("lost %v, want %v", lost, tc.kind)
			}
			if c.Stats().Malformed != 1 {
				t.Fatalf("Malformed = %d", c.Stats().Malformed)
			}
			d := n.b.of(packet.DISCONNECT)
			if tc.v == V5 && (len(d) != 1 || d[0].code != tc.code) {
				t.Fatalf("DISCONNECT %v, want reason %#x", d, uint8(tc.code))
			}
			if tc.v == V311 && len(d) != 0 {
				t.Fatalf("3.1.1 client sent DISCONNECT %v", d)
			}
		})
	}
}

// A malformed CONNACK fails the attempt; the next one succeeds.
func TestMalformedConnack(t *testing.T) {
	n := newNet(t)
	var failed []error
	first := true
	n.b.hook = func(bc *bconn, p *packet.Packet) bool {
		if p.Type == packet.CONNECT && first {
			first = false
			bc.version = p.Connect.Version
			bc.send([]byte{0x20, 0x02, 0x02, 0x00}) // reserved flag bit
			return true
		}
		return false
	}
	c := n.client(Config{OnConnectFailed: func(err error) { failed = append(failed, err) }})
	n.run(10*time.Second, "connect", c.Connected)
	if len(failed) != 1 || !errors.Is(failed[0], packet.ErrBadConnackFlags) || !errors.Is(failed[0], ErrMalformed) {
		t.Fatalf("failures %v", failed)
	}
}

// A broker that closes the connection cleanly is ErrBrokerClosed.
func TestBrokerCloses(t *testing.T) {
	n := newNet(t)
	var lost []error
	c := n.connect(Config{OnConnectionLost: func(err error) { lost = append(lost, err) }})
	n.b.last().c.Close()
	n.run(5*time.Second, "reconnect", func() bool { return c.Stats().Connects == 2 })
	if len(lost) != 1 || !errors.Is(lost[0], ErrBrokerClosed) {
		t.Fatalf("lost %v", lost)
	}
}
