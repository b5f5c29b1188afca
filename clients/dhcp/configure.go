package dhcp

import "net/netip"

// configure puts l in force: the stack's address (touched only when it
// changes, since SetAddr forgets neighbours and re-announces), gateway,
// DNS and NTP servers. It reports ev and completes the Start future.
func (c *Client) configure(l Lease, ev Event) {
	if !c.configured || c.lease.Addr != l.Addr || c.lease.Gateway != l.Gateway {
		c.s.SetAddr(l.Addr, l.Gateway)
	}
	l.Event = ev
	c.lease = l
	c.configured = true
	c.keepLease = false
	c.pending = Lease{}
	c.hint = l.Addr.Addr()
	c.naks = 0
	c.state = StateBound
	// Slices of the client's own lease: the stack copies them.
	c.s.SetDNS(c.lease.DNS.Slice())
	c.s.SetNTP(c.lease.NTP.Slice())
	c.notify(c.lease)
	c.first.Complete(c.lease, nil)
}

// unconfigure takes the lease's configuration out of the stack.
func (c *Client) unconfigure() {
	if !c.configured {
		return
	}
	c.s.SetAddr(netip.Prefix{}, netip.Addr{})
	c.s.SetDNS(nil)
	c.s.SetNTP(nil)
	c.configured = false
	c.lease = Lease{}
}
