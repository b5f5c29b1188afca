package mqtt

import (
	"unsafe"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

// onPublish takes an application message from the broker: it resolves a
// 5.0 topic alias, delivers the message (a QoS 2 one only the first time
// its packet identifier is seen before the PUBREL) and acknowledges it
// after the handlers have run.
func (c *Client) onPublish(p *packet.Publish) error {
	topic := p.Topic
	if c.cfg.Version == V5 && p.Props.Has(packet.PropTopicAlias) {
		a := int(p.Props.TopicAlias)
		if a > c.cfg.TopicAliasMaximum {
			return errTopicAlias
		}
		if len(topic) > 0 {
			c.inAlias[a] = append(c.inAlias[a][:0], topic...)
		} else if topic = c.inAlias[a]; len(topic) == 0 {
			return errTopicAlias
		}
	}
	switch p.QoS {
	case AtMostOnce:
		c.deliver(topic, p)
	case AtLeastOnce:
		c.deliver(topic, p)
		c.ctrlAck(packet.PUBACK, p.PacketID, packet.Success)
	case ExactlyOnce:
		if c.qos2.has(p.PacketID) {
			c.stats.Duplicates++
		} else {
			if c.cfg.Version == V5 && c.qos2.n >= c.cfg.ReceiveMaximum {
				return errReceiveMaximum
			}
			c.qos2.add(p.PacketID)
			c.deliver(topic, p)
		}
		c.ctrlAck(packet.PUBREC, p.PacketID, packet.Success)
	}
	return nil
}

// deliver hands a message to the handlers of the subscriptions it came
// for: under 5.0 those named by its subscription identifiers, else every
// subscription whose filter matches its topic; and to OnMessage when
// there is none.
func (c *Client) deliver(topic []byte, p *packet.Publish) {
	m := &c.msg
	*m = Message{
		Payload:   p.Payload,
		QoS:       p.QoS,
		Retain:    p.Retain,
		Duplicate: p.Dup,
		PacketID:  p.PacketID,
	}
	if len(topic) > 0 {
		// A view of the receive buffer, valid during the callbacks only
		// (as Message says): no copy, no allocation.
		m.Topic = unsafe.String(&topic[0], len(topic))
	}
	if c.cfg.Version == V5 {
		m.Properties = &p.Props
	}
	c.stats.Received++
	handled := false
	subs := c.subs // a handler may subscribe or unsubscribe: copy-on-write
	if c.subIDs && p.Props.Has(packet.PropSubscriptionID) {
		for id := range p.Props.SubscriptionIdentifiers {
			for _, s := range subs {
				if s.id == id && s.h != nil {
					s.h(m)
					handled = true
				}
			}
		}
	}
	if !handled {
		// 3.1.1, or identifiers that name no live subscription (one
		// replaced since): match the filters.
		for _, s := range subs {
			if s.h != nil && packet.MatchTopic(s.filter, m.Topic) {
				s.h(m)
				handled = true
			}
		}
	}
	if !handled && c.cfg.OnMessage != nil {
		c.cfg.OnMessage(m)
	}
}

// entryFor returns the queue entry holding packet identifier pid, or -1.
func (c *Client) entryFor(pid uint16) int {
	if i := c.findSlot(pid); i >= 0 {
		return int(c.slots[i].off)
	}
	return -1
}

func (c *Client) onPuback(a *packet.Ack) error {
	off := c.entryFor(a.PacketID)
	if off < 0 || c.q.qos(off) != AtLeastOnce || c.q.state(off) != eSent {
		return nil // not ours (any more): nothing to do
	}
	if c.w.ent == off && !c.w.done() {
		return errAckEarly
	}
	c.finish(off, ackError(a))
	return nil
}

func (c *Client) onPubrec(a *packet.Ack) error {
	off := c.entryFor(a.PacketID)
	if off < 0 || c.q.qos(off) != ExactlyOnce {
		// 5.0 4.3.3: answer an unknown identifier so the broker can end
		// its flow.
		c.ctrlAck(packet.PUBREL, a.PacketID, packet.PacketIdentifierNotFound)
		return nil
	}
	if c.w.ent == off && !c.w.done() {
		return errAckEarly
	}
	switch c.q.state(off) {
	case eSent:
		if err := ackError(a); err != nil {
			c.finish(off, err)
			return nil
		}
		c.q.setState(off, eRel)
		fallthrough
	case eRel:
		c.q.setFlags(off, c.q.flags(off)&^entryRelDue)
		c.ctrlAck(packet.PUBREL, a.PacketID, packet.Success)
	}
	return nil
}

func (c *Client) onPubcomp(a *packet.Ack) error {
	off := c.entryFor(a.PacketID)
	if off < 0 || c.q.qos(off) != ExactlyOnce || c.q.state(off) != eRel {
		return nil
	}
	// PacketIdentifierNotFound: the broker has no state left for it; the
	// message went through at PUBREC.
	c.finish(off, nil)
	return nil
}

// onPubrel ends an incoming QoS 2 flow: the identifier may be used for a
// new message from here on.
func (c *Client) onPubrel(a *packet.Ack) error {
	code := packet.Success
	if !c.qos2.has(a.PacketID) && c.cfg.Version == V5 {
		code = packet.PacketIdentifierNotFound
	}
	c.qos2.remove(a.PacketID)
	c.ctrlAck(packet.PUBCOMP, a.PacketID, code)
	return nil
}

// ackError is the error a 5.0 PUBACK or PUBREC reports, nil for success.
func ackError(a *packet.Ack) error {
	if !a.Code.IsError() {
		return nil
	}
	return reasonError(ErrPublishFailed, a.Code, &a.Props)
}

// finish ends a queue entry: its identifier is free again, its space is
// reclaimed once it is the oldest, and OnDelivered hears of it.
func (c *Client) finish(off int, err error) {
	q := &c.q
	if s := q.state(off); s == eSent || s == eRel {
		c.nInflight--
	}
	if pid := q.pid(off); pid != 0 {
		if i := c.findSlot(pid); i >= 0 {
			c.slots[i] = slot{}
		}
	}
	tok := q.token(off)
	q.setState(off, eDone)
	q.reclaim()
	if err == nil {
		c.stats.Delivered++
	} else {
		c.stats.Failed++
	}
	if f := c.cfg.OnDelivered; f != nil {
		f(tok, err)
	}
}
