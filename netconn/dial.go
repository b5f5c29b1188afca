package netconn

import (
	"context"
	"net"
	"net/netip"

	"github.com/seed947b3480/legation/tcp"
)

// Dial connects to address on network "tcp" or "tcp4". See DialContext.
func (n *Net) Dial(network, address string) (net.Conn, error) {
	return n.DialContext(context.Background(), network, address)
}

// DialContext connects to address, "host:port", on network "tcp" or
// "tcp4"; it has the signature http.Transport.DialContext wants. The host
// is an IPv4 address, or a name that Config.Resolve looks up; each address
// it returns is tried in turn. Cancelling ctx, or its deadline passing,
// abandons the attempt (the connection is aborted on the stack) and the
// error matches ctx.Err() with errors.Is.
func (n *Net) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	if network != "tcp" && network != "tcp4" {
		return nil, &net.OpError{Op: "dial", Net: network, Err: net.UnknownNetworkError(network)}
	}
	host, port, err := splitAddr(address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	addrs, err := n.resolve(ctx, host)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	var first error
	for _, a := range addrs {
		c, err := n.DialTCP(ctx, netip.AddrPortFrom(a, port))
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// resolve turns host into the IPv4 addresses to try.
func (n *Net) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	if n.cfg.Resolve == nil || host == "" {
		return nil, &net.DNSError{Err: "no resolver configured", Name: host, IsNotFound: true}
	}
	all, err := n.cfg.Resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var v4 []netip.Addr
	for _, a := range all {
		if a = a.Unmap(); a.Is4() {
			v4 = append(v4, a)
		}
	}
	if len(v4) == 0 {
		return nil, &net.DNSError{Err: "no IPv4 address", Name: host, IsNotFound: true}
	}
	return v4, nil
}

// dialing is one connection attempt, shared by the dialing goroutine and
// the reactor.
type dialing struct {
	tc   *tcp.Conn // reactor only
	c    *Conn
	err  error
	done chan struct{}
}

// DialTCP connects to remote, an IPv4 address and port, and waits until
// the handshake completes, fails, or ctx ends.
func (n *Net) DialTCP(ctx context.Context, remote netip.AddrPort) (*Conn, error) {
	remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	fail := func(err error) (*Conn, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(remote), Err: err}
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	d := &dialing{done: make(chan struct{})}
	cfg := n.tcpConfig()
	n.r.Post(func() {
		// The stack starts a connection's timers from the instant of its
		// latest poll, which is stale after an idle spell (or zero before
		// the first poll): a connect timeout would fire at once. A poll
		// now brings its clock up to date; the wake makes the reactor
		// take note of whatever deadline that poll set.
		n.s.Poll(n.r.Now())
		n.r.Wake()
		tc, err := n.s.DialTCP(remote, cfg)
		if err != nil {
			d.err = err
			close(d.done)
			return
		}
		d.tc = tc
		tc.ConnectFuture().OnComplete(func(_ struct{}, err error) {
			if err == nil {
				d.c = newConn(n.r, tc)
			}
			d.err = err
			close(d.done)
		})
	})
	select {
	case <-d.done:
	case <-ctx.Done():
		n.r.Post(func() {
			if d.tc != nil && !d.tc.ConnectFuture().Done() {
				d.tc.Abort()
			}
		})
		<-d.done
	}
	switch {
	case d.err == nil:
		return d.c, nil
	case d.err == tcp.ErrAborted && ctx.Err() != nil:
		return fail(ctx.Err())
	}
	return fail(sysErr(d.err))
}
