package dns

import "github.com/seed947b3480/legation/reactor"

// truncated handles an answer with TC set: the server had more to say than
// fits in 512 bytes of UDP, and the partial answer must not be used
// (RFC 2181 9). RFC 7766 says a stub then asks again over TCP.
//
// This is the seam for that fallback. Package tcp does not exist yet, so the
// question fails with ErrTruncated. Once it does: keep q running, release
// its UDP socket, connect to r.servers[server] port 53, send the same query
// (appendQuery with q.id) behind a two-byte length (RFC 1035 4.2.2), read
// the length-prefixed answer, and pass it to parseResponse and answer
// exactly as drain does for UDP; q.deadline then bounds the connection.
func (r *Resolver) truncated(q *question, server int, now reactor.Instant) {
	r.finish(q, ErrTruncated, now)
}
