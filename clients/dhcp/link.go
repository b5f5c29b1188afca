package dhcp

// A client that loses its link may wake up on another network. When the
// link comes back it confirms its lease with INIT-REBOOT (RFC 2131 3.2),
// keeping the address meanwhile since the lease still holds; an exchange
// that was in progress starts over.

func (c *Client) watchLink() {
	if c.cfg.LinkCheckInterval < 0 {
		c.linkUp = true
		return
	}
	up := c.s.LinkUp()
	if up == c.linkUp {
		return
	}
	c.linkUp = up
	if !up {
		c.linkWentDown = true
		if c.state == StateProbing {
			c.s.EndProbe()
		}
		return
	}
	if c.linkWentDown {
		c.linkWentDown = false
		c.restart()
	}
}

func (c *Client) restart() {
	switch {
	case c.state == StateReleasing:
	case c.state == StateInit && c.nextSend > c.now:
		// Still waiting out a DECLINE or a NAK backoff: keep waiting.
	case c.configured:
		c.keepLease = true
		c.hint = c.lease.Addr.Addr()
		c.initReboot(0)
	case c.cfg.RequestedAddr.IsValid() && c.hint == c.cfg.RequestedAddr:
		c.initReboot(0)
	default:
		c.pending = Lease{}
		c.init(0)
	}
}
