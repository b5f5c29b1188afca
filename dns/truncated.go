package dns

import "github.com/seed947b3480/legation/reactor"

// truncated handles an answer with TC set: the server had more to say than
// fits in 512 bytes of UDP, and the partial answer must not be used
// (RFC 2181 9). As RFC 7766 5 asks of a stub, the same question (same ID)
// goes to the same server again over TCP (tcp_fallback.go), within
// Config.TCPTimeout. Without a way to dial TCP the question fails with
// ErrTruncated; a server whose answer over TCP is truncated as well counts
// as failed with it.
func (r *Resolver) truncated(q *question, server int, now reactor.Instant) {
	switch {
	case q.phase == phaseTCP:
		r.serverFailed(q, server, ErrTruncated, now)
	case r.dialer == nil:
		r.finish(q, ErrTruncated, now)
	default:
		q.server, q.tcpAddr = server, r.servers[server]
		q.phase = phaseTCPWait
		q.deadline = now.Add(r.cfg.TCPTimeout)
		if sl := r.idleTCP(); sl != nil {
			r.tcpDial(q, sl, now)
			return
		}
		r.stats.TCPWaits++
		q.tcpSeq = r.tcpSeq
		r.tcpSeq++
	}
}
