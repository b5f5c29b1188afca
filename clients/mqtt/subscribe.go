package mqtt

import (
	"github.com/seed947b3480/legation/clients/mqtt/packet"
	"github.com/seed947b3480/legation/reactor"
)

// subscription is a filter the client is subscribed to (or subscribing
// to), with its handler.
type subscription struct {
	filter string
	opts   packet.SubOptions
	h      func(*Message)
	id     uint32 // 5.0 subscription identifier, 0 if none
}

// op is a SUBSCRIBE or UNSUBSCRIBE waiting to be sent or acknowledged.
type op struct {
	unsub  bool
	sub    *subscription // SUBSCRIBE: the subscription it makes
	filter string
	pid    uint16 // while sent
	sent   bool
	subFut *reactor.Future[SubAck]
	unFut  *reactor.Future[struct{}]
}

func (o *op) fail(err error) {
	if o.subFut != nil {
		o.subFut.Complete(SubAck{Reason: packet.UnspecifiedError}, err)
	}
	if o.unFut != nil {
		o.unFut.Complete(struct{}{}, err)
	}
}

// SubOptions are the options of a subscription beyond its QoS (5.0).
type SubOptions struct {
	// NoLocal: the broker does not send back the client's own messages.
	NoLocal bool
	// RetainAsPublished: the retain flag is as published, not cleared.
	RetainAsPublished bool
	// RetainHandling: 0 sends retained messages at subscribe, 1 only if
	// the subscription is new, 2 never.
	RetainHandling uint8
}

// Subscribe subscribes to filter at up to qos, and routes the messages it
// brings to h (nil: to Config.OnMessage). Subscribing again to the same
// filter replaces its QoS and handler. The subscription is in effect (its
// handler set) at once; it is sent now if connected, else at the next
// connection, and made again after every reconnection that finds no
// session. The future completes with the broker's SUBACK: the granted
// QoS, or ErrSubscribeFailed with its reason code (the handler is then
// removed). A filter may use '+' and '#', and under 5.0 be a shared
// subscription ($share/group/filter).
func (c *Client) Subscribe(filter string, qos QoS, h func(m *Message)) *reactor.Future[SubAck] {
	return c.SubscribeWith(filter, qos, SubOptions{}, h)
}

// SubscribeWith is Subscribe with 5.0 subscription options (ignored under
// 3.1.1).
func (c *Client) SubscribeWith(filter string, qos QoS, o SubOptions, h func(m *Message)) *reactor.Future[SubAck] {
	f := reactor.NewFuture[SubAck]()
	var err error
	switch {
	case c.state == stClosed || c.state == stClosing:
		err = ErrClosed
	case qos > ExactlyOnce || o.RetainHandling > 2:
		err = ErrInvalidQoS
	case c.validFilter(filter) != nil:
		err = ErrInvalidTopic
	}
	if err != nil {
		f.Complete(SubAck{Reason: packet.UnspecifiedError}, err)
		return f
	}
	opts := packet.SubOptions(0).WithQoS(qos)
	if c.cfg.Version == V5 {
		if o.NoLocal {
			opts |= packet.NoLocal
		}
		if o.RetainAsPublished {
			opts |= packet.RetainAsPublished
		}
		opts = opts.WithRetainHandling(o.RetainHandling)
	}
	s := &subscription{filter: filter, opts: opts, h: h}
	if c.cfg.Version == V5 {
		c.nextSI++
		if c.nextSI > packet.MaxSubscriptionID {
			c.nextSI = 1
		}
		s.id = c.nextSI
	}
	subs := make([]*subscription, 0, len(c.subs)+1)
	for _, old := range c.subs {
		if old.filter != filter {
			subs = append(subs, old)
		}
	}
	c.subs = append(subs, s)
	c.ops = append(c.ops, &op{sub: s, filter: filter, subFut: f})
	c.kick()
	return f
}

// Unsubscribe ends the subscription to filter: its handler is removed at
// once, and the future completes with the broker's UNSUBACK.
func (c *Client) Unsubscribe(filter string) *reactor.Future[struct{}] {
	f := reactor.NewFuture[struct{}]()
	switch {
	case c.state == stClosed || c.state == stClosing:
		f.Complete(struct{}{}, ErrClosed)
		return f
	case c.validFilter(filter) != nil:
		f.Complete(struct{}{}, ErrInvalidTopic)
		return f
	}
	subs := make([]*subscription, 0, len(c.subs))
	for _, s := range c.subs {
		if s.filter != filter {
			subs = append(subs, s)
		}
	}
	c.subs = subs
	c.ops = append(c.ops, &op{unsub: true, filter: filter, unFut: f})
	c.kick()
	return f
}

func (c *Client) validFilter(f string) error {
	if c.cfg.Version == V5 {
		return packet.ValidSharedFilter(f)
	}
	return packet.ValidTopicFilter(f)
}

// kick writes what is waiting if connected.
func (c *Client) kick() {
	c.now = c.clockNow()
	if c.state == stConnected {
		c.flush()
		if c.ioErr != nil {
			c.wake()
		}
	}
}

// resubscribe queues a SUBSCRIBE for every subscription in effect that
// no queued SUBSCRIBE makes already, before the operations waiting.
func (c *Client) resubscribe() {
	var ops []*op
	for _, s := range c.subs {
		pending := false
		for _, o := range c.ops {
			if o.sub == s {
				pending = true
				break
			}
		}
		if !pending {
			ops = append(ops, &op{sub: s, filter: s.filter})
		}
	}
	if len(ops) > 0 {
		c.ops = append(ops, c.ops...)
	}
}

// nextOp starts writing the next SUBSCRIBE or UNSUBSCRIBE not yet sent on
// this connection; false if there is none.
func (c *Client) nextOp() bool {
	for _, o := range c.ops {
		if o.sent {
			continue
		}
		pid, ok := c.allocID()
		if !ok {
			return false
		}
		var pkt []byte
		var err error
		if o.unsub {
			c.opFilter[0] = bytesOf(o.filter)
			u := packet.Unsubscribe{PacketID: pid, Filters: c.opFilter[:]}
			pkt, err = u.Append(c.opBuf[:0], c.cfg.Version)
		} else {
			c.opSub[0] = packet.Subscription{Filter: bytesOf(o.filter), Options: o.sub.opts}
			s := packet.Subscribe{PacketID: pid, Subscriptions: c.opSub[:]}
			if o.sub.id != 0 && c.subIDs {
				s.Props.Set(packet.PropSubscriptionID)
				s.Props.SubscriptionID = o.sub.id
			}
			pkt, err = s.Append(c.opBuf[:0], c.cfg.Version)
		}
		if err == nil && c.brokerMax > 0 && len(pkt) > c.brokerMax {
			err = ErrPacketTooLarge
		}
		if err != nil {
			c.removeOp(o)
			c.dropSub(o.sub)
			o.fail(err)
			return true
		}
		c.opBuf = pkt
		o.pid, o.sent = pid, true
		c.w.set(pkt)
		return true
	}
	return false
}

func (c *Client) removeOp(o *op) {
	ops := c.ops[:0:0]
	for _, x := range c.ops {
		if x != o {
			ops = append(ops, x)
		}
	}
	c.ops = ops
}

// dropSub removes s from the subscriptions, if it is still there.
func (c *Client) dropSub(s *subscription) {
	if s == nil {
		return
	}
	subs := make([]*subscription, 0, len(c.subs))
	for _, x := range c.subs {
		if x != s {
			subs = append(subs, x)
		}
	}
	c.subs = subs
}

// sentOp returns the operation sent with packet identifier pid.
func (c *Client) sentOp(pid uint16, unsub bool) *op {
	for _, o := range c.ops {
		if o.sent && o.pid == pid && o.unsub == unsub {
			return o
		}
	}
	return nil
}

func (c *Client) onSuback(s *packet.Suback) error {
	o := c.sentOp(s.PacketID, false)
	if o == nil {
		return nil
	}
	if len(s.Codes) != 1 {
		return errAckCount
	}
	c.removeOp(o)
	code := ReasonCode(s.Codes[0])
	if code.IsError() {
		c.dropSub(o.sub)
		if o.subFut != nil {
			o.subFut.Complete(SubAck{Reason: code}, reasonError(ErrSubscribeFailed, code, &s.Props))
		}
		return nil
	}
	if o.subFut != nil {
		o.subFut.Complete(SubAck{QoS: QoS(code), Reason: code}, nil)
	}
	return nil
}

func (c *Client) onUnsuback(u *packet.Unsuback) error {
	o := c.sentOp(u.PacketID, true)
	if o == nil {
		return nil
	}
	if c.cfg.Version == V5 && len(u.Codes) != 1 {
		return errAckCount
	}
	c.removeOp(o)
	var err error
	if c.cfg.Version == V5 && ReasonCode(u.Codes[0]).IsError() {
		err = reasonError(ErrUnsubscribeFailed, ReasonCode(u.Codes[0]), &u.Props)
	}
	o.unFut.Complete(struct{}{}, err)
	return nil
}
