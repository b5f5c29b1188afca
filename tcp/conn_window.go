package tcp

// The receive window: what to advertise, by RFC 9293 3.8.6.2.2's receiver
// side silly window avoidance, scaled by RFC 7323 2, and never shrinking.

// swsThreshold is how much the window must be able to grow before it is
// opened: min(half the buffer, our MSS) (RFC 9293 3.8.6.2.2, Fr = 1/2).
func (c *Conn) swsThreshold() uint32 {
	return min(uint32(c.rxCap())/2, uint32(c.cfg.MSS))
}

// nextWindow returns the window to advertise now, in bytes, a whole
// number of scale units. It offers the free space once that exceeds the
// current window by the SWS threshold (RFC 9293 3.8.6.2.2), and otherwise
// holds the right edge where it is, as RFC 9293 (SHLD-14) asks. It never
// offers more than the free space, so whatever it lets in can be kept.
// A pooled Conn holding no receive buffer counts a whole pool buffer as
// free (rxFree): the one it will borrow when data comes.
//
// A window scale makes the field coarse: when the current window is not a
// whole number of units and the free space has no room to round it up,
// it is rounded down, so the peer sees the edge move back by less than a
// unit (RFC 7323 2.4 expects as much). The bytes up to the old edge are
// still accepted: acceptance goes by the furthest edge ever advertised.
func (c *Conn) nextWindow() uint32 {
	unit := uint32(1) << c.rcvShift
	maxWin := uint32(0xffff) << c.rcvShift
	free := min(uint32(c.rxFree()), maxWin)
	cur := c.rcvWnd()
	if free > cur && free-cur >= c.swsThreshold() {
		return free &^ (unit - 1)
	}
	if up := (cur + unit - 1) &^ (unit - 1); up <= free {
		return up
	}
	return cur &^ (unit - 1)
}

// windowField returns the window field for an outgoing segment and moves
// the advertised right edge to match.
func (c *Conn) windowField() uint16 {
	field := c.nextWindow() >> c.rcvShift
	if edge := c.rcvNxt.Add(field << c.rcvShift); edge.GreaterThan(c.rcvAdv) {
		c.rcvAdv = edge
	}
	return uint16(field)
}

// synWindowField is the window of a SYN or SYN-ACK, which is never scaled
// (RFC 7323 2.2).
func (c *Conn) synWindowField() uint16 { return uint16(min(c.rxFree(), 0xffff)) }

// windowUpdateDue reports whether the window opened enough since the last
// advertisement to be worth an ACK of its own: it at least doubled, by at
// least the SWS threshold (Linux's rule in tcp_cleanup_rbuf), which always
// reopens a zero window once the user has read enough.
func (c *Conn) windowUpdateDue() bool {
	if !c.state.canReceive() {
		return false
	}
	cur, w := c.rcvWnd(), c.nextWindow()
	return w > cur && w-cur >= c.swsThreshold() && w >= 2*cur
}
