package dhcp

import (
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// receive handles every queued datagram, parsing each in place.
func (c *Client) receive() {
	for c.state != StateStopped {
		from, p, ok := c.sock.Peek()
		if !ok {
			return
		}
		c.handle(from, p)
		if c.state == StateStopped {
			return // a callback stopped the client and closed the socket
		}
		c.sock.Discard()
	}
}

func (c *Client) handle(from netip.AddrPort, b []byte) {
	var m wire.DHCPv4Repr
	p, err := wire.NewDHCPv4Packet(b)
	if err == nil {
		err = m.Parse(p)
	}
	if err != nil || m.Op != wire.DHCPv4BootReply || m.XID != c.xid || m.ClientHW != c.mac {
		c.stats.Ignored++
		return
	}
	switch {
	case m.MessageType == wire.DHCPOffer && c.state == StateSelecting:
		c.onOffer(&m, from)
	case m.MessageType == wire.DHCPAck && c.awaitingAck():
		c.onAck(&m, from)
	case m.MessageType == wire.DHCPNak && c.awaitingAck():
		c.onNak(&m)
	default:
		c.stats.Ignored++
	}
}

func (c *Client) awaitingAck() bool {
	switch c.state {
	case StateRequesting, StateRebooting, StateRenewing, StateRebinding:
		return true
	}
	return false
}

func (c *Client) onOffer(m *wire.DHCPv4Repr, from netip.AddrPort) {
	l, ok := leaseFrom(m, from)
	if !ok {
		c.stats.Ignored++
		return
	}
	c.stats.Offers++
	c.pending = l
	// The REQUEST keeps the DISCOVER's xid (RFC 2131 4.4.1).
	c.state = StateRequesting
	c.attempts = 0
	c.reqSent = c.now
	c.sendRequest()
}

func (c *Client) onAck(m *wire.DHCPv4Repr, from netip.AddrPort) {
	l, ok := leaseFrom(m, from)
	if !ok || m.LeaseTime == 0 || c.state == StateRequesting && l.Server != c.pending.Server {
		// An ACK to a REQUEST must carry the lease time (RFC 2131 table
		// 3), and in REQUESTING only the chosen server's counts.
		c.stats.Ignored++
		return
	}
	c.stats.Acks++
	setTimes(&l, m, c.reqSent)
	switch c.state {
	case StateRenewing:
		c.configure(l, EventRenewed)
	case StateRebinding:
		c.configure(l, EventRebound)
	default: // REQUESTING, REBOOTING
		if c.configured && c.keepLease && l.Addr.Addr() == c.lease.Addr.Addr() {
			// Confirmed after a link flap: the stack already holds it.
			c.configure(l, EventBound)
			return
		}
		if c.configured {
			c.unconfigure() // a different address than we held: the old one goes
		}
		if c.cfg.ProbeCount > 0 {
			c.startProbe(l)
			return
		}
		c.configure(l, EventBound)
	}
}

func (c *Client) onNak(m *wire.DHCPv4Repr) {
	if c.state == StateRequesting && m.ServerID.IsValid() && m.ServerID != c.pending.Server {
		c.stats.Ignored++ // another server refusing a REQUEST meant for ours
		return
	}
	c.stats.Naks++
	l := c.pending
	if c.configured {
		l = c.lease
		c.unconfigure()
	} else if c.state == StateRebooting {
		l = Lease{Addr: netip.PrefixFrom(c.hint, 32)}
	}
	l.Event = EventNAK
	c.pending = Lease{}
	c.hint = netip.Addr{} // refused: do not ask for it again
	c.naks++
	// Start over at once after a NAK, but back off if servers keep
	// refusing, so a confused server cannot make us flood the link.
	delay := time.Duration(0)
	if c.naks > 1 {
		delay = c.cfg.RetransmitBase << min(c.naks-2, 4)
		delay = min(delay, c.cfg.RetransmitMax)
	}
	c.notify(l)
	c.init(delay)
}

// leaseFrom reads an OFFER or ACK into a Lease, without its times. ok is
// false when the offered address or mask is unusable.
func leaseFrom(m *wire.DHCPv4Repr, from netip.AddrPort) (l Lease, ok bool) {
	yi := m.YourAddr
	if !usableUnicast(yi) {
		return l, false
	}
	bits, ok := m.SubnetBits()
	if !m.SubnetMask.IsValid() {
		bits, ok = classfulBits(yi), true
	}
	if !ok || bits == 0 {
		return l, false
	}
	l.Addr = netip.PrefixFrom(yi, bits)
	l.Server = m.ServerID
	if !l.Server.IsValid() {
		l.Server = from.Addr()
	}
	for _, r := range m.Routers.Slice() {
		if l.Addr.Contains(r) && r != yi && usableUnicast(r) {
			l.Gateway = r
			break
		}
	}
	for _, a := range m.DNS.Slice() {
		if usableUnicast(a) {
			l.DNS.Add(a)
		}
	}
	for _, a := range m.NTP.Slice() {
		if usableUnicast(a) {
			l.NTP.Add(a)
		}
	}
	return l, true
}

// setTimes fills the lease times from the ACK, counted from start. T1 and
// T2 default to 0.5 and 0.875 of the lease (RFC 2131 4.4.5); server values
// are used when they fit inside the lease and in order.
func setTimes(l *Lease, m *wire.DHCPv4Repr, start reactor.Instant) {
	l.Start = start
	if m.LeaseTime == wire.DHCPv4Infinite {
		l.Duration, l.T1, l.T2 = Infinite, Infinite, Infinite
		l.Renew, l.Rebind, l.Expires = reactor.Never, reactor.Never, reactor.Never
		return
	}
	secs := time.Duration(m.LeaseTime) * time.Second
	t1, t2 := secs/2, secs*7/8
	if v := time.Duration(m.RenewalTime) * time.Second; v > 0 && v <= secs {
		t1 = v
	}
	if v := time.Duration(m.RebindingTime) * time.Second; v > 0 && v <= secs {
		t2 = v
	}
	if t1 > t2 {
		t1, t2 = secs/2, secs*7/8
	}
	l.Duration, l.T1, l.T2 = secs, t1, t2
	l.Renew, l.Rebind, l.Expires = start.Add(t1), start.Add(t2), start.Add(secs)
}

// usableUnicast reports an address a host may hold or talk to: not 0/8,
// loopback, multicast, reserved or the limited broadcast.
func usableUnicast(a netip.Addr) bool {
	if !a.Is4() {
		return false
	}
	b := a.As4()
	return b[0] != 0 && b[0] != 127 && b[0] < 224
}

// classfulBits is the mask RFC 1122 3.3.1.3 implies when a server sends
// none: /8, /16 or /24 by the address's class.
func classfulBits(a netip.Addr) int {
	switch b := a.As4(); {
	case b[0] < 128:
		return 8
	case b[0] < 192:
		return 16
	}
	return 24
}
