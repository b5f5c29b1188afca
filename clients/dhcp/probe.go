package dhcp

import "net/netip"

// Before it takes an acknowledged address the client asks, by ARP probes
// from 0.0.0.0, whether anyone holds it (RFC 2131 3.1.5, RFC 5227 2.1).
// The stack watches the replies; the client looks at each poll.

func (c *Client) startProbe(l Lease) {
	c.pending = l
	c.state = StateProbing
	c.probesSent = 0
	c.probeNext = c.now
}

func (c *Client) probeStep() {
	ip := c.pending.Addr.Addr()
	if c.s.ProbeConflict(ip) {
		c.decline()
		return
	}
	if c.now < c.probeNext {
		return
	}
	if c.probesSent < c.cfg.ProbeCount {
		if !c.s.ProbeARP(ip) {
			// The device had no room: try again soon, not at once.
			c.probeNext = c.now.Add(c.cfg.ProbeInterval / 10)
			return
		}
		c.probesSent++
		c.stats.Probes++
		c.probeNext = c.now.Add(c.cfg.ProbeInterval)
		return
	}
	c.s.EndProbe()
	c.configure(c.pending, EventBound)
}

// decline refuses an address another host holds, and starts over after
// Config.DeclineWait (RFC 2131 3.1.5).
func (c *Client) decline() {
	c.s.EndProbe()
	c.sendDecline()
	l := c.pending
	l.Event = EventDeclined
	c.pending = Lease{}
	c.hint = netip.Addr{} // in use by someone else: do not ask for it again
	c.notify(l)
	c.init(c.cfg.DeclineWait)
}
