// Package echo is the RFC 862 echo service over a legation stack: every UDP
// datagram goes back to its sender, and every byte a TCP client sends comes
// back on the same connection, which closes once the client has closed its
// side and everything has been echoed. It runs entirely in callbacks on the
// reactor goroutine and allocates only per connection, never per packet.
package echo

import (
	"net/netip"

	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/udp"
)

// Port is the echo service's well-known port.
const Port = 7

// Service is a running echo service.
type Service struct {
	UDP *udp.Socket
	TCP *stack.TCPListener
	buf []byte
}

// Serve starts the echo service on port for UDP and TCP.
func Serve(s *stack.Stack, port uint16) (*Service, error) {
	svc := &Service{buf: make([]byte, 64<<10)}
	sock := s.NewUDPSocket(udp.Config{RxBuffer: make([]byte, 16<<10), RxSlots: 64, TxBuffer: make([]byte, 16<<10), TxSlots: 64})
	if err := sock.Bind(netip.AddrPortFrom(netip.Addr{}, port)); err != nil {
		return nil, err
	}
	svc.UDP = sock
	// Peek before receiving: a datagram stays queued while the send ring is
	// full, and OnWritable resumes the loop when it has room again.
	drain := func() {
		for {
			from, p, ok := sock.Peek()
			if !ok {
				return
			}
			n := copy(svc.buf, p)
			if sock.SendTo(svc.buf[:n], from) == udp.ErrWouldBlock {
				return
			}
			sock.Discard()
		}
	}
	sock.OnReadable(drain)
	sock.OnWritable(drain)

	l, err := s.ListenTCP(port, stack.ListenConfig{})
	if err != nil {
		sock.Close()
		return nil, err
	}
	svc.TCP = l
	l.OnAccept(func() {
		for {
			c, ok := l.Accept()
			if !ok {
				return
			}
			svc.serveConn(c)
		}
	})
	return svc, nil
}

// serveConn echoes one connection: read only as much as can be written, so
// nothing read is ever dropped, and let the send window pace the reads.
func (svc *Service) serveConn(c *tcp.Conn) {
	peerDone := false
	pump := func() {
		for {
			first, second, err := c.WriteLease()
			if err != nil {
				return
			}
			room := len(first) + len(second)
			n, _ := c.Read(svc.buf[:min(len(svc.buf), room)])
			if n == 0 {
				break
			}
			c.Write(svc.buf[:n])
		}
		// Close once everything the client sent has been echoed: closing
		// with unread data would reset the connection (RFC 9293 3.10.4).
		// Release hands the rest of the close (the echo still unsent, the
		// FIN, TIME-WAIT) to the stack, which frees the buffers once the
		// client has acknowledged everything.
		if peerDone && c.Buffered() == 0 {
			c.Release()
		}
	}
	c.OnReadable(pump)
	c.OnWritable(pump)
	c.OnPeerClosed(func() { peerDone = true; pump() })
	pump()
}
