package mqtt

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

func TestConnectPublishSubscribe(t *testing.T) {
	for _, v := range []Version{V311, V5} {
		t.Run(v.String(), func(t *testing.T) {
			n := newNet(t)
			var delivered []Token
			var got []string
			c := n.connect(Config{Version: v, OnDelivered: func(tk Token, err error) {
				if err != nil {
					t.Errorf("delivery %d: %v", tk, err)
				}
				delivered = append(delivered, tk)
			}})
			sub := c.Subscribe("a/+/c", ExactlyOnce, func(m *Message) {
				got = append(got, m.Topic+"="+string(m.Payload)+"@"+string('0'+byte(m.QoS)))
			})
			n.run(time.Second, "suback", sub.Done)
			if ack, err := sub.Result(); err != nil || ack.QoS != ExactlyOnce {
				t.Fatalf("suback %+v %v", ack, err)
			}
			for q := QoS(0); q <= 2; q++ {
				if _, err := c.Publish("a/b/c", []byte("hello"), q, false); err != nil {
					t.Fatal(err)
				}
			}
			n.run(time.Second, "deliveries", func() bool { return len(delivered) == 3 && len(got) == 3 && n.b.count(packet.PUBCOMP) == 1 })
			want := []string{"a/b/c=hello@0", "a/b/c=hello@1", "a/b/c=hello@2"}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("got %q, want %q", got, want)
				}
			}
			b := n.b
			if b.count(packet.PUBACK) != 1 || b.count(packet.PUBREC) != 1 || b.count(packet.PUBCOMP) != 1 || b.count(packet.PUBREL) != 1 {
				t.Fatalf("broker saw acks: PUBACK %d PUBREC %d PUBREL %d PUBCOMP %d", b.count(packet.PUBACK), b.count(packet.PUBREC), b.count(packet.PUBREL), b.count(packet.PUBCOMP))
			}
		})
	}
}
