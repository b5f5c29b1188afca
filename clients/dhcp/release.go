package dhcp

import "github.com/seed947b3480/legation/reactor"

// releaseStep finishes a Release once the RELEASE has left (the socket
// counted it and the next hop is resolved, so it is not parked waiting on
// ARP) or ReleaseLinger has passed: removing the address sooner would drop
// the message with it.
func (c *Client) releaseStep() {
	if c.releaseBy == reactor.Never {
		c.releaseBy = c.now.Add(c.cfg.ReleaseLinger)
	}
	sent := c.sock.Stats().TxDatagrams > c.releaseTx
	_, resolved := c.s.Neighbor(c.releaseHop)
	if !(sent && resolved) && c.now < c.releaseBy {
		return
	}
	l := c.lease
	l.Event = EventReleased
	c.unconfigure()
	c.hint = l.Addr.Addr()
	c.state = StateStopped
	c.sock.Close()
	c.first.Complete(Lease{}, ErrStopped)
	c.notify(l)
}
