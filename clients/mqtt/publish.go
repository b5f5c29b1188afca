package mqtt

import (
	"encoding/binary"
	"unsafe"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

// Publish sends payload to topic. It copies both into the outgoing queue,
// encoded, and returns a token that Config.OnDelivered reports on. QoS 1
// and 2 messages are queued while the client is not connected and sent
// once it is (again); a QoS 0 one is refused with ErrNotConnected
// instead (it would promise nothing anyway). Errors: ErrInvalidTopic,
// ErrInvalidQoS, ErrQueueFull (Config.QueueBytes is taken), ErrPacketTooLarge
// (over the broker's Maximum Packet Size, or the whole queue),
// ErrQoSNotSupported and ErrRetainNotSupported (5.0 broker limits),
// ErrClosed. Connected, with room in the queue, it allocates nothing.
func (c *Client) Publish(topic string, payload []byte, qos QoS, retain bool) (Token, error) {
	return c.publish(topic, payload, qos, retain, nil)
}

// PublishWith is Publish with 5.0 properties: payload format, message
// expiry, content type, response topic, correlation data, user
// properties. The client manages topic aliases itself; a Topic Alias or
// Subscription Identifier in props is an error (ErrInvalidConfig).
// Under 3.1.1 props are ignored.
func (c *Client) PublishWith(topic string, payload []byte, qos QoS, retain bool, props *Properties) (Token, error) {
	if props != nil && (props.Has(packet.PropTopicAlias) || props.Has(packet.PropSubscriptionID) || props.SubscriptionIDs != nil) {
		return 0, ErrInvalidConfig
	}
	return c.publish(topic, payload, qos, retain, props)
}

func (c *Client) publish(topic string, payload []byte, qos QoS, retain bool, props *Properties) (Token, error) {
	c.now = c.clockNow()
	switch {
	case c.state == stClosed || c.state == stClosing:
		return 0, ErrClosed
	case qos > ExactlyOnce:
		return 0, ErrInvalidQoS
	case packet.ValidTopicName(topic) != nil:
		return 0, ErrInvalidTopic
	case qos == AtMostOnce && c.state != stConnected:
		c.stats.Failed++
		return 0, ErrNotConnected
	}
	if c.state == stConnected {
		switch {
		case qos > c.brokerQoS:
			return 0, ErrQoSNotSupported
		case retain && c.noRetain:
			return 0, ErrRetainNotSupported
		}
	}
	p := packet.Publish{
		QoS:      qos,
		Retain:   retain,
		Topic:    unsafe.Slice(unsafe.StringData(topic), len(topic)), // read only
		PacketID: 0,                                                  // set when first sent
		Payload:  payload,
	}
	if props != nil && c.cfg.Version == V5 {
		p.Props = *props
	}
	size, err := p.Size(c.cfg.Version)
	if err != nil {
		return 0, err
	}
	if (c.brokerMax > 0 && size > c.brokerMax) || !c.q.fits(size) {
		return 0, ErrPacketTooLarge
	}
	off, ok := c.q.alloc(size)
	if !ok {
		return 0, ErrQueueFull
	}
	start := off + metaLen
	if _, err := p.Append(c.q.buf[start:start:start+size], c.cfg.Version); err != nil {
		// Cannot happen once Size has passed; undo the entry all the same.
		c.q.setState(off, eDone)
		c.q.reclaim()
		return 0, err
	}
	c.nextTok++
	if c.nextTok == 0 {
		c.nextTok = 1
	}
	binary.LittleEndian.PutUint32(c.q.buf[off+4:], uint32(c.nextTok))
	c.q.setPID(off, 0)
	c.q.setState(off, eQueued)
	c.q.setFlags(off, uint8(qos))
	c.stats.Published++
	if c.state == stConnected {
		c.flush()
		if c.ioErr != nil {
			c.wake()
		}
	}
	return c.nextTok, nil
}
