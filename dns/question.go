package dns

import (
	"math"
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"golang.org/x/net/dns/dnsmessage"
)

// question is one question of a lookup (name and type) on its way through
// the servers: a small state machine advanced by answers (answer) and by its
// deadline (expire).
type question struct {
	c     *cell
	qtype dnsmessage.Type
	qname dnsmessage.Name // the name asked now: the lookup's, or a CNAME target

	running  bool
	id       uint16
	sock     *sock
	server   int   // index of the server the last send went to
	sent     uint8 // servers this question was sent to (answers are accepted from them)
	failed   uint8 // servers that answered with an error
	attempt  int   // sends so far
	deadline reactor.Instant
	lastErr  error  // the last server error, reported if attempts run out
	hops     int    // CNAMEs followed in earlier answers
	chainTTL uint32 // lowest TTL of those CNAMEs (MaxUint32: none)

	// The TCP fallback (tcp_fallback.go): after a truncated answer the
	// question waits for a connection, then asks q.server over it. It
	// keeps its UDP socket meanwhile, for a retry after a TCP failure.
	phase   phase
	tcpAddr netip.AddrPort // the server that truncated (r.servers may change while q waits)
	tcp     *tcpSlot       // the connection asking, in phaseTCP
	tcpSeq  uint64         // its place in the queue, in phaseTCPWait

	// The outcome, once settled.
	settled bool
	err     error
	res     Result
}

func (q *question) reset(t dnsmessage.Type) {
	c := q.c
	*q = question{c: c, qtype: t, chainTTL: math.MaxUint32}
}

// start sends q's first query with a fresh ID from a socket freshly bound
// to a random port. Retransmissions of the query (send, from retry) keep
// both, so a slow answer to an earlier send is still accepted; a CNAME
// target asked for next is a new query and gets a new ID and port.
func (r *Resolver) start(q *question, now reactor.Instant) {
	r.stats.Queries++
	q.running = true
	q.id = uint16(r.rng.Uint32())
	q.sock = r.takeSocket(q)
	q.server, q.sent, q.failed, q.attempt, q.lastErr = r.preferred, 0, 0, 0, nil
	r.send(q, now)
}

// takeSocket lends q an idle socket, rebound to a fresh random ephemeral
// port (RFC 5452 9.2): an off-path attacker must guess the port as well as
// the ID, for every query. Rebinding drops any late answer to the socket's
// previous query with the old port. One socket is always idle: there are at
// least MaxQueries.
//
// The socket keeps its old port while idle, so the stack's port table stays
// the same size and a rebind (one entry out, one in) allocates nothing. The
// rebind cannot run out of ports, since it frees one before it claims one;
// should a stack still refuse, the socket is left unbound, the send binds
// it to any free port or fails (Stats.SendErrors), and the deadline retries.
func (r *Resolver) takeSocket(q *question) *sock {
	for i := range r.socks {
		s := &r.socks[i]
		if s.owner != nil {
			continue
		}
		r.stats.Stale += uint64(s.s.Readable())
		_ = s.s.Rebind(netip.AddrPort{}) // a failure surfaces at the send
		s.owner = q
		return s
	}
	panic("dns: no idle socket; Sockets < MaxQueries")
}

// send queries the server q.server and arms the retransmission deadline. A
// send the socket refuses counts as lost: the deadline retries it.
func (r *Resolver) send(q *question, now reactor.Instant) {
	q.phase = phaseUDP
	msg, err := appendQuery(r.buf[:0], q.id, &q.qname, q.qtype)
	if err == nil {
		err = q.sock.s.SendTo(msg, r.servers[q.server])
	}
	if err != nil {
		r.stats.SendErrors++
	} else {
		r.stats.Sent++
		if q.attempt > 0 {
			r.stats.Retransmits++
		}
	}
	q.sent |= 1 << q.server
	q.attempt++
	q.deadline = now.Add(r.wait(q.attempt - 1))
}

// wait is how long the attempt-th send (from 0) waits for an answer: the
// timeout doubled for each full round through the servers, capped, and
// randomised to [3/4, 5/4) of that so retries do not synchronise.
func (r *Resolver) wait(attempt int) time.Duration {
	d := r.cfg.Timeout
	for round := attempt / max(r.nservers, 1); round > 0 && d < r.cfg.MaxTimeout; round-- {
		d *= 2
	}
	d = min(d, r.cfg.MaxTimeout)
	return d - d/4 + time.Duration(r.rng.Int64N(int64(d/2)+1))
}

// expire handles q's deadline: the next server, or the end.
func (r *Resolver) expire(q *question, now reactor.Instant) {
	if q.phase != phaseUDP {
		r.tcpExpire(q, now)
		return
	}
	if q.attempt >= r.cfg.Attempts {
		r.stats.Timeouts++
	}
	r.retry(q, q.lastErr, now)
}

// retry sends q to the next server that has not answered it with an error,
// or fails it with err (ErrTimeout if nil) when no attempt or server is
// left.
func (r *Resolver) retry(q *question, err error, now reactor.Instant) {
	if err == nil {
		err = ErrTimeout
	}
	if q.attempt >= r.cfg.Attempts || r.nservers == 0 {
		r.finish(q, err, now)
		return
	}
	for i := 1; i <= r.nservers; i++ {
		s := (q.server + i) % r.nservers
		if q.failed&(1<<s) == 0 {
			q.server = s
			r.send(q, now)
			return
		}
	}
	r.finish(q, err, now)
}

// answer acts on a datagram from server that matched q's ID and question;
// err is what parseResponse said of the rest.
func (r *Resolver) answer(q *question, server int, err error, resp *response, now reactor.Instant) {
	r.stats.Answers++
	r.stats.AddrsDropped += uint64(resp.dropped)
	switch {
	case err == ErrCNAMELoop:
		r.finish(q, err, now)
	case err != nil: // ErrMalformed: maybe a broken server; ask another
		r.stats.Malformed++
		r.serverFailed(q, server, ErrMalformed, now)
	case resp.truncated:
		r.stats.Truncated++
		r.truncated(q, server, now)
	case resp.rcode == dnsmessage.RCodeSuccess || resp.rcode == dnsmessage.RCodeNameError:
		r.preferred = server
		r.settle(q, resp, now)
	case resp.rcode == dnsmessage.RCodeRefused:
		r.serverFailed(q, server, ErrRefused, now)
	default:
		r.serverFailed(q, server, ErrServerFailure, now)
	}
}

// serverFailed moves q on from a server that answered with an error.
func (r *Resolver) serverFailed(q *question, server int, err error, now reactor.Instant) {
	q.failed |= 1 << server
	q.lastErr = err
	r.retry(q, err, now)
}

// settle acts on a definitive answer: addresses, a negative answer, or a
// CNAME chain whose target the server left out and that is asked for next.
func (r *Resolver) settle(q *question, resp *response, now reactor.Instant) {
	ttl := min(q.chainTTL, resp.ttl)
	switch {
	case resp.rcode == dnsmessage.RCodeNameError:
		r.negative(q, ErrNotFound, resp, now)
	case resp.n > 0:
		q.res = Result{Addrs: resp.addrs, N: resp.n}
		d := min(time.Duration(ttl)*time.Second, r.cfg.MaxTTL)
		q.res.TTL = d
		if d > 0 {
			r.store(q, nil, now.Add(d), now)
		}
		r.finish(q, nil, now)
	case resp.hops > 0 && !resp.soa:
		q.hops += resp.hops
		q.chainTTL = ttl
		q.qname = resp.target
		q.sock.owner = nil
		r.start(q, now)
	default:
		r.negative(q, ErrNoData, resp, now)
	}
}

// negative settles q with NXDOMAIN or NODATA, cached as RFC 2308 says: for
// the SOA's negative TTL, and not at all without an SOA.
func (r *Resolver) negative(q *question, err error, resp *response, now reactor.Instant) {
	if resp.soa {
		if d := min(time.Duration(resp.negTTL)*time.Second, r.cfg.MaxNegativeTTL); d > 0 {
			r.store(q, err, now.Add(d), now)
		}
	}
	r.finish(q, err, now)
}

func (r *Resolver) store(q *question, err error, expires, now reactor.Instant) {
	if r.cache.put(&q.c.name, q.qtype, expires, now, err, q.res.List()) {
		r.stats.Evictions++
	}
}

// finish ends q with err (nil: q.res holds its addresses), returns its
// socket (and its TCP connection, if it still has one: Close) and
// completes its lookup once every question of it has ended.
func (r *Resolver) finish(q *question, err error, now reactor.Instant) {
	dropped := q.tcp != nil
	if dropped {
		r.tcpDrop(q.tcp, true)
	}
	q.running, q.settled, q.err = false, true, err
	q.sock.owner, q.sock = nil, nil
	r.busy--
	c := q.c
	if c.waiting--; c.waiting == 0 {
		r.complete(c)
	}
	if dropped {
		r.tcpNext(now)
	}
}
