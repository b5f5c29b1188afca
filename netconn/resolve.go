package netconn

import (
	"context"
	"errors"
	"net"
	"net/netip"

	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/reactor"
)

// Lookup adapts legation's stub resolver to Config.Resolve: each call asks
// res, which runs on reactor r, for the host's IPv4 addresses and waits for
// the answer or the end of ctx. Errors are *net.DNSError values that unwrap
// to the resolver's dns.Error.
func Lookup(r *reactor.Reactor, res *dns.Resolver) func(ctx context.Context, host string) ([]netip.Addr, error) {
	type answer struct {
		addrs []netip.Addr
		err   error
	}
	return func(ctx context.Context, host string) ([]netip.Addr, error) {
		ch := make(chan answer, 1) // the reactor never waits on an abandoned lookup
		r.Post(func() {
			res.LookupA(host).OnComplete(func(v dns.Result, err error) {
				ch <- answer{append([]netip.Addr(nil), v.List()...), err}
			})
		})
		select {
		case a := <-ch:
			if a.err != nil {
				return nil, &net.DNSError{
					Err: a.err.Error(), Name: host, UnwrapErr: a.err,
					IsNotFound: errors.Is(a.err, dns.ErrNotFound) || errors.Is(a.err, dns.ErrNoData),
					IsTimeout:  errors.Is(a.err, dns.ErrTimeout),
				}
			}
			return a.addrs, nil
		case <-ctx.Done():
			return nil, &net.DNSError{Err: ctx.Err().Error(), Name: host, UnwrapErr: ctx.Err(), IsTimeout: ctx.Err() == context.DeadlineExceeded}
		}
	}
}
