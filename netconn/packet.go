package netconn

import (
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/udp"
)

// PacketConn is a UDP socket of the stack as a net.PacketConn. Besides
// ReadFrom and WriteTo it has the netip forms of *net.UDPConn, which
// allocate nothing.
type PacketConn struct {
	r     *reactor.Reactor
	laddr *net.UDPAddr

	rmu, wmu sync.Mutex
	rd, wr   op
	rdl, wdl deadline

	closer

	// Reactor goroutine only.
	s    *udp.Socket
	gone bool

	startRead, startWrite, cancelRead, cancelWrite func()
}

var _ net.PacketConn = (*PacketConn)(nil)

// ListenPacket opens a UDP socket on network "udp" or "udp4" at address
// ":port", "0.0.0.0:port" or "ip:port"; port 0 picks a free ephemeral port.
// LocalAddr reports the stack's address when the socket takes every local
// address.
func (n *Net) ListenPacket(network, address string) (net.PacketConn, error) {
	if network != "udp" && network != "udp4" {
		return nil, &net.OpError{Op: "listen", Net: network, Err: net.UnknownNetworkError(network)}
	}
	local, err := n.localAddr(address)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	p := &PacketConn{r: n.r, closer: newCloser()}
	p.rd.init()
	p.wr.init()
	p.rdl.init()
	p.wdl.init()
	p.startRead, p.startWrite = p.beginRead, p.beginWrite
	p.cancelRead, p.cancelWrite = p.rd.cancel, p.wr.cancel
	cfg := n.udpConfig()
	var berr error
	n.do(func() {
		s := n.s.NewUDPSocket(cfg)
		if berr = s.Bind(local); berr != nil {
			s.Close()
			return
		}
		p.s = s
		p.laddr = net.UDPAddrFromAddrPort(n.shownAddr(s.LocalAddr()))
		s.OnReadable(p.pumpRead)
		s.OnWritable(p.pumpWrite)
	})
	if berr != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Addr: net.UDPAddrFromAddrPort(local), Err: sysErr(berr)}
	}
	return p, nil
}

// ReadFrom reads the next datagram into b and returns its length and
// source, a *net.UDPAddr. A datagram longer than b is truncated.
func (p *PacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, from, err := p.ReadFromUDPAddrPort(b)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// ReadFromUDPAddrPort is ReadFrom with the source as a netip.AddrPort. It
// waits until a datagram arrives, the read deadline passes or the socket
// is closed.
func (p *PacketConn) ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error) {
	p.rmu.Lock()
	defer p.rmu.Unlock()
	if p.closed.Load() {
		return 0, netip.AddrPort{}, p.opError("read", nil, net.ErrClosed)
	}
	if p.rdl.expired() {
		return 0, netip.AddrPort{}, p.opError("read", nil, errTimeout)
	}
	p.rd.buf = b
	p.rd.run(p.r, p.startRead, p.cancelRead, &p.rdl, p.closing)
	p.rd.buf = nil
	if p.rd.err != nil {
		return 0, netip.AddrPort{}, p.opError("read", nil, p.rd.err)
	}
	return p.rd.n, p.rd.addr, nil
}

// WriteTo sends b as one datagram to addr, a *net.UDPAddr.
func (p *PacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok || ua == nil {
		return 0, p.opError("write", addr, syscall.EINVAL)
	}
	return p.WriteToUDPAddrPort(b, ua.AddrPort())
}

// WriteToUDPAddrPort sends b as one datagram to addr. It returns once the
// datagram is queued, waiting for room in the send ring as needed.
func (p *PacketConn) WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())
	if p.closed.Load() {
		return 0, p.opError("write", udpAddr(addr), net.ErrClosed)
	}
	if p.wdl.expired() {
		return 0, p.opError("write", udpAddr(addr), errTimeout)
	}
	p.wr.buf, p.wr.addr = b, addr
	p.wr.run(p.r, p.startWrite, p.cancelWrite, &p.wdl, p.closing)
	p.wr.buf = nil
	if p.wr.err != nil {
		return 0, p.opError("write", udpAddr(addr), p.wr.err)
	}
	return len(b), nil
}

// Close closes the socket and returns once its port is free; waiting
// calls return net.ErrClosed and datagrams not yet sent are dropped.
func (p *PacketConn) Close() error {
	if !p.shut(p.r, p.closeReactor, true) {
		return p.opError("close", nil, net.ErrClosed)
	}
	return nil
}

// LocalAddr returns the local address, a *net.UDPAddr.
func (p *PacketConn) LocalAddr() net.Addr { return p.laddr }

// SetDeadline sets the read and write deadlines.
func (p *PacketConn) SetDeadline(t time.Time) error {
	if p.closed.Load() {
		return p.opError("set", nil, net.ErrClosed)
	}
	p.rdl.set(t)
	p.wdl.set(t)
	return nil
}

// SetReadDeadline sets the deadline for reads, waiting ones included.
func (p *PacketConn) SetReadDeadline(t time.Time) error {
	if p.closed.Load() {
		return p.opError("set", nil, net.ErrClosed)
	}
	p.rdl.set(t)
	return nil
}

// SetWriteDeadline sets the deadline for writes, waiting ones included.
func (p *PacketConn) SetWriteDeadline(t time.Time) error {
	if p.closed.Load() {
		return p.opError("set", nil, net.ErrClosed)
	}
	p.wdl.set(t)
	return nil
}

func (p *PacketConn) opError(op string, addr net.Addr, err error) error {
	if err == udp.ErrClosed && p.closed.Load() {
		err = net.ErrClosed
	}
	return &net.OpError{Op: op, Net: "udp", Source: p.laddr, Addr: addr, Err: sysErr(err)}
}

// udpAddr avoids a typed nil in an OpError.
func udpAddr(a netip.AddrPort) net.Addr {
	if !a.IsValid() {
		return nil
	}
	return net.UDPAddrFromAddrPort(a)
}

// The reactor's half.

func (p *PacketConn) beginRead() {
	if p.gone {
		p.rd.fail(net.ErrClosed)
		return
	}
	p.rd.pending = true
	p.pumpRead()
}

func (p *PacketConn) pumpRead() {
	o := &p.rd
	if !o.pending {
		return
	}
	n, from, _, err := p.s.RecvFrom(o.buf)
	if err == udp.ErrWouldBlock {
		return
	}
	o.n, o.addr, o.err = n, from, err
	o.finish()
}

func (p *PacketConn) beginWrite() {
	if p.gone {
		p.wr.fail(net.ErrClosed)
		return
	}
	p.wr.pending = true
	p.pumpWrite()
}

func (p *PacketConn) pumpWrite() {
	o := &p.wr
	if !o.pending {
		return
	}
	err := p.s.SendTo(o.buf, o.addr)
	if err == udp.ErrWouldBlock {
		return
	}
	o.err = err
	o.finish()
}

func (p *PacketConn) closeReactor() {
	p.gone = true
	if p.rd.pending {
		p.rd.fail(net.ErrClosed)
	}
	if p.wr.pending {
		p.wr.fail(net.ErrClosed)
	}
	p.s.OnReadable(nil)
	p.s.OnWritable(nil)
	p.s.Close()
}
