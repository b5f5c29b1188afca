package sntp

import (
	"errors"
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/wire"
)

// A round asks the servers in turn, from the preferred one, until one
// answers believably or none is left; each server gets Config.Attempts
// requests with backoff. These methods are the round's state machine; the
// task (poll) and the socket's readable callback (drain) drive it.

// begin starts a round with the preferred server.
func (c *Client) begin(now reactor.Instant) {
	if !c.wanted {
		c.fut.Reset() // a periodic round: Sync now returns this one
	}
	c.wanted, c.inRound = false, true
	c.stats.Rounds++
	c.roundErr, c.kiss = nil, wire.NTPKissCode{}
	addrs := c.cfg.Servers
	if addrs == nil {
		addrs = c.st.NTP()
	}
	c.servers.refresh(addrs)
	switch {
	case !c.st.Addr().IsValid():
		c.finish(now, Result{}, stack.ErrNoAddress)
		return
	case c.servers.live() == 0:
		c.finish(now, Result{}, ErrNoServers)
		return
	}
	// Only a round that sends counts against the polling limit: one that
	// found no address or no server may be retried as soon as there is.
	c.earliest = now.Add(MinPollInterval)
	c.start = max(indexOf(c.servers.list, c.pref), 0)
	c.step = -1
	c.nextServer(now)
}

// nextServer moves the round to the next server that may be asked, or ends
// it with the last server's error when none is left.
func (c *Client) nextServer(now reactor.Instant) {
	list := c.servers.list
	for c.step+1 < len(list) {
		c.step++
		i := (c.start + c.step) % len(list)
		if !list[i].dead {
			c.cur, c.attempt, c.srvErr = i, 0, ErrTimeout
			c.send(now)
			return
		}
	}
	err := c.roundErr
	if err == nil {
		err = ErrNoServers
	}
	c.finish(now, Result{Server: list[c.cur].addr, Kiss: c.kiss}, err)
}

// send sends a request with a fresh nonce to the server being asked.
func (c *Client) send(now reactor.Instant) {
	c.nonce = 0
	for c.nonce == 0 {
		c.nonce = wire.NTPTimestamp(c.rng.Uint64())
	}
	buildRequest(c.req[:], c.nonce, pollExponent(c.interval))
	if err := c.sock.SendTo(c.req[:], netip.AddrPortFrom(c.servers.list[c.cur].addr, c.cfg.Port)); err != nil {
		c.stats.SendErrors++ // the wait below turns it into a timeout
	}
	c.stats.Requests++
	c.t1, c.waiting = now, true
	c.deadline = now.Add(c.backoff(c.attempt))
}

// backoff is the wait for attempt n: Timeout·2^n, randomised by ±25%.
func (c *Client) backoff(n int) time.Duration {
	d := c.cfg.Timeout << min(n, 16)
	if d <= 0 || d > time.Hour {
		d = time.Hour
	}
	return d*3/4 + time.Duration(c.rng.Int64N(int64(d/2)+1))
}

// timeout ends a wait that no believable reply ended.
func (c *Client) timeout(now reactor.Instant) {
	c.stats.Timeouts++
	c.waiting = false
	c.attempt++
	if c.attempt < c.cfg.Attempts {
		c.send(now)
		return
	}
	c.roundErr = c.srvErr
	c.nextServer(now)
}

// drain handles every datagram the socket holds; the stack calls it as
// datagrams arrive, at the instant it received them.
func (c *Client) drain() {
	for !c.closed {
		from, p, ok := c.sock.Peek()
		if !ok {
			return
		}
		c.receive(from, p)
		if !c.closed { // a completion callback may have closed the client
			c.sock.Discard()
		}
	}
}

func (c *Client) receive(from netip.AddrPort, p []byte) {
	if !c.waiting || from != netip.AddrPortFrom(c.servers.list[c.cur].addr, c.cfg.Port) {
		c.stats.Stray++
		return
	}
	r, final, err := judge(p, c.nonce)
	if !final {
		// Remembered for the timeout's error; the request stays in flight.
		c.srvErr = err
		if err == ErrBadOrigin {
			c.stats.BadOrigin++
		} else {
			c.stats.Malformed++
		}
		return
	}
	c.waiting = false // the nonce is spent: a duplicate is stray
	if err != nil {
		c.refused(r, err)
		return
	}
	t4 := c.st.Now()
	pv := pivot(int64(c.t1), c.floor)
	off, delay := offsetDelay(int64(c.t1), r.ReceiveTime.UnixNano(pv), r.TransmitTime.UnixNano(pv), int64(t4))
	c.stats.Replies++
	c.pref = c.servers.list[c.cur].addr
	c.finish(t4, Result{Offset: off, Delay: delay, Server: c.pref, Stratum: r.Stratum, At: t4, Kiss: c.kiss}, nil)
}

// refused acts on a reply that answered the request but cannot be used,
// and has the task move on to the next server.
func (c *Client) refused(r wire.NTPRepr, err error) {
	c.stats.Rejected++
	if errors.Is(err, ErrKissOfDeath) {
		c.stats.KissOfDeath++
		c.kiss, _ = r.KissCode()
	}
	switch err {
	case ErrKissRate:
		c.interval = min(2*c.interval, c.cfg.MaxPollInterval)
	case ErrKissDeny, ErrKissRestricted:
		c.servers.list[c.cur].dead = true
	}
	c.roundErr = err
	c.advance = true
	c.h.Wake()
}

// finish ends the round: the clock takes a good offset, the next periodic
// round is scheduled, and the future and the update callback learn the
// result.
func (c *Client) finish(now reactor.Instant, res Result, err error) {
	c.inRound, c.waiting = false, false
	if err == nil {
		c.clock.set(res.Offset, res.At)
	} else {
		c.stats.Failures++
	}
	if c.periodic {
		iv := c.interval
		if err == stack.ErrNoAddress || err == ErrNoServers {
			iv = MinPollInterval // DHCP may bring an address or servers soon
		}
		c.nextRound = now.Add(iv + time.Duration(c.rng.Int64N(int64(iv/4)+1)))
	}
	c.fut.Complete(res, err)
	if c.onUpdate != nil {
		c.onUpdate(res, err)
	}
}
