package dns

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
	"net/netip"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/udp"
)

// Host is what a resolver needs from the network stack; *stack.Stack
// satisfies it.
type Host interface {
	// NewUDPSocket returns an unbound UDP socket.
	NewUDPSocket(cfg udp.Config) *udp.Socket
	// DNS reports the configured name servers.
	DNS() []netip.Addr
}

// TCPDialer is what a Host offers besides, for the TCP fallback: a Host
// that implements it (as *stack.Stack does) gets truncated answers asked
// for again over TCP; one that does not gets ErrTruncated.
type TCPDialer interface {
	// DialTCP starts a connection to remote; its callbacks report how it
	// goes.
	DialTCP(remote netip.AddrPort, cfg tcp.Config) (*tcp.Conn, error)
}

// Resolver is a stub resolver running as a reactor task. All its methods
// run on the reactor goroutine.
type Resolver struct {
	cfg  Config
	host Host
	r    *reactor.Reactor
	h    *reactor.Handle
	rng  *rand.Rand

	socks []sock
	cells []cell
	free  cellQueue // cells not in use, oldest-freed first
	busy  int       // questions in flight

	cache cache

	dialer TCPDialer // nil: no TCP fallback
	tcps   []tcpSlot // the TCP fallback's connections
	tcpSeq uint64    // orders the questions waiting for a connection

	servers   [MaxServers]netip.AddrPort
	nservers  int
	preferred int // index of the server that last answered

	buf   [maxMessage]byte // a query being built
	resp  response         // the answer being read
	stats Stats

	closed bool
}

// sock is one socket of the pool, lent to one question at a time and
// rebound to a fresh random port for each. It is bound at New, so that a
// stack without free ports fails New rather than the first lookup, and it
// stays bound while idle, which keeps the stack's port table at its size.
type sock struct {
	s     *udp.Socket
	owner *question // nil while idle
}

// New returns a resolver whose sockets are carried by host, spawned as a
// task on r. It allocates everything it will need: the socket pool, the
// lookup slots, the cache and, if host is a TCPDialer and the fallback is
// on, the TCP fallback's buffers.
func New(r *reactor.Reactor, host Host, cfg Config) (*Resolver, error) {
	cfg.setDefaults()
	var key [32]byte
	if cfg.Seed != 0 {
		key = seedKey(cfg.Seed)
	} else {
		_, _ = crand.Read(key[:])
	}
	res := &Resolver{
		cfg:   cfg,
		host:  host,
		r:     r,
		rng:   rand.New(rand.NewChaCha8(key)),
		socks: make([]sock, cfg.Sockets),
		cells: make([]cell, 2*cfg.MaxQueries),
	}
	res.h = r.Spawn(res)
	for i := range res.socks {
		s := host.NewUDPSocket(udp.Config{
			RxBuffer: make([]byte, cfg.RxBuffer), RxSlots: 4,
			TxBuffer: make([]byte, 2*maxMessage), TxSlots: 2,
		})
		if err := s.Bind(netip.AddrPort{}); err != nil {
			res.Close()
			return nil, err
		}
		sk := &res.socks[i]
		sk.s = s
		// Read answers as they arrive rather than at the next poll, so a
		// burst of forged datagrams cannot fill the ring ahead of the
		// genuine answer.
		s.OnReadable(func() { res.readable(sk) })
	}
	res.free.init(len(res.cells))
	for i := range res.cells {
		c := &res.cells[i]
		c.idx = i
		for j := range c.q {
			c.q[j].c = c
		}
		res.free.push(i)
	}
	res.cache.init(cfg.CacheEntries)
	if d, ok := host.(TCPDialer); ok && cfg.MaxTCPMessage > 0 {
		res.dialer = d
		res.initTCP()
	}
	return res, nil
}

// Stats returns a copy of the resolver's counters.
func (r *Resolver) Stats() Stats { return r.stats }

// CacheLen reports the number of live cache entries.
func (r *Resolver) CacheLen() int { return r.cache.len(r.r.Now()) }

// FlushCache forgets every cached answer.
func (r *Resolver) FlushCache() { r.cache.flush() }

// InFlight reports the questions waiting on the network.
func (r *Resolver) InFlight() int { return r.busy }

// Close fails every pending lookup with ErrClosed, releases the sockets,
// resets the TCP connections still waiting for an answer and removes the
// task. Later lookups fail with ErrClosed.
func (r *Resolver) Close() {
	if r.closed {
		return
	}
	r.closed = true
	now := r.r.Now()
	for i := range r.cells {
		for j := range r.cells[i].q {
			if q := &r.cells[i].q[j]; q.running {
				r.finish(q, ErrClosed, now)
			}
		}
	}
	for i := range r.socks {
		if s := r.socks[i].s; s != nil {
			s.Close()
		}
	}
	r.h.Cancel()
}

// Poll retransmits or fails the questions whose wait is over and answers
// the earliest deadline left. (Answers are read as they arrive, by the
// sockets' readable callbacks.)
func (r *Resolver) Poll(now reactor.Instant) reactor.Instant {
	if r.closed {
		return reactor.Never
	}
	// Timeouts first, deadlines after: a completion callback may start new
	// questions, and the second pass sees them.
	for i := range r.cells {
		for j := range r.cells[i].q {
			if q := &r.cells[i].q[j]; q.running && q.deadline <= now {
				r.expire(q, now)
			}
		}
	}
	next := reactor.Never
	for i := range r.cells {
		for j := range r.cells[i].q {
			if q := &r.cells[i].q[j]; q.running {
				next = reactor.Min(next, q.deadline)
			}
		}
	}
	return next
}

// seedKey spreads a test seed over the 32 bytes ChaCha8 takes (splitmix64).
func seedKey(seed uint64) (key [32]byte) {
	for i := 0; i < 4; i++ {
		seed += 0x9e3779b97f4a7c15
		z := seed
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		binary.LittleEndian.PutUint64(key[8*i:], z^z>>31)
	}
	return key
}
