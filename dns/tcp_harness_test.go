package dns

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
	"golang.org/x/net/dns/dnsmessage"
)

// The TCP fallback tests run a DNS server over TCP on the peer stack
// beside the scripted UDP one: it reads each length-prefixed query with
// its own framing code (not the resolver's tcpFrame), logs it, and hands
// it to the test's handler, which writes what it likes back: an answer,
// garbage, a reset, or nothing.

// tcpServer is the server's listener and what it has seen.
type tcpServer struct {
	e      *env
	l      *stack.TCPListener
	handle tcpHandler
	// onAccept, if set, runs for each connection as it is accepted,
	// before any query is read.
	onAccept func(p *tcpPeer)
	log      []seen
	peers    []*tcpPeer
}

// tcpHandler answers query q on connection p.
type tcpHandler func(p *tcpPeer, q *dnsmessage.Message)

// tcpPeer is the server's side of one connection.
type tcpPeer struct {
	s          *tcpServer
	c          *tcp.Conn
	in         []byte // received bytes not yet a whole query
	out        []byte // bytes to send, waiting for room in the ring
	closeAfter bool   // close (FIN) once out is sent
	eof        bool   // the client's FIN arrived
	closed     bool   // the connection reached CLOSED ...
	err        error  // ... for this reason (nil: gracefully)
}

// serveTCP starts a TCP server on port with handler h.
func (e *env) serveTCP(port uint16, h tcpHandler) *tcpServer {
	e.t.Helper()
	// Small rings, so that the server's allocations per connection stay
	// small beside the resolver's (TestTCPFallbackMemory), and NoDelay so
	// that a dribbled answer leaves in the pieces it is written in.
	l, err := e.srv.ListenTCP(port, stack.ListenConfig{Conn: tcp.Config{NoDelay: true}, RxBufferSize: 2048, TxBufferSize: 4096})
	if err != nil {
		e.t.Fatal(err)
	}
	s := &tcpServer{e: e, l: l, handle: h}
	l.OnAccept(func() {
		for {
			c, ok := l.Accept()
			if !ok {
				return
			}
			p := &tcpPeer{s: s, c: c}
			s.peers = append(s.peers, p)
			c.OnReadable(p.readable)
			c.OnWritable(p.flush)
			c.OnClosed(func(err error) { p.closed, p.err = true, err })
			if s.onAccept != nil {
				s.onAccept(p)
			}
		}
	})
	return s
}

// queries reports how many queries the server has read.
func (s *tcpServer) queries() int { return len(s.log) }

func (p *tcpPeer) readable() {
	var buf [1024]byte
	for {
		n, err := p.c.Read(buf[:])
		p.in = append(p.in, buf[:n]...)
		if n > 0 {
			continue
		}
		if err == io.EOF && !p.eof {
			p.eof = true
			p.closeAfter = true
			p.flush()
		}
		break
	}
	for len(p.in) >= 2 && !p.closed {
		n := int(binary.BigEndian.Uint16(p.in))
		if len(p.in) < 2+n {
			return
		}
		msg := p.in[2 : 2+n]
		p.in = p.in[2+n:]
		var m dnsmessage.Message
		if err := m.Unpack(msg); err != nil || len(m.Questions) != 1 {
			p.s.e.t.Errorf("tcp server: bad query %x: %v", msg, err)
			continue
		}
		_, remote := p.c.Tuple()
		q := m.Questions[0]
		p.s.log = append(p.s.log, seen{at: p.s.e.r.Now(), from: remote, id: m.ID, name: q.Name.String(), typ: q.Type})
		p.s.handle(p, &m)
	}
}

// send queues b and sends as much as the ring takes.
func (p *tcpPeer) send(b []byte) {
	p.out = append(p.out, b...)
	p.flush()
}

// close closes the server's side once everything queued is sent.
func (p *tcpPeer) close() {
	p.closeAfter = true
	p.flush()
}

func (p *tcpPeer) flush() {
	for len(p.out) > 0 {
		n, err := p.c.Write(p.out)
		if n == 0 || err != nil {
			return
		}
		p.out = p.out[n:]
	}
	if p.closeAfter && p.c.State() != tcp.Closed {
		p.c.Close()
	}
}

// dribble sends b chunk bytes at a time, one chunk every interval of
// virtual time, from a task of its own; it stops once the connection
// refuses a write.
func (p *tcpPeer) dribble(b []byte, chunk int, every time.Duration) {
	var h *reactor.Handle
	h = p.s.e.r.Spawn(reactor.TaskFunc(func(now reactor.Instant) reactor.Instant {
		if len(b) == 0 {
			h.Cancel()
			return reactor.Never
		}
		n, err := p.c.Write(b[:min(chunk, len(b))])
		if err != nil {
			h.Cancel()
			return reactor.Never
		}
		b = b[n:]
		return now.Add(every)
	}))
}

// framed puts msgs behind their two-byte lengths, one after another.
func framed(msgs ...[]byte) []byte {
	var out []byte
	for _, m := range msgs {
		out = binary.BigEndian.AppendUint16(out, uint16(len(m)))
		out = append(out, m...)
	}
	return out
}

// manyAddrs returns n A records for name: 10.1.0.0, 10.1.0.1 and on.
func manyAddrs(name string, n int) []rr {
	recs := make([]rr, n)
	for i := range recs {
		recs[i] = rr{name: name, ttl: 60, a: netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}).String()}
	}
	return recs
}

// firstAddrs is what a Result holds of manyAddrs: the first MaxAddrs.
func firstAddrs(n int) string {
	var s string
	for i := 0; i < min(n, MaxAddrs); i++ {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprintf("10.1.%d.%d", i>>8, i&0xff)
	}
	return s
}

// truncating answers over UDP as a server does when the answer does not
// fit: TC set and only the records that fit (here, the first two).
func truncating(z *zone) handler {
	return func(q *dnsmessage.Message) []byte {
		var full dnsmessage.Message
		if err := full.Unpack(z.handle(q)); err != nil {
			panic(err)
		}
		var keep []rr
		for _, a := range full.Answers[:min(2, len(full.Answers))] {
			if b, ok := a.Body.(*dnsmessage.AResource); ok {
				keep = append(keep, rr{name: a.Header.Name.String(), ttl: a.Header.TTL, a: netip.AddrFrom4(b.A).String()})
			}
		}
		return reply(q, full.RCode, keep, nil, func(h *dnsmessage.Header, _ *dnsmessage.Question) { h.Truncated = true })
	}
}

// answering is a TCP handler that answers from z, whole.
func answering(z *zone) tcpHandler {
	return func(p *tcpPeer, q *dnsmessage.Message) { p.send(framed(z.handle(q))) }
}
