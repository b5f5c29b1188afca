package mqtt

import (
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

// startAttempt begins a connection attempt: a lookup for a name, else the
// dial. ConnectTimeout runs from here to the CONNACK.
func (c *Client) startAttempt() {
	c.deadline = c.now.Add(c.cfg.ConnectTimeout)
	if c.addr.IsValid() {
		c.dial(c.addr)
		return
	}
	c.state = stResolving
	c.lookup = c.cfg.Resolver.LookupA(c.hostName)
	c.lookup.OnComplete(c.lookupFn)
}

func (c *Client) pollLookup() {
	if !c.lookup.Done() {
		return
	}
	res, err := c.lookup.Result()
	c.lookup = nil
	switch {
	case err != nil:
		c.lost(err)
	case res.N == 0:
		c.lost(ErrNoAddress)
	default:
		// Consecutive failures walk through the addresses.
		c.dial(res.Addrs[c.attempt%res.N])
	}
}

func (c *Client) dial(a netip.Addr) {
	conn, err := c.dialer.Dial(netip.AddrPortFrom(a, c.port), c.hostName)
	if err != nil {
		c.state = stDialing // so that lost counts it as a failed attempt
		c.lost(err)
		return
	}
	c.conn = conn
	c.state = stDialing
	conn.OnReadable(c.wakeFn)
	conn.OnWritable(c.wakeFn)
	conn.OnPeerClosed(c.wakeFn)
	conn.OnClosed(c.closedFn)
	conn.ConnectFuture().OnComplete(c.doneFn)
}

func (c *Client) pollDial() {
	f := c.conn.ConnectFuture()
	if !f.Done() {
		return
	}
	if err := f.Err(); err != nil {
		c.lost(err)
		return
	}
	pkt, err := c.connectPacket()
	if err != nil {
		c.lost(err)
		return
	}
	c.opBuf = pkt
	c.w.set(pkt)
	c.state = stConnecting
}

// connectPacket encodes the CONNECT for this attempt.
func (c *Client) connectPacket() ([]byte, error) {
	cfg := &c.cfg
	p := packet.Connect{
		Version:     cfg.Version,
		CleanStart:  cfg.CleanStart,
		KeepAlive:   uint16(cfg.KeepAlive / time.Second),
		ClientID:    bytesOf(cfg.ClientID),
		HasUsername: cfg.Username != "",
		Username:    bytesOf(cfg.Username),
		HasPassword: cfg.Password != nil,
		Password:    cfg.Password,
	}
	if cfg.Version == V5 {
		// Resume the session on reconnection when it can outlive the
		// connection; the first connection starts as configured.
		if c.everUp && cfg.SessionExpiry != 0 {
			p.CleanStart = false
		}
		if c.clientID != "" {
			p.ClientID = bytesOf(c.clientID) // the assigned one, if any
		}
		if cfg.SessionExpiry != 0 {
			p.Props.Set(packet.PropSessionExpiry)
			p.Props.SessionExpiry = seconds(cfg.SessionExpiry)
		}
		if cfg.ReceiveMaximum != 0xffff {
			p.Props.Set(packet.PropReceiveMaximum)
			p.Props.ReceiveMaximum = uint16(cfg.ReceiveMaximum)
		}
		if cfg.MaxPacketSize < packet.MaxPacketSize {
			p.Props.Set(packet.PropMaximumPacketSize)
			p.Props.MaximumPacketSize = uint32(cfg.MaxPacketSize)
		}
		if cfg.TopicAliasMaximum > 0 {
			p.Props.Set(packet.PropTopicAliasMaximum)
			p.Props.TopicAliasMaximum = uint16(cfg.TopicAliasMaximum)
		}
	}
	if w := cfg.Will; w != nil {
		p.Will, p.WillQoS, p.WillRetain = true, w.QoS, w.Retain
		p.WillTopic, p.WillPayload = bytesOf(w.Topic), w.Payload
		if cfg.Version == V5 {
			if w.Properties != nil {
				p.WillProps = *w.Properties
			}
			if w.Delay > 0 {
				p.WillProps.Set(packet.PropWillDelay)
				p.WillProps.WillDelay = seconds(w.Delay)
			}
		}
	}
	return p.Append(c.opBuf[:0])
}

// seconds converts d to whole seconds for a four-byte interval, negative
// meaning the largest (never).
func seconds(d time.Duration) uint32 {
	if d < 0 || d/time.Second > 0xffffffff {
		return 0xffffffff
	}
	return uint32(d / time.Second)
}

// onConnack settles the connection: accepted, it applies what the broker
// announced and sets the session up; refused, it fails the attempt.
func (c *Client) onConnack(p *packet.Connack) error {
	code := p.Code
	if c.cfg.Version != V5 {
		code = packet.V311ConnackCode(code)
	}
	if code != packet.Success {
		return reasonError(ErrRefused, code, &p.Props)
	}
	if p.SessionPresent && c.cfg.Version == V311 && c.cfg.CleanStart {
		return errSessionPresent
	}
	pr := &p.Props
	c.sessionPresent = p.SessionPresent
	c.keepAlive = c.cfg.KeepAlive
	c.window = c.cfg.MaxInflight
	c.brokerMax, c.brokerAliases, c.brokerQoS = 0, 0, ExactlyOnce
	c.noRetain, c.subIDs = false, false
	if c.cfg.Version == V5 {
		if pr.Has(packet.PropServerKeepAlive) {
			c.keepAlive = time.Duration(pr.ServerKeepAlive) * time.Second
		}
		if pr.Has(packet.PropReceiveMaximum) {
			c.window = min(c.window, int(pr.ReceiveMaximum))
		}
		if pr.Has(packet.PropMaximumPacketSize) {
			c.brokerMax = int(min(pr.MaximumPacketSize, packet.MaxPacketSize))
		}
		c.brokerAliases = min(int(pr.TopicAliasMaximum), c.cfg.SendTopicAliases)
		if pr.Has(packet.PropMaximumQoS) {
			c.brokerQoS = QoS(pr.MaximumQoS)
		}
		c.noRetain = pr.Has(packet.PropRetainAvailable) && pr.RetainAvailable == 0
		c.subIDs = !pr.Has(packet.PropSubIDAvailable) || pr.SubIDAvailable == 1
		if pr.Has(packet.PropAssignedClientID) {
			c.clientID = string(pr.AssignedClientID)
		}
	}
	if c.everUp {
		c.stats.Reconnects++
	}
	c.stats.Connects++
	c.everUp = true
	c.attempt = 0
	c.state = stConnected
	c.pingOut = false
	c.resumeSession()
	c.connectFut.Complete(struct{}{}, nil)
	if f := c.cfg.OnConnect; f != nil {
		f(c.sessionPresent)
	}
	return nil
}
