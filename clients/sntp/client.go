package sntp

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/internal/seeded"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// Client is an SNTP client running as a task on a reactor. Its methods
// (except those of its Clock) run on the reactor goroutine.
type Client struct {
	st    *stack.Stack
	cfg   Config
	sock  *udp.Socket
	h     *reactor.Handle
	rng   *rand.Rand
	clock Clock
	floor int64 // cfg.EraFloor in Unix nanoseconds

	fut      reactor.Future[Result]
	onUpdate func(Result, error)

	servers serverList
	pref    netip.Addr // the server that answered last: asked first

	interval  time.Duration // the poll interval; RATE doubles it
	periodic  bool
	wanted    bool            // Sync asked for a round
	nextRound reactor.Instant // the next periodic round
	earliest  reactor.Instant // MinPollInterval after the last round that sent began

	// The round in progress: servers are asked in list order from start,
	// step counting those tried.
	inRound     bool
	start, step int
	cur         int // index of the server being asked
	attempt     int
	waiting     bool // a request is in flight
	deadline    reactor.Instant
	nonce       wire.NTPTimestamp
	t1          reactor.Instant
	srvErr      error // why the server being asked has not answered yet
	roundErr    error // why the last server failed
	advance     bool  // a final refusal arrived; poll moves on
	kiss        wire.NTPKissCode
	req         [wire.NTPHeaderLen]byte

	stats  Stats
	closed bool
}

// New returns a client for the servers cfg names (by default the stack's),
// with its UDP socket bound to a random ephemeral port and its task spawned
// on r. It sends nothing until Sync or Start.
func New(r *reactor.Reactor, st *stack.Stack, cfg Config) (*Client, error) {
	cfg.setDefaults()
	c := &Client{
		st:        st,
		cfg:       cfg,
		rng:       seeded.New(cfg.Seed, 0x5851f42d4c957f2d),
		floor:     cfg.EraFloor.UnixNano(),
		servers:   newServerList(cfg.MaxServers),
		interval:  cfg.PollInterval,
		nextRound: math.MinInt64,
		earliest:  math.MinInt64,
	}
	c.clock.src = r.Clock()
	c.sock = st.NewUDPSocket(cfg.Socket)
	if err := c.sock.Bind(netip.AddrPort{}); err != nil {
		return nil, err
	}
	c.sock.OnReadable(c.drain)
	c.h = r.Spawn(reactor.TaskFunc(c.poll))
	return c, nil
}

// Clock returns the handle through which the application reads the time.
func (c *Client) Clock() *Clock { return &c.clock }

// Stats returns a copy of the client's counters.
func (c *Client) Stats() Stats { return c.stats }

// Interval reports the current poll interval: Config.PollInterval, doubled
// by each RATE kiss-o'-death up to Config.MaxPollInterval.
func (c *Client) Interval() time.Duration { return c.interval }

// LocalAddr reports the socket's local address and port.
func (c *Client) LocalAddr() netip.AddrPort { return c.sock.LocalAddr() }

// OnUpdate registers fn to run at the end of every round, periodic ones
// included, with its result. nil unregisters.
func (c *Client) OnUpdate(fn func(Result, error)) { c.onUpdate = fn }

// Sync starts a round and returns its future; if a round is already under
// way or asked for, it returns that one's. A round starts at once unless
// the previous one began less than MinPollInterval ago, in which case it
// waits for that. The future is the client's one (no allocation): it stays
// valid until the next round begins.
func (c *Client) Sync() *reactor.Future[Result] {
	if c.closed {
		c.fut.Reset()
		c.fut.Complete(Result{}, ErrClosed)
		return &c.fut
	}
	if !c.inRound && !c.wanted {
		c.fut.Reset()
		c.wanted = true
		c.h.Wake()
	}
	return &c.fut
}

// Start begins periodic polling: a round now (or as soon as
// MinPollInterval allows), then one every poll interval, randomised.
func (c *Client) Start() {
	if !c.periodic && !c.closed {
		c.periodic = true
		c.nextRound = math.MinInt64
		c.h.Wake()
	}
}

// Stop ends periodic polling; a round under way finishes.
func (c *Client) Stop() { c.periodic = false }

// Close stops the client for good: it releases the socket, removes the
// task and fails a pending round with ErrClosed.
func (c *Client) Close() {
	if c.closed {
		return
	}
	c.closed = true
	c.periodic, c.wanted, c.inRound, c.waiting = false, false, false, false
	c.sock.Close()
	c.h.Cancel()
	c.fut.Complete(Result{}, ErrClosed)
}

// poll is the client's task.
func (c *Client) poll(now reactor.Instant) reactor.Instant {
	if c.closed {
		return reactor.Never
	}
	if c.advance {
		c.advance = false
		c.nextServer(now)
	}
	if c.inRound && c.waiting && now >= c.deadline {
		c.timeout(now)
	}
	if !c.inRound && now >= c.earliest && (c.wanted || c.periodic && now >= c.nextRound) {
		c.begin(now)
	}
	switch {
	case c.inRound && c.waiting:
		return c.deadline
	case c.inRound:
		return reactor.Never // the reply handler wakes the task
	}
	next := reactor.Never
	if c.wanted {
		next = c.earliest
	}
	if c.periodic {
		next = reactor.Min(next, max(c.nextRound, c.earliest))
	}
	return next
}
