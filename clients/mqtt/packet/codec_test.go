package packet

import (
	"bytes"
	"errors"
	"testing"
)

// Every sample decodes, and re-encodes to the same bytes.
func TestRoundTrip(t *testing.T) {
	for _, v := range []Version{V311, V5} {
		for name, b := range samples(v) {
			var p Packet
			n, err := Decode(b, v, 0, &p)
			if err != nil || n != len(b) {
				t.Fatalf("%v %s: Decode = %d, %v (% x)", v, name, n, err, b)
			}
			out, err := reencode(&p, v)
			if err != nil {
				t.Fatalf("%v %s: re-encode: %v", v, name, err)
			}
			if !bytes.Equal(out, b) {
				t.Fatalf("%v %s: re-encoded\n% x\nwant\n% x", v, name, out, b)
			}
			// Every prefix is incomplete, never an error or a panic.
			for i := 0; i < len(b); i++ {
				if _, err := Decode(b[:i], v, 0, &p); err != ErrIncomplete {
					t.Fatalf("%v %s: prefix %d: %v, want ErrIncomplete", v, name, i, err)
				}
			}
			if _, err := Decode(b, v, len(b)-1, &p); err != ErrPacketTooLarge {
				t.Fatalf("%v %s: max %d: %v, want ErrPacketTooLarge", v, name, len(b)-1, err)
			}
		}
	}
}

func reencode(p *Packet, v Version) ([]byte, error) {
	switch p.Type {
	case CONNECT:
		return p.Connect.Append(nil)
	case CONNACK:
		return p.Connack.Append(nil, v)
	case PUBLISH:
		return p.Publish.Append(nil, v)
	case PUBACK, PUBREC, PUBREL, PUBCOMP:
		return p.Ack.Append(nil, v)
	case SUBSCRIBE:
		return p.Subscribe.Append(nil, v)
	case SUBACK:
		return p.Suback.Append(nil, v)
	case UNSUBSCRIBE:
		return p.Unsubscribe.Append(nil, v)
	case UNSUBACK:
		return p.Unsuback.Append(nil, v)
	case PINGREQ:
		return AppendPingreq(nil), nil
	case PINGRESP:
		return AppendPingresp(nil), nil
	case DISCONNECT:
		return p.Disconnect.Append(nil, v)
	case AUTH:
		return p.Auth.Append(nil)
	}
	return nil, errors.New("unknown type")
}

// Byte-exact packets, built by hand from the specification's figures.
func TestFixtures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		v     Version
		b     []byte
		check func(t *testing.T, p *Packet)
	}{
		{"3.1.1 CONNECT mosquitto_pub -i pub1 -k 60", V311,
			[]byte{0x10, 0x10, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 60, 0, 4, 'p', 'u', 'b', '1'},
			func(t *testing.T, p *Packet) {
				c := &p.Connect
				if c.Version != V311 || !c.CleanStart || c.KeepAlive != 60 || string(c.ClientID) != "pub1" || c.Will || c.HasUsername {
					t.Fatalf("%+v", c)
				}
			}},
		{"5.0 CONNECT with session expiry", V5,
			[]byte{0x10, 0x13, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x00, 0, 30, 5, 0x11, 0, 0, 0x0e, 0x10, 0, 1, 'x'},
			func(t *testing.T, p *Packet) {
				c := &p.Connect
				if c.Version != V5 || c.CleanStart || c.Props.SessionExpiry != 3600 || string(c.ClientID) != "x" {
					t.Fatalf("%+v", c)
				}
			}},
		{"5.0 CONNACK with limits", V5,
			[]byte{0x20, 0x09, 0x00, 0x00, 0x06, 0x21, 0x00, 0x14, 0x22, 0x00, 0x0a},
			func(t *testing.T, p *Packet) {
				pr := &p.Connack.Props
				if p.Connack.Code != Success || pr.TopicAliasMaximum != 10 || pr.ReceiveMaximum != 20 {
					t.Fatalf("%+v", p.Connack)
				}
			}},
		{"3.1.1 PUBLISH QoS 1", V311,
			[]byte{0x32, 0x0a, 0, 3, 'a', '/', 'b', 0x00, 0x01, 'h', 'i', '!'},
			func(t *testing.T, p *Packet) {
				m := &p.Publish
				if m.QoS != 1 || string(m.Topic) != "a/b" || m.PacketID != 1 || string(m.Payload) != "hi!" {
					t.Fatalf("%+v", m)
				}
			}},
		{"5.0 PUBACK short form", V5, []byte{0x40, 0x02, 0x00, 0x05},
			func(t *testing.T, p *Packet) {
				if p.Ack.PacketID != 5 || p.Ack.Code != Success {
					t.Fatalf("%+v", p.Ack)
				}
			}},
		{"5.0 DISCONNECT 0x8e", V5, []byte{0xe0, 0x01, 0x8e},
			func(t *testing.T, p *Packet) {
				if p.Disconnect.Code != SessionTakenOver {
					t.Fatalf("%+v", p.Disconnect)
				}
			}},
	} {
		var p Packet
		n, err := Decode(tc.b, tc.v, 0, &p)
		if err != nil || n != len(tc.b) {
			t.Fatalf("%s: %d, %v", tc.name, n, err)
		}
		tc.check(t, &p)
		out, err := reencode(&p, tc.v)
		if err != nil || !bytes.Equal(out, tc.b) {
			t.Fatalf("%s: re-encoded % x, %v", tc.name, out, err)
		}
	}
}

// Malformed and forbidden input: each case is a packet with one rule
// broken, and the error it must give.
func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    Version
		b    []byte
		want error
	}{
		{"type 0", V311, []byte{0x00, 0x00}, ErrReservedType},
		{"AUTH in 3.1.1", V311, []byte{0xf0, 0x00}, ErrReservedType},
		{"remaining length 5 bytes", V311, []byte{0x30, 0xff, 0xff, 0xff, 0xff, 0x01}, ErrRemainingLength},
		{"remaining length not minimal", V311, []byte{0xd0, 0x80, 0x00}, ErrRemainingLength},
		{"PINGRESP with flags", V311, []byte{0xd1, 0x00}, ErrBadFlags},
		{"PINGRESP with body", V311, []byte{0xd0, 0x01, 0x00}, ErrTrailingBytes},
		{"PUBREL flags 0", V311, []byte{0x60, 0x02, 0x00, 0x01}, ErrBadFlags},
		{"SUBSCRIBE flags 0", V311, []byte{0x80, 0x06, 0, 1, 0, 1, 'a', 0}, ErrBadFlags},
		{"PUBACK id 0", V311, []byte{0x40, 0x02, 0x00, 0x00}, ErrZeroPacketID},
		{"PUBACK 3 bytes in 3.1.1", V311, []byte{0x40, 0x03, 0x00, 0x01, 0x00}, ErrTrailingBytes},
		{"PUBACK truncated", V311, []byte{0x40, 0x01, 0x00}, ErrTruncated},
		{"PUBLISH QoS 3", V311, []byte{0x36, 0x05, 0, 1, 'a', 0, 1}, ErrBadQoS},
		{"PUBLISH QoS 0 DUP", V311, []byte{0x38, 0x03, 0, 1, 'a'}, ErrBadQoS},
		{"PUBLISH wildcard topic", V311, []byte{0x30, 0x03, 0, 1, '#'}, ErrBadTopicName},
		{"PUBLISH + topic", V311, []byte{0x30, 0x05, 0, 3, 'a', '/', '+'}, ErrBadTopicName},
		{"PUBLISH empty topic 3.1.1", V311, []byte{0x30, 0x02, 0, 0}, ErrBadTopicName},
		{"PUBLISH empty topic no alias 5.0", V5, []byte{0x30, 0x03, 0, 0, 0}, ErrBadTopicName},
		{"PUBLISH topic NUL", V311, []byte{0x30, 0x03, 0, 1, 0}, ErrNullChar},
		{"PUBLISH topic bad UTF-8", V311, []byte{0x30, 0x03, 0, 1, 0xff}, ErrBadUTF8},
		{"PUBLISH topic surrogate", V311, []byte{0x30, 0x05, 0, 3, 0xed, 0xa0, 0x80}, ErrBadUTF8},
		{"PUBLISH topic overlong", V311, []byte{0x30, 0x04, 0, 2, 0xc0, 0x80}, ErrBadUTF8},
		{"PUBLISH topic past end", V311, []byte{0x30, 0x03, 0, 5, 'a'}, ErrTruncated},
		{"PUBLISH id 0", V311, []byte{0x32, 0x05, 0, 1, 'a', 0, 0}, ErrZeroPacketID},
		{"PUBLISH props past end", V5, []byte{0x30, 0x05, 0, 1, 'a', 5, 1}, ErrTruncated},
		{"PUBLISH unknown property", V5, []byte{0x30, 0x06, 0, 1, 'a', 2, 0x7f, 0}, ErrBadProperty},
		{"PUBLISH session expiry", V5, []byte{0x30, 0x09, 0, 1, 'a', 5, 0x11, 0, 0, 0, 1}, ErrPropertyNotAllowed},
		{"PUBLISH payload format twice", V5, []byte{0x30, 0x08, 0, 1, 'a', 4, 0x01, 0, 0x01, 0}, ErrDuplicateProperty},
		{"PUBLISH payload format 2", V5, []byte{0x30, 0x06, 0, 1, 'a', 2, 0x01, 2}, ErrBadPropertyValue},
		{"PUBLISH topic alias 0", V5, []byte{0x30, 0x07, 0, 1, 'a', 3, 0x23, 0, 0}, ErrBadPropertyValue},
		{"PUBLISH topic alias twice", V5, []byte{0x30, 0x0a, 0, 1, 'a', 6, 0x23, 0, 1, 0x23, 0, 1}, ErrDuplicateProperty},
		{"PUBLISH subscription id 0", V5, []byte{0x30, 0x06, 0, 1, 'a', 2, 0x0b, 0}, ErrBadPropertyValue},
		{"PUBLISH user property bad UTF-8", V5, []byte{0x30, 0x0c, 0, 1, 'a', 8, 0x26, 0, 1, 0xfe, 0, 1, 'v', 0}, ErrBadUTF8},
		{"PUBLISH response topic wildcard", V5, []byte{0x30, 0x08, 0, 1, 'a', 4, 0x08, 0, 1, '#'}, ErrBadTopicName},
		{"PUBLISH props varint not minimal", V5, []byte{0x30, 0x06, 0, 1, 'a', 0x80, 0x00, 0}, ErrBadVarint},
		{"CONNACK reserved flag", V311, []byte{0x20, 0x02, 0x02, 0x00}, ErrBadConnackFlags},
		{"CONNACK session present refused", V311, []byte{0x20, 0x02, 0x01, 0x05}, ErrBadConnackFlags},
		{"CONNACK code 6 in 3.1.1", V311, []byte{0x20, 0x02, 0x00, 0x06}, ErrBadReasonCode},
		{"CONNACK code 0x10 in 5.0", V5, []byte{0x20, 0x03, 0x00, 0x10, 0}, ErrBadReasonCode},
		{"CONNACK receive maximum 0", V5, []byte{0x20, 0x06, 0x00, 0x00, 3, 0x21, 0, 0}, ErrBadPropertyValue},
		{"CONNACK maximum QoS 2", V5, []byte{0x20, 0x05, 0x00, 0x00, 2, 0x24, 2}, ErrBadPropertyValue},
		{"CONNACK max packet size 0", V5, []byte{0x20, 0x08, 0x00, 0x00, 5, 0x27, 0, 0, 0, 0}, ErrBadPropertyValue},
		{"CONNACK topic alias in it", V5, []byte{0x20, 0x06, 0x00, 0x00, 3, 0x23, 0, 1}, ErrPropertyNotAllowed},
		{"CONNACK 3.1.1 long", V311, []byte{0x20, 0x03, 0x00, 0x00, 0x00}, ErrTrailingBytes},
		{"PUBACK bad reason", V5, []byte{0x40, 0x03, 0x00, 0x01, 0x92}, ErrBadReasonCode},
		{"PUBREL bad reason", V5, []byte{0x62, 0x03, 0x00, 0x01, 0x10}, ErrBadReasonCode},
		{"PUBACK subscription id", V5, []byte{0x40, 0x06, 0x00, 0x01, 0x00, 2, 0x0b, 1}, ErrPropertyNotAllowed},
		{"SUBACK empty", V311, []byte{0x90, 0x02, 0x00, 0x01}, ErrNoPayload},
		{"SUBACK code 3", V311, []byte{0x90, 0x03, 0x00, 0x01, 0x03}, ErrBadReasonCode},
		{"SUBACK code 0x83 in 3.1.1", V311, []byte{0x90, 0x03, 0x00, 0x01, 0x83}, ErrBadReasonCode},
		{"UNSUBACK 5.0 no codes", V5, []byte{0xb0, 0x03, 0x00, 0x01, 0x00}, ErrNoPayload},
		{"UNSUBACK 3.1.1 with codes", V311, []byte{0xb0, 0x03, 0x00, 0x01, 0x00}, ErrTrailingBytes},
		{"DISCONNECT 3.1.1 with body", V311, []byte{0xe0, 0x01, 0x00}, ErrTrailingBytes},
		{"DISCONNECT bad reason", V5, []byte{0xe0, 0x01, 0x01}, ErrBadReasonCode},
		{"AUTH bad reason", V5, []byte{0xf0, 0x01, 0x01}, ErrBadReasonCode},
		{"SUBSCRIBE empty", V311, []byte{0x82, 0x02, 0, 1}, ErrNoPayload},
		{"SUBSCRIBE bad filter", V311, []byte{0x82, 0x07, 0, 1, 0, 2, 'a', '#', 0}, ErrBadTopicFilter},
		{"SUBSCRIBE QoS 3", V311, []byte{0x82, 0x06, 0, 1, 0, 1, 'a', 3}, ErrBadSubOptions},
		{"SUBSCRIBE 3.1.1 no local", V311, []byte{0x82, 0x06, 0, 1, 0, 1, 'a', 4}, ErrBadSubOptions},
		{"SUBSCRIBE retain handling 3", V5, []byte{0x82, 0x07, 0, 1, 0, 0, 1, 'a', 0x30}, ErrBadSubOptions},
		{"SUBSCRIBE two subscription ids", V5, []byte{0x82, 0x0b, 0, 1, 4, 0x0b, 1, 0x0b, 2, 0, 1, 'a', 0}, ErrDuplicateProperty},
		{"SUBSCRIBE filter missing options", V311, []byte{0x82, 0x05, 0, 1, 0, 1, 'a'}, ErrTruncated},
		{"SUBSCRIBE shared empty name", V5, []byte{0x82, 0x0f, 0, 1, 0, 0, 9, '$', 's', 'h', 'a', 'r', 'e', '/', '/', 'a', 0}, ErrBadTopicFilter},
		{"UNSUBSCRIBE empty", V311, []byte{0xa2, 0x02, 0, 1}, ErrNoPayload},
		{"CONNECT bad name", V311, []byte{0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'X', 4, 2, 0, 0, 0, 0}, ErrBadProtocolName},
		{"CONNECT level 3", V311, []byte{0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'T', 3, 2, 0, 0, 0, 0}, ErrUnsupportedVersion},
		{"CONNECT reserved flag", V311, []byte{0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'T', 4, 3, 0, 0, 0, 0}, ErrBadConnectFlags},
		{"CONNECT will QoS without will", V311, []byte{0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x0a, 0, 0, 0, 0}, ErrBadConnectFlags},
		{"CONNECT password without user 3.1.1", V311, []byte{0x10, 0x0e, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x42, 0, 0, 0, 0, 0, 0}, ErrBadConnectFlags},
		{"CONNECT will QoS 3", V311, []byte{0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x1e, 0, 0, 0, 0}, ErrBadConnectFlags},
	} {
		var p Packet
		_, err := Decode(tc.b, tc.v, 0, &p)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			continue
		}
		kind := ErrMalformed
		if err.(Error).kind() == ErrProtocol {
			kind = ErrProtocol
		}
		if !errors.Is(err, kind) {
			t.Errorf("%s: %v is not %v", tc.name, err, kind)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	for _, tc := range []struct {
		err  Error
		kind error
		code ReasonCode
	}{
		{ErrBadUTF8, ErrMalformed, MalformedPacket},
		{ErrTruncated, ErrMalformed, MalformedPacket},
		{ErrDuplicateProperty, ErrProtocol, ProtocolError},
		{ErrBadPropertyValue, ErrProtocol, ProtocolError},
		{ErrUnsupportedVersion, ErrProtocol, UnsupportedProtocolVersion},
		{ErrPacketTooLarge, ErrPacketTooLarge, PacketTooLarge},
	} {
		if !errors.Is(tc.err, tc.kind) || tc.err.ReasonCode() != tc.code {
			t.Errorf("%v: kind %v code %v", tc.err, tc.kind, tc.err.ReasonCode())
		}
	}
	if errors.Is(ErrIncomplete, ErrMalformed) || errors.Is(ErrPacketTooLarge, ErrMalformed) || errors.Is(ErrBadUTF8, ErrProtocol) {
		t.Fatal("kinds overlap")
	}
	for e := Error(1); e < errorCount; e++ {
		if e.Error() == "mqtt: unknown codec error" {
			t.Errorf("error %d has no text", e)
		}
	}
}

func TestVarint(t *testing.T) {
	for _, v := range []int{0, 1, 127, 128, 16383, 16384, 2097151, 2097152, MaxRemainingLength} {
		b := AppendVarint(nil, v)
		if len(b) != VarintLen(v) {
			t.Fatalf("%d: len %d, VarintLen %d", v, len(b), VarintLen(v))
		}
		got, n, err := ReadVarint(b)
		if err != nil || got != v || n != len(b) {
			t.Fatalf("%d: read %d %d %v", v, got, n, err)
		}
	}
	for _, b := range [][]byte{{0x80, 0x80, 0x80, 0x80, 0x01}, {0x80, 0x00}, {0xff, 0x80, 0x00}} {
		if _, _, err := ReadVarint(b); err != ErrBadVarint {
			t.Fatalf("% x: %v", b, err)
		}
	}
	if _, _, err := ReadVarint([]byte{0x80}); err != ErrIncomplete {
		t.Fatal(err)
	}
}

func TestEncodeLimits(t *testing.T) {
	long := make([]byte, 0x10000)
	p := Publish{Topic: long}
	if _, err := p.Append(nil, V311); err != ErrStringTooLong {
		t.Fatalf("long topic: %v", err)
	}
	c := Connect{Version: V5, ClientID: []byte("a")}
	c.Props.Set(PropTopicAlias)
	if _, err := c.Append(nil); err != ErrPropertyNotAllowed {
		t.Fatalf("topic alias in CONNECT: %v", err)
	}
	if _, err := (&Subscribe{PacketID: 1}).Append(nil, V311); err != ErrNoPayload {
		t.Fatalf("empty SUBSCRIBE: %v", err)
	}
	big := Publish{Topic: []byte("t"), Payload: make([]byte, MaxRemainingLength)}
	if _, err := big.Size(V311); err != ErrPacketTooLarge {
		t.Fatalf("huge PUBLISH: %v", err)
	}
}

// The user properties and subscription identifiers of a decoded packet
// come back in order, as they were sent.
func TestRepeatedProperties(t *testing.T) {
	b := samples(V5)["publish"]
	var p Packet
	if _, err := Decode(b, V5, 0, &p); err != nil {
		t.Fatal(err)
	}
	var kv []string
	for k, v := range p.Publish.Props.UserProperties {
		kv = append(kv, string(k)+"="+string(v))
	}
	var ids []uint32
	for id := range p.Publish.Props.SubscriptionIdentifiers {
		ids = append(ids, id)
	}
	if len(kv) != 2 || kv[0] != "k=v" || kv[1] != "k=w" || len(ids) != 2 || ids[0] != 1 || ids[1] != 300 || p.Publish.Props.SubscriptionID != 1 {
		t.Fatalf("user %q ids %v", kv, ids)
	}
}

func TestDecodeAllocs(t *testing.T) {
	var all [][]byte
	for _, b := range samples(V5) {
		all = append(all, b)
	}
	var p Packet
	n := testing.AllocsPerRun(100, func() {
		for _, b := range all {
			if _, err := Decode(b, V5, 0, &p); err != nil {
				panic(err)
			}
			for range p.Publish.Props.UserProperties {
			}
		}
	})
	if n != 0 {
		t.Fatalf("%v allocations per decode round", n)
	}
	buf := make([]byte, 0, 256)
	m := Publish{QoS: 1, PacketID: 1, Topic: []byte("a/b"), Payload: []byte("x")}
	n = testing.AllocsPerRun(100, func() {
		if _, err := m.Append(buf[:0], V5); err != nil {
			panic(err)
		}
	})
	if n != 0 {
		t.Fatalf("%v allocations per PUBLISH encode", n)
	}
}
