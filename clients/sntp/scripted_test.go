package sntp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/fault"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// The scripted peers of these tests: a tiny NTP server whose answers a test
// chooses (behaviour), run either on a second stack on the in-memory link
// (stackServer) or, where a test needs several servers at different
// addresses, by a frame-level peer that answers ARP and NTP for any address
// it is told to (lanPeer). Both run in virtual time and allocate nothing
// per reply, so the client's allocation test can include them.

// replyKind is how a scripted server answers.
type replyKind int

const (
	answer      replyKind = iota // a good reply
	silent                       // no reply
	wrongOrigin                  // a good reply with a corrupted origin timestamp
	kiss                         // stratum 0 with behaviour.kiss as reference ID
	leap3                        // leap indicator 3, otherwise good
	stratum0                     // stratum 0 with a zero reference ID (chrony when unsynchronised, but leap 0)
	stratum16                    // stratum 16, leap 0
	badMode                      // mode 5 (broadcast)
	zeroXmit                     // transmit timestamp 0
	twice                        // a good reply, sent twice
)

// behaviour is a scripted server: its clock runs offset ahead of the
// reactor's, and it answers as kind says.
type behaviour struct {
	kind     replyKind
	kiss     wire.NTPKissCode
	offset   time.Duration
	stratum  uint8 // 0: 2
	requests int
	at       []reactor.Instant // when each request arrived, if non-nil (tests of timing)
	last     wire.NTPRepr      // the latest request
}

// reply writes the answer to request req, received at reactor instant now,
// into out and reports its length (0: no answer).
func (b *behaviour) reply(req []byte, now reactor.Instant, out []byte) int {
	p, err := wire.NewNTPPacket(req)
	if err != nil {
		return 0
	}
	b.requests++
	if b.at != nil {
		b.at = append(b.at, now)
	}
	b.last.Parse(p)
	if b.kind == silent {
		return 0
	}
	t := wire.NTPTimestampFromUnixNano(int64(now.Add(b.offset)))
	r := wire.NTPRepr{
		Version: 4, Mode: wire.NTPModeServer, Stratum: b.stratum, Poll: b.last.Poll, Precision: -20,
		ReferenceID:   [4]byte{127, 127, 1, 1},
		ReferenceTime: t, OriginTime: b.last.TransmitTime, ReceiveTime: t, TransmitTime: t,
	}
	if r.Stratum == 0 {
		r.Stratum = 2
	}
	switch b.kind {
	case wrongOrigin:
		r.OriginTime ^= 1
	case kiss:
		r.Leap, r.Stratum, r.ReferenceID = wire.NTPLeapUnsynced, 0, b.kiss
	case leap3:
		r.Leap = wire.NTPLeapUnsynced
	case stratum0:
		r.Stratum, r.ReferenceID = 0, [4]byte{}
	case stratum16:
		r.Stratum = wire.NTPStratumUnsynced
	case badMode:
		r.Mode = wire.NTPModeBroadcast
	case zeroXmit:
		r.TransmitTime = 0
	}
	r.Emit(out)
	return wire.NTPHeaderLen
}

// stackServer is a scripted NTP server on UDP port 123 of a stack.
type stackServer struct {
	behaviour
	st   *stack.Stack
	sock *udp.Socket
	out  [wire.NTPHeaderLen]byte
}

func newStackServer(t testing.TB, st *stack.Stack, b behaviour) *stackServer {
	t.Helper()
	s := &stackServer{behaviour: b, st: st, sock: st.NewUDPSocket(udp.Config{})}
	if err := s.sock.Bind(netip.AddrPortFrom(netip.Addr{}, wire.NTPPort)); err != nil {
		t.Fatal(err)
	}
	s.sock.OnReadable(s.serve)
	return s
}

func (s *stackServer) serve() {
	for {
		from, p, ok := s.sock.Peek()
		if !ok {
			return
		}
		n := s.reply(p, s.st.Now(), s.out[:])
		s.sock.Discard()
		if n > 0 {
			s.sock.SendTo(s.out[:n], from)
			if s.kind == twice {
				s.sock.SendTo(s.out[:n], from)
			}
		}
	}
}

var (
	cliAddr = netip.MustParseAddr("10.0.0.1")
	srvAddr = netip.MustParseAddr("10.0.0.2")
)

// epoch2026 is the virtual clock's start in most tests: a Unix-epoch
// instant, as a RealClock's would be.
var epoch2026 = time.Date(2026, 11, 21, 6, 0, 0, 0, time.UTC)

// pair is a client stack and a server stack on the in-memory link, on a
// virtual clock.
type pair struct {
	r        *reactor.Reactor
	clk      *reactor.VirtualClock
	cli, srv *stack.Stack
	server   *stackServer
}

// pairOpts tunes newPair.
type pairOpts struct {
	epoch     time.Time
	linkDelay time.Duration // each way, by the fault middleware on the client's side
}

func newPair(t testing.TB, b behaviour, o pairOpts) *pair {
	t.Helper()
	if o.epoch.IsZero() {
		o.epoch = epoch2026
	}
	devA, devB := loopback.NewPair(loopback.Config{})
	clk := reactor.NewVirtualClock(reactor.Instant(o.epoch.UnixNano()))
	r := reactor.New(clk)
	var devCli hal.Device = devA
	if o.linkDelay > 0 {
		devCli = fault.New(devA, fault.Config{Delay: o.linkDelay, Seed: 1})
	}
	cli, err := stack.New(devCli, stack.Config{Addr: netip.PrefixFrom(cliAddr, 24), Seed: 1, GratuitousARPs: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := stack.New(devB, stack.Config{Addr: netip.PrefixFrom(srvAddr, 24), Seed: 2, GratuitousARPs: -1})
	if err != nil {
		t.Fatal(err)
	}
	cli.Spawn(r)
	srv.Spawn(r)
	p := &pair{r: r, clk: clk, cli: cli, srv: srv, server: newStackServer(t, srv, b)}
	p.warmARP(t)
	return p
}

// warmARP has the client stack learn the server's MAC before a test
// starts. Otherwise the first request waits for ARP after the client took
// T1, and the offset is off by half that wait: true of real links too, but
// not what these tests measure.
func (p *pair) warmARP(t testing.TB) {
	t.Helper()
	s := p.cli.NewUDPSocket(udp.Config{})
	defer s.Close()
	if err := s.SendTo([]byte{0}, netip.AddrPortFrom(srvAddr, 9)); err != nil {
		t.Fatal(err)
	}
	known := func() bool { _, ok := p.cli.Neighbor(srvAddr); return ok }
	if !p.r.RunUntil(time.Minute, known) {
		t.Fatal("client stack did not resolve the server")
	}
}

// client starts a client on the pair's client stack, asking the server
// stack unless cfg names servers.
func (p *pair) client(t testing.TB, cfg Config) *Client {
	t.Helper()
	if cfg.Servers == nil {
		cfg.Servers = []netip.Addr{srvAddr}
	}
	if cfg.Seed == 0 {
		cfg.Seed = 7
	}
	c, err := New(p.r, p.cli, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// await runs the reactor until f completes, for at most limit of virtual
// time, and returns its result.
func await(t testing.TB, r *reactor.Reactor, f *reactor.Future[Result], limit time.Duration) (Result, error) {
	t.Helper()
	if !r.RunUntil(limit, f.Done) {
		t.Fatalf("round not done after %v of virtual time", limit)
	}
	return f.Result()
}

// lanPeer is the far end of the in-memory link pretending to be a LAN of
// NTP servers: it answers ARP for every address it serves, with its own
// MAC, and NTP requests to those addresses as each one's behaviour says.
type lanPeer struct {
	dev     *loopback.Device
	mac     wire.HardwareAddr
	servers map[netip.Addr]*behaviour
	out     [128]byte
	now     reactor.Instant
}

func (l *lanPeer) Poll(now reactor.Instant) reactor.Instant {
	l.now = now
	for {
		f, ok := l.dev.Receive()
		if !ok {
			return reactor.Never
		}
		l.handle(f)
		l.dev.ReleaseRx()
	}
}

func (l *lanPeer) handle(frame []byte) {
	eth, err := wire.NewEthernetFrame(frame)
	if err != nil {
		return
	}
	switch eth.EtherType() {
	case wire.EtherTypeARP:
		a, err := wire.NewARPPacket(eth.Payload())
		if err != nil {
			return
		}
		var req wire.ARPRepr
		req.Parse(a)
		if req.Op != wire.ARPRequest || l.servers[req.TargetIP] == nil {
			return
		}
		rep := wire.ARPRepr{Op: wire.ARPReply, SenderHW: l.mac, SenderIP: req.TargetIP, TargetHW: req.SenderHW, TargetIP: req.SenderIP}
		l.send(req.SenderHW, wire.EtherTypeARP, func(b []byte) int { rep.Emit(b); return wire.ARPLen })
	case wire.EtherTypeIPv4:
		ip, err := wire.NewIPv4Packet(eth.Payload())
		if err != nil || ip.Protocol() != wire.IPProtocolUDP {
			return
		}
		u, err := wire.NewUDPPacket(ip.Payload())
		b := l.servers[ip.Dst()]
		if err != nil || b == nil || u.DstPort() != wire.NTPPort {
			return
		}
		src, dst := ip.Dst(), ip.Src()
		sport, dport := u.DstPort(), u.SrcPort()
		for range 1 + btoi(b.kind == twice) {
			l.sendUDP(eth.Src(), src, dst, sport, dport, func(p []byte) int { return b.reply(u.Payload(), l.now, p) })
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// send emits one frame to dst whose payload fill writes.
func (l *lanPeer) send(dst wire.HardwareAddr, et wire.EtherType, fill func([]byte) int) {
	buf, ok := l.dev.Transmit()
	if !ok {
		return
	}
	eth := wire.EthernetRepr{Dst: dst, Src: l.mac, EtherType: et}
	eth.Emit(buf)
	n := fill(buf[wire.EthernetHeaderLen:])
	if n == 0 {
		l.dev.Commit(0)
		return
	}
	l.dev.Commit(wire.EthernetHeaderLen + n)
}

func (l *lanPeer) sendUDP(dstHW wire.HardwareAddr, src, dst netip.Addr, sport, dport uint16, fill func([]byte) int) {
	n := fill(l.out[:])
	if n == 0 {
		return
	}
	l.send(dstHW, wire.EtherTypeIPv4, func(b []byte) int {
		ipr := wire.IPv4Repr{Src: src, Dst: dst, Protocol: wire.IPProtocolUDP, TTL: 64, PayloadLen: wire.UDPHeaderLen + n}
		ipr.Emit(b)
		u := b[wire.IPv4HeaderLen:]
		copy(u[wire.UDPHeaderLen:], l.out[:n])
		ur := wire.UDPRepr{SrcPort: sport, DstPort: dport}
		ur.Emit(u, n, src, dst)
		return wire.IPv4HeaderLen + wire.UDPHeaderLen + n
	})
}

// lan is a client stack facing a lanPeer on a virtual clock.
type lan struct {
	r    *reactor.Reactor
	clk  *reactor.VirtualClock
	cli  *stack.Stack
	peer *lanPeer
}

func newLAN(t testing.TB, servers map[netip.Addr]*behaviour) *lan {
	t.Helper()
	devA, devB := loopback.NewPair(loopback.Config{})
	clk := reactor.NewVirtualClock(reactor.Instant(epoch2026.UnixNano()))
	r := reactor.New(clk)
	cli, err := stack.New(devA, stack.Config{Addr: netip.PrefixFrom(cliAddr, 24), Seed: 1, GratuitousARPs: -1})
	if err != nil {
		t.Fatal(err)
	}
	cli.Spawn(r)
	peer := &lanPeer{dev: devB, mac: wire.HardwareAddr(loopback.DefaultAddrB), servers: servers}
	devB.SetWaker(r.Spawn(peer))
	return &lan{r: r, clk: clk, cli: cli, peer: peer}
}
