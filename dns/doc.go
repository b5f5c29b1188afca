// Package dns is legation's stub resolver: it asks recursive name servers
// for A and AAAA records over UDP and hands back addresses through futures.
//
// A Resolver is a reactor task. LookupA, LookupAAAA and LookupHost start a
// lookup and return at once with a reactor.Future that completes with up to
// MaxAddrs addresses or a typed Error (testable with errors.Is). Behind them:
//
//   - several servers (the stack's DNS list by default) tried in turn, with
//     retransmission on a randomised exponential backoff, failing over on a
//     timeout, SERVFAIL, REFUSED or a malformed answer, and preferring the
//     server that answered last;
//   - a random transaction ID and a fresh random ephemeral source port per
//     question (its socket is rebound before the first send; retransmissions
//     keep ID and port, so a slow answer to an earlier send still counts);
//     an answer is accepted only if its ID, its question and its source (a
//     server this query was sent to) all match (RFC 5452);
//   - CNAME chains followed within an answer, and the chain's target asked
//     for when the server left it out, both bounded by Config.MaxCNAMEHops;
//   - a bounded least-recently-used cache honouring TTLs, including negative
//     answers cached for the SOA minimum (RFC 2308);
//   - a bound on queries in flight (ErrTooManyQueries beyond it), which is
//     also the number of sockets: each question in flight owns one.
//
// Messages are built and parsed with golang.org/x/net/dns/dnsmessage, whose
// Builder appends into the resolver's own buffer and whose Parser reads the
// received datagram in place: a lookup answered from the cache, and one that
// needs a network round trip, allocate nothing once the resolver is warm.
//
// A truncated answer (TC) is asked for again over TCP, from the same
// server, with the same ID (RFC 7766): the query and the answer each behind
// a two-byte length (RFC 1035 4.2.2), the answer bounded by
// Config.MaxTCPMessage and the whole exchange by Config.TCPTimeout, the
// connection closed once the answer is in. A failed fallback (ErrTCPRefused,
// ErrTCPReset, ErrTCPClosed, ErrTCPTimeout, ErrTCPBadLength,
// ErrTCPTooLarge) fails that server over like an error answer. The stack's
// TCP connection costs its own allocations (the connection record); the
// answer's buffer and the rings are the resolver's, made by New. The
// fallback needs a Host that is also a TCPDialer, as *stack.Stack is;
// without one, or with Config.MaxTCPMessage negative, a truncated answer
// fails with ErrTruncated.
//
// It does not keep TCP connections open for further queries or pipeline
// them (RFC 7766 6.2), and it does not do search domains, /etc/hosts,
// EDNS(0), DNSSEC validation or reverse lookups; it is not a server.
package dns
