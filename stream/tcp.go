package stream

import (
	"net/netip"

	"github.com/seed947b3480/legation/tcp"
)

// TCPHost is what TCP needs from the network stack; *stack.Stack is one.
type TCPHost interface {
	DialTCP(remote netip.AddrPort, cfg tcp.Config) (*tcp.Conn, error)
}

// TCP dials plain TCP connections over Host with Config (its buffers,
// pool and timeouts; a Config with fixed RxBuffer or TxBuffer must not be
// shared by two live connections, so a dialer for many connections leaves
// them nil and sets Pool, or leaves both to the default allocation).
type TCP struct {
	Host   TCPHost
	Config tcp.Config
}

// Dial starts a TCP connection to remote.
func (d *TCP) Dial(remote netip.AddrPort, _ string) (Conn, error) {
	c, err := d.Host.DialTCP(remote, d.Config)
	if err != nil {
		return nil, err
	}
	return c, nil
}
