package netconn

import (
	"context"
	"net"
	"net/netip"
	"strconv"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/udp"
)

// Config configures a Net. The zero value is ready to use.
type Config struct {
	// TCP configures every connection dialed or accepted. Its RxBuffer
	// and TxBuffer are ignored: each connection gets its own rings of
	// tcp.DefaultBufferSize.
	TCP tcp.Config
	// Nagle keeps Nagle's algorithm on. Package net turns it off
	// (TCP_NODELAY) and so does netconn unless this is set.
	Nagle bool
	// Backlog bounds each listener's connections not yet accepted: those
	// the stack has completed and those netconn has taken from it so they
	// receive data before Accept returns them (each queue holds Backlog);
	// 0 means the stack's default, 16.
	Backlog int

	// UDPBufferSize is the size in bytes of each PacketConn's receive and
	// send rings, UDPSlots the datagrams each holds; 0 takes the udp
	// package's defaults.
	UDPBufferSize, UDPSlots int

	// Resolve looks up a host name for Dial; nil means addresses only.
	// It runs on the dialing goroutine, never on the reactor.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
}

// Net is the network of one stack as the standard library's interfaces.
// Its methods are for goroutines other than the reactor's, which must be
// turning for them to complete.
type Net struct {
	s   *stack.Stack
	r   *reactor.Reactor
	cfg Config
}

// New returns the network of s, which runs on r.
func New(s *stack.Stack, r *reactor.Reactor, cfg Config) *Net {
	return &Net{s: s, r: r, cfg: cfg}
}

// tcpConfig is the configuration of one new connection.
func (n *Net) tcpConfig() tcp.Config {
	cfg := n.cfg.TCP
	if !n.cfg.Nagle {
		cfg.NoDelay = true
	}
	cfg.RxBuffer, cfg.TxBuffer = nil, nil
	return cfg
}

// do runs fn on the reactor and waits for it.
func (n *Net) do(fn func()) {
	done := make(chan struct{})
	n.r.Post(func() { fn(); close(done) })
	<-done
}

// splitAddr parses "host:port" with a numeric port. The host may be empty.
func splitAddr(address string) (host string, port uint16, err error) {
	host, p, err := net.SplitHostPort(address)
	if err != nil {
		return "", 0, err
	}
	v, err := strconv.ParseUint(p, 10, 16)
	if err != nil {
		return "", 0, &net.AddrError{Err: "invalid port", Addr: address}
	}
	return host, uint16(v), nil
}

// localAddr parses the address of Listen or ListenPacket: an empty host,
// 0.0.0.0, or the stack's own address.
func (n *Net) localAddr(address string) (netip.AddrPort, error) {
	host, port, err := splitAddr(address)
	if err != nil {
		return netip.AddrPort{}, err
	}
	ip := netip.IPv4Unspecified()
	if host != "" {
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Unmap().Is4() {
			return netip.AddrPort{}, &net.AddrError{Err: "not an IPv4 address", Addr: address}
		}
		ip = a.Unmap()
	}
	return netip.AddrPortFrom(ip, port), nil
}

// shownAddr is the address a listener reports: the stack's own for one
// bound to every local address, since 0.0.0.0 names nothing a peer can
// reach.
func (n *Net) shownAddr(local netip.AddrPort) netip.AddrPort {
	if local.Addr().IsUnspecified() {
		if a := n.s.Addr(); a.IsValid() {
			return netip.AddrPortFrom(a.Addr(), local.Port())
		}
	}
	return local
}

// udpConfig is the configuration of one new socket.
func (n *Net) udpConfig() udp.Config {
	var cfg udp.Config
	if n.cfg.UDPBufferSize > 0 {
		cfg.RxBuffer = make([]byte, n.cfg.UDPBufferSize)
		cfg.TxBuffer = make([]byte, n.cfg.UDPBufferSize)
	}
	cfg.RxSlots, cfg.TxSlots = n.cfg.UDPSlots, n.cfg.UDPSlots
	return cfg
}
