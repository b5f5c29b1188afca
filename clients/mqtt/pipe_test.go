package mqtt

import (
	"errors"
	"io"
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stream"
	"github.com/seed947b3480/legation/tcp"
)

// pipeConn is a stream.Conn in memory, for tests that drive the client's
// input byte by byte (and the fuzz target): what the broker "sends" is
// fed in, ReadLease lends at most chunk bytes at a time (as a receive
// ring's wrap would), and what the client writes is collected.
type pipeConn struct {
	in      []byte
	chunk   int
	out     []byte
	room    int // free space WriteLease offers; 0 means plenty
	scratch []byte
	eof     bool
	closed  bool
	aborted bool

	onReadable, onWritable, onPeerClosed func()
	onClosed                             func(error)
	cf                                   reactor.Future[struct{}]
}

var _ stream.Conn = (*pipeConn)(nil)

// feed delivers bytes from the broker.
func (p *pipeConn) feed(b []byte) {
	p.in = append(p.in, b...)
	if p.onReadable != nil {
		p.onReadable()
	}
}

func (p *pipeConn) Read(b []byte) (int, error) {
	l, err := p.ReadLease()
	n := copy(b, l)
	p.Consume(n)
	return n, err
}

func (p *pipeConn) ReadLease() ([]byte, error) {
	switch {
	case len(p.in) > 0:
		n := len(p.in)
		if p.chunk > 0 {
			n = min(n, p.chunk)
		}
		return p.in[:n:n], nil
	case p.closed:
		return nil, tcp.ErrClosed
	case p.eof:
		return nil, io.EOF
	}
	return nil, tcp.ErrWouldBlock
}

func (p *pipeConn) Consume(n int) { p.in = p.in[min(max(n, 0), len(p.in)):] }
func (p *pipeConn) Buffered() int { return len(p.in) }

func (p *pipeConn) Write(b []byte) (int, error) {
	if p.closed {
		return 0, tcp.ErrClosed
	}
	p.out = append(p.out, b...)
	return len(b), nil
}

func (p *pipeConn) WriteLease() ([]byte, []byte, error) {
	if p.closed {
		return nil, nil, tcp.ErrClosed
	}
	n := p.room
	if n == 0 {
		n = 4096
	}
	if cap(p.scratch) < n {
		p.scratch = make([]byte, n)
	}
	h := n / 2 // two pieces, as a ring that wraps gives
	return p.scratch[:h], p.scratch[h:n], nil
}

func (p *pipeConn) CommitWrite(n int) {
	if !p.closed {
		p.out = append(p.out, p.scratch[:n]...)
	}
}

func (p *pipeConn) SendQueued() int   { return 0 }
func (p *pipeConn) CloseWrite() error { p.closed = true; return nil }
func (p *pipeConn) Close() error      { p.closed = true; return nil }
func (p *pipeConn) Abort()            { p.closed, p.aborted = true, true }
func (p *pipeConn) Release()          { p.closed = true }
func (p *pipeConn) Err() error        { return nil }

func (p *pipeConn) ConnectFuture() *reactor.Future[struct{}] { return &p.cf }
func (p *pipeConn) OnReadable(f func())                      { p.onReadable = f }
func (p *pipeConn) OnWritable(f func())                      { p.onWritable = f }
func (p *pipeConn) OnPeerClosed(f func())                    { p.onPeerClosed = f }
func (p *pipeConn) OnClosed(f func(error))                   { p.onClosed = f }

// pipeDialer hands out pipeConns, connected at once.
type pipeDialer struct {
	conns []*pipeConn
	chunk int
}

func (d *pipeDialer) Dial(netip.AddrPort, string) (stream.Conn, error) {
	p := &pipeConn{chunk: d.chunk}
	p.cf.Complete(struct{}{}, nil)
	d.conns = append(d.conns, p)
	return p, nil
}

func (d *pipeDialer) last() *pipeConn { return d.conns[len(d.conns)-1] }

// pipeHost is a Host whose clock is the reactor's; it dials nothing.
type pipeHost struct{ r *reactor.Reactor }

func (h pipeHost) DialTCP(netip.AddrPort, tcp.Config) (*tcp.Conn, error) {
	return nil, errors.New("pipeHost dials nothing")
}
func (h pipeHost) Now() reactor.Instant { return h.r.Now() }

// pipeClient makes a client over a pipeDialer on its own reactor and
// runs it until its CONNECT is out.
func pipeClient(cfg Config, chunk int) (*Client, *pipeDialer, *reactor.Reactor) {
	r := reactor.New(reactor.NewVirtualClock(reactor.Instant(time.Hour)))
	d := &pipeDialer{chunk: chunk}
	cfg.Broker, cfg.Dialer = "10.0.0.1", d
	if cfg.ClientID == "" {
		cfg.ClientID = "pipe"
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	c, err := New(pipeHost{r}, cfg)
	if err != nil {
		panic(err)
	}
	c.Spawn(r)
	r.RunUntil(time.Second, func() bool { return len(d.conns) == 1 && len(d.last().out) > 0 })
	return c, d, r
}

// samplePackets are packets of many types as a broker might send them,
// for the fuzz corpus.
func samplePackets(v Version) map[string][]byte {
	out := map[string][]byte{}
	p := packet.Publish{QoS: 1, PacketID: 7, Topic: []byte("a/b"), Payload: []byte("payload")}
	if v == V5 {
		p.Props.Set(packet.PropTopicAlias)
		p.Props.TopicAlias = 2
		p.Props.User = []packet.UserProperty{{Key: []byte("k"), Value: []byte("v")}}
	}
	out["publish"] = must(p.Append(nil, v))
	if v == V5 {
		a := packet.Publish{QoS: 0, Payload: []byte("x")}
		a.Props.Set(packet.PropTopicAlias)
		a.Props.TopicAlias = 2
		out["publish-alias"] = must(a.Append(nil, v))
		d := packet.Disconnect{Code: packet.ServerShuttingDown}
		d.Props.Set(packet.PropReasonString)
		d.Props.ReasonString = []byte("bye")
		out["disconnect-props"] = must(d.Append(nil, v))
		out["auth"] = must((&packet.Auth{Code: packet.ContinueAuthentication}).Append(nil))
		out["PUBACK-code"] = must((&packet.Ack{Type: packet.PUBACK, PacketID: 2, Code: packet.QuotaExceeded}).Append(nil, v))
	}
	out["suback"] = must((&packet.Suback{PacketID: 1, Codes: []byte{0x80}}).Append(nil, v))
	out["unsuback"] = must((&packet.Unsuback{PacketID: 1, Codes: []byte{0}}).Append(nil, v))
	out["disconnect"] = must((&packet.Disconnect{}).Append(nil, v))
	return out
}
