package dhcp

import (
	"math/rand/v2"
	"net/netip"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/internal/seeded"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// Client is a DHCPv4 client for one stack. It is a reactor.Task; every
// method runs on the reactor goroutine.
type Client struct {
	s     *stack.Stack
	cfg   Config
	rng   *rand.Rand
	waker hal.Waker
	wake  func() // the socket's readable callback, made once

	sock   *udp.Socket
	rxBuf  []byte // the socket's rings, reused across Start/Stop
	txRing []byte
	txBuf  []byte // one message being built: as long as the longest one (maxSend)
	mac    wire.HardwareAddr
	cid    []byte // client identifier actually sent
	host   []byte // hostname, nil for none
	maxMsg uint16 // option 57: the largest message we accept

	state State
	now   reactor.Instant

	// The exchange in progress.
	xid      uint32
	started  reactor.Instant // acquisition or renewal began: the secs field
	attempts int             // transmissions of the current message
	nextSend reactor.Instant // retransmit or give up; the start delay in INIT
	reqSent  reactor.Instant // first transmission of the current REQUEST
	pending  Lease           // what SELECTING chose, or what an ACK gave and PROBING checks
	hint     netip.Addr      // address to ask for again (option 50 in DISCOVER)
	naks     int             // NAKs in a row, for the restart backoff

	// keepLease: REBOOTING after a link flap while the lease still holds;
	// without an answer the client goes back to BOUND rather than INIT.
	keepLease  bool
	configured bool // the stack holds our address
	lease      Lease

	probesSent int
	probeNext  reactor.Instant

	releaseBy  reactor.Instant
	releaseTx  uint64
	releaseHop netip.Addr

	linkUp, linkWentDown bool

	first   reactor.Future[Lease]
	firstBy reactor.Instant
	stats   Stats
}

// New returns a client for s. It does not start it: spawn it on the
// stack's reactor with Spawn, then call Start.
func New(s *stack.Stack, cfg Config) (*Client, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	c := &Client{
		s:      s,
		cfg:    cfg,
		rng:    seeded.New(cfg.Seed, 0x6a09e667f3bcc909),
		rxBuf:  make([]byte, 4096),
		txRing: make([]byte, 2048),
		mac:    s.HardwareAddr(),
		state:  StateStopped,
	}
	c.wake = func() {
		if c.waker != nil {
			c.waker.Wake()
		}
	}
	if cfg.ClientID != nil {
		c.cid = append([]byte(nil), cfg.ClientID...)
	} else {
		c.cid = append([]byte{1}, c.mac[:]...)
	}
	if cfg.Hostname != "" {
		c.host = []byte(cfg.Hostname)
	}
	c.cfg.ParamRequest = append([]byte(nil), cfg.ParamRequest...)
	// Tell servers the largest IP datagram the link carries, never below
	// the 576 every host must accept (RFC 2132 9.10). The receive ring
	// holds more than that.
	c.maxMsg = uint16(min(max(s.Device().Capabilities().MTU-wire.EthernetHeaderLen, 576), len(c.rxBuf)))
	c.txBuf = make([]byte, c.maxSend())
	return c, nil
}

// Spawn adds the client to r as a task and makes its socket wake it.
func (c *Client) Spawn(r *reactor.Reactor) *reactor.Handle {
	h := r.Spawn(c)
	c.waker = h
	return h
}

// SetWaker sets who is woken when a datagram arrives for the client, for
// callers that poll it themselves.
func (c *Client) SetWaker(w hal.Waker) { c.waker = w }

// Start binds UDP port 68 and begins acquiring a lease: INIT-REBOOT if
// Config.RequestedAddr is set, INIT otherwise. It returns a future that
// completes with the first lease, with ErrTimeout after Config.Timeout, or
// with the error that kept the client from starting. Starting a started
// client returns the same future.
func (c *Client) Start() *reactor.Future[Lease] {
	if c.state != StateStopped {
		return &c.first
	}
	c.first.Reset()
	c.sock = c.s.NewUDPSocket(udp.Config{RxBuffer: c.rxBuf, RxSlots: 8, TxBuffer: c.txRing, TxSlots: 2})
	if err := c.sock.Bind(netip.AddrPortFrom(netip.IPv4Unspecified(), wire.DHCPv4ClientPort)); err != nil {
		c.sock.Close()
		c.first.Complete(Lease{}, err)
		return &c.first
	}
	c.sock.OnReadable(c.wake)
	c.linkUp, c.linkWentDown = c.s.LinkUp(), false
	c.configured, c.keepLease = false, false
	c.lease, c.pending = Lease{}, Lease{}
	c.naks = 0
	c.hint = c.cfg.RequestedAddr
	// The deadlines are set at the first poll: only then is the time known.
	c.state = StateStarting
	c.wake()
	return &c.first
}

// Stop ends the client without telling the server, and takes what it
// configured out of the stack: nobody would renew or expire it any more.
// No event is reported. A pending Start future fails with ErrStopped.
func (c *Client) Stop() {
	if c.state == StateStopped {
		return
	}
	if c.state == StateProbing {
		c.s.EndProbe()
	}
	c.unconfigure()
	c.state = StateStopped
	c.sock.Close()
	c.first.Complete(Lease{}, ErrStopped)
}

// Release gives the lease back (DHCPRELEASE, RFC 2131 4.4.6), removes the
// address once the message has left, reports EventReleased and stops. A
// client without a lease just stops.
func (c *Client) Release() {
	if !c.configured || c.state == StateReleasing {
		c.Stop()
		return
	}
	c.releaseTx = c.sock.Stats().TxDatagrams
	c.releaseHop = c.lease.Server
	if !c.lease.Addr.Contains(c.releaseHop) && c.lease.Gateway.IsValid() {
		c.releaseHop = c.lease.Gateway
	}
	c.sendRelease()
	c.state = StateReleasing
	c.releaseBy = reactor.Never // set at the next poll, which knows the time
	c.wake()
}

// State reports the client's state.
func (c *Client) State() State { return c.state }

// Lease returns the lease in force, if any.
func (c *Client) Lease() (Lease, bool) {
	if c.configured {
		return c.lease, true
	}
	return Lease{}, false
}

// Stats returns the client's counters.
func (c *Client) Stats() Stats { return c.stats }

// Poll runs the client: the link state, received messages, then timers.
func (c *Client) Poll(now reactor.Instant) reactor.Instant {
	if c.state == StateStopped {
		return reactor.Never
	}
	c.now = now
	if c.state == StateStarting {
		c.begin()
	}
	c.watchLink()
	c.receive()
	c.runTimers()
	if c.state == StateStopped {
		return reactor.Never
	}
	return c.deadline()
}

// begin sets the first deadlines, at the first poll after Start.
func (c *Client) begin() {
	c.firstBy = reactor.Never
	if c.cfg.Timeout > 0 {
		c.firstBy = c.now.Add(c.cfg.Timeout)
	}
	if c.cfg.RequestedAddr.IsValid() {
		c.initReboot(0)
	} else {
		c.init(c.randomDelay(c.cfg.StartDelay))
	}
}

// notify reports a change to the application.
func (c *Client) notify(l Lease) {
	if c.cfg.OnChange != nil {
		c.cfg.OnChange(l)
	}
}

// newXID starts a new exchange.
func (c *Client) newXID() {
	c.xid = c.rng.Uint32()
	c.attempts = 0
}
