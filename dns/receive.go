package dns

import (
	"net/netip"

	"github.com/seed947b3480/legation/reactor"
)

// readable runs when a datagram is queued on s, inside the stack's poll.
func (r *Resolver) readable(s *sock) {
	if r.closed {
		return
	}
	r.drain(s, r.r.Now())
	r.h.Wake() // deadlines may have changed
}

// drain reads every datagram queued on s. Each is parsed and discarded
// before the resolver acts on it, because acting may complete a lookup whose
// callback starts another that takes (and empties) this very socket.
func (r *Resolver) drain(s *sock, now reactor.Instant) {
	for {
		from, p, ok := s.s.Peek()
		if !ok {
			return
		}
		q := s.owner
		// A question gone over to TCP takes nothing more from UDP: a
		// duplicate of the truncated answer would start TCP again.
		if q == nil || q.phase != phaseUDP {
			r.stats.Stale++
			s.s.Discard()
			continue
		}
		server, known := r.sentTo(q, from)
		var err error
		if known {
			err = parseResponse(p, q.id, &q.qname, q.qtype, r.cfg.MaxCNAMEHops-q.hops, &r.resp)
		}
		s.s.Discard()
		if !known || err == errMismatch {
			r.stats.Rejected++
			continue
		}
		r.answer(q, server, err, &r.resp, now)
	}
}

// sentTo reports which server from is, if q was sent to it: an answer from
// anywhere else is not accepted, whatever it says.
func (r *Resolver) sentTo(q *question, from netip.AddrPort) (int, bool) {
	for i := 0; i < r.nservers; i++ {
		if q.sent&(1<<i) != 0 && r.servers[i] == from {
			return i, true
		}
	}
	return 0, false
}
