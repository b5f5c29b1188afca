package dhcp

import (
	"time"

	"github.com/seed947b3480/legation/reactor"
)

// runTimers does what is due: lease expiry first (a client that slept past
// several deadlines must not renew a lease that has already ended), then
// the current state's retransmission or transition.
func (c *Client) runTimers() {
	now := c.now
	if c.state == StateReleasing {
		c.releaseStep()
		return
	}
	if c.configured && now >= c.lease.Expires {
		c.expire()
	}
	if !c.first.Done() && now >= c.firstBy {
		c.first.Complete(Lease{}, ErrTimeout)
	}
	if !c.linkUp {
		// Nothing can be sent; the link coming back restarts the exchange.
		return
	}
	switch c.state {
	case StateInit:
		if now >= c.nextSend {
			c.startSelecting()
		}
	case StateInitReboot:
		if now >= c.nextSend {
			c.startRebooting()
		}
	case StateSelecting:
		if now >= c.nextSend {
			c.sendDiscover()
		}
	case StateRequesting, StateRebooting:
		if now >= c.nextSend {
			if c.attempts >= c.cfg.RequestAttempts {
				c.requestGaveUp()
			} else {
				c.sendRequest()
			}
		}
	case StateProbing:
		c.probeStep()
	case StateBound:
		switch {
		case now >= c.lease.Rebind:
			c.startRebinding()
		case now >= c.lease.Renew:
			c.startRenewing()
		}
	case StateRenewing:
		switch {
		case now >= c.lease.Rebind:
			c.startRebinding()
		case now >= c.nextSend:
			c.sendRequest()
		}
	case StateRebinding:
		if now >= c.nextSend {
			c.sendRequest()
		}
	}
}

// deadline answers when the client next needs a poll.
func (c *Client) deadline() reactor.Instant {
	next := reactor.Never
	if c.linkUp {
		switch c.state {
		case StateInit, StateInitReboot, StateSelecting, StateRequesting, StateRebooting, StateRebinding:
			next = c.nextSend
		case StateProbing:
			next = c.probeNext
		case StateBound:
			next = c.lease.Renew
		case StateRenewing:
			next = reactor.Min(c.nextSend, c.lease.Rebind)
		}
	}
	if c.state == StateReleasing {
		// The stack gives no word when the RELEASE has left; look again
		// shortly, until ReleaseLinger runs out.
		next = reactor.Min(c.releaseBy, c.now.Add(10*time.Millisecond))
	}
	if c.configured {
		next = reactor.Min(next, c.lease.Expires)
	}
	if !c.first.Done() {
		next = reactor.Min(next, c.firstBy)
	}
	if c.cfg.LinkCheckInterval > 0 {
		next = reactor.Min(next, c.now.Add(c.cfg.LinkCheckInterval))
	}
	return next
}

// init enters INIT; the first DISCOVER goes out after delay.
func (c *Client) init(delay time.Duration) {
	c.state = StateInit
	c.keepLease = false
	c.nextSend = c.now.Add(delay)
}

// initReboot enters INIT-REBOOT to ask for c.hint back after delay.
func (c *Client) initReboot(delay time.Duration) {
	c.state = StateInitReboot
	c.nextSend = c.now.Add(delay)
}

func (c *Client) startSelecting() {
	c.newXID()
	c.started = c.now
	c.state = StateSelecting
	c.sendDiscover()
}

func (c *Client) startRebooting() {
	if !c.hint.IsValid() {
		c.init(0)
		c.startSelecting()
		return
	}
	c.newXID()
	c.started, c.reqSent = c.now, c.now
	c.state = StateRebooting
	c.sendRequest()
}

func (c *Client) startRenewing() {
	c.newXID()
	c.started, c.reqSent = c.now, c.now
	c.state = StateRenewing
	c.sendRequest()
}

func (c *Client) startRebinding() {
	c.newXID()
	c.reqSent = c.now
	c.state = StateRebinding
	c.sendRequest()
}

// requestGaveUp ends a REQUEST nobody answered. After a link flap the
// lease still holds, and RFC 2131 3.2 lets the client keep using it;
// otherwise the client starts over.
func (c *Client) requestGaveUp() {
	if c.state == StateRebooting && c.keepLease && c.configured {
		c.keepLease = false
		c.state = StateBound
		return
	}
	c.init(0)
	c.startSelecting()
}

// expire removes a lease that ran out and starts over.
func (c *Client) expire() {
	l := c.lease
	l.Event = EventExpired
	c.unconfigure()
	c.notify(l)
	c.init(0)
}

// backoff is the wait after the attempts-th transmission: RetransmitBase
// doubled per earlier attempt, capped at RetransmitMax, ± the jitter
// (RFC 2131 4.1).
func (c *Client) backoff() time.Duration {
	d := c.cfg.RetransmitBase
	for i := 1; i < c.attempts && d < c.cfg.RetransmitMax; i++ {
		d *= 2
	}
	d = min(d, c.cfg.RetransmitMax)
	if j := c.cfg.RetransmitJitter; j > 0 {
		d += time.Duration(c.rng.Int64N(int64(2*j)+1)) - j
	}
	return d
}

// renewWait is when to retransmit in RENEWING or REBINDING: half the time
// left until `until`, but no sooner than RenewRetryMin and no later than
// `until` (RFC 2131 4.4.5).
func (c *Client) renewWait(until reactor.Instant) reactor.Instant {
	wait := max(until.Sub(c.now)/2, c.cfg.RenewRetryMin)
	return reactor.Min(c.now.Add(wait), until)
}

// randomDelay is a uniform wait in [0, upTo].
func (c *Client) randomDelay(upTo time.Duration) time.Duration {
	if upTo <= 0 {
		return 0
	}
	return time.Duration(c.rng.Int64N(int64(upTo) + 1))
}

// secs is the secs field: seconds since the exchange began.
func (c *Client) secs() uint16 {
	return uint16(min(c.now.Sub(c.started)/time.Second, 0xffff))
}
