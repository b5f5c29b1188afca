package report

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"github.com/seed947b3480/legation/clients/dhcp"
	"github.com/seed947b3480/legation/clients/dhcp/dhcptest"
	devapp "github.com/seed947b3480/legation/examples/device/app"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/internal/footprint"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

// Configuration (2) is the full demo device (examples/device/app): DHCP,
// SNTP, MQTT with telemetry and commands, the HTTP server with the
// dashboard and its WebSocket live feed, over the loopback link in virtual
// time. The peer runs the DHCP server, the demo broker and NTP server,
// a dashboard poller and a live-feed client.

// fullRig is configuration (2) running.
type fullRig struct {
	r        *reactor.Reactor
	dev      *stack.Stack
	peer     *stack.Stack
	dhcp     *dhcp.Client
	d        *devapp.Device
	demo     *devapp.DemoPeer
	poll     *httpPoller
	ws       *wsClient
	cmds     int
	cmdAt    reactor.Instant
	telem    int // telemetry messages the broker saw
	fullSize stack.Sizes
}

var (
	peerPrefix  = netip.MustParsePrefix("192.168.7.1/24")
	fullDevAddr = netip.MustParseAddr("192.168.7.100")
	epoch2026   = reactor.Instant(time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC).UnixNano())
)

// peerTCPConns sizes the peer's stack: the dashboard poller's and live
// view's connections, the broker's (which never releases its records: a
// few reconnections) and those closing.
const peerTCPConns = 32

// deviceConfig is configuration (2)'s device, but for its DHCP client;
// its stack is sized by Config.StackSizes, with the ARP and reassembly
// sizes of a small device.
func deviceConfig(pool *tcp.BufferPool) devapp.Config {
	return devapp.Config{
		Name: "dev-1", Link: "loopback", NTPFromStack: true,
		MQTT: peerPrefix.Addr().String(), MQTTEvery: 5 * time.Second, Seed: 7,
		HTTP: httpd.Config{MaxConns: 8, MaxActive: 4, BufferSize: 2048, Listen: stack.ListenConfig{Pool: pool}},
	}
}

// fullSizes are the device stack's resources in configuration (2).
func fullSizes() stack.Sizes {
	z := deviceConfig(nil).StackSizes()
	z.ARPEntries, z.ARPPending, z.ReassemblySlots, z.ReassemblyMaxSize = 4, 4, 1, 1480
	return z
}

func buildFull(m *footprint.Meter, sized bool) (*fullRig, error) {
	m.Mark("")
	rg := &fullRig{r: reactor.New(reactor.NewVirtualClock(epoch2026))}
	a, b := loopback.NewPair(loopback.Config{Slots: footprint.LinkSlots})
	m.Mark("link")
	srv := dhcptest.New(b, dhcptest.Config{Addr: peerPrefix, PoolStart: fullDevAddr, PoolSize: 4,
		NTP: []netip.Addr{peerPrefix.Addr()}, Lease: 2 * time.Minute, T1: time.Minute, T2: 105 * time.Second})
	var err error
	// The peer's stack is sized too: its allocations cannot be told from
	// the device's stack's by their call stacks (both are stack.Poll
	// under the reactor), so an unsized peer growing its tables would
	// show up as the device's.
	peerRes := stack.NewResources(stack.Sizes{TCPConns: peerTCPConns, UDPSockets: 4})
	if rg.peer, err = stack.New(srv, stack.Config{Addr: peerPrefix, Seed: 2, Resources: peerRes}); err != nil {
		return nil, err
	}
	rg.peer.Spawn(rg.r)
	if rg.demo, err = devapp.ServeDemoPeer(rg.r, rg.peer, 250*time.Millisecond); err != nil {
		return nil, err
	}
	rg.demo.OnPublish(rg.published)
	m.Mark("peer")

	cfg := stack.Config{Seed: 1}
	if sized {
		cfg.Resources = stack.NewResources(fullSizes())
	}
	if rg.dev, err = stack.New(a, cfg); err != nil {
		return nil, err
	}
	rg.dev.Spawn(rg.r)
	m.Mark("stack")
	if rg.dhcp, err = dhcp.New(rg.dev, dhcp.Config{Seed: 3}); err != nil {
		return nil, err
	}
	rg.dhcp.Spawn(rg.r)
	rg.dhcp.Start()
	m.Mark("dhcp")
	pool := tcp.NewBufferPool(4096, 16)
	pool.Preallocate()
	dc := deviceConfig(pool)
	dc.DHCP = rg.dhcp
	if rg.d, err = devapp.New(rg.r, rg.dev, dc); err != nil {
		return nil, err
	}
	if err := rg.d.Start(); err != nil {
		return nil, err
	}
	m.Mark("app")
	rg.poll = newHTTPPoller(rg.peer, netip.AddrPortFrom(fullDevAddr, 80), 10*time.Second)
	rg.ws = newWSClient(rg.peer, netip.AddrPortFrom(fullDevAddr, 80))
	rg.r.Spawn(reactor.TaskFunc(rg.pollTraffic))
	return rg, nil
}

func (rg *fullRig) published(topic string, payload []byte) {
	if strings.HasSuffix(topic, "/telemetry") {
		rg.telem++
	}
}

// pollTraffic starts the peer's clients once the device has its address,
// and sends the device a command every 30 s.
func (rg *fullRig) pollTraffic(now reactor.Instant) reactor.Instant {
	if !rg.dev.Addr().IsValid() || !rg.d.State().MQTTUp {
		return now.Add(time.Second)
	}
	rg.poll.start()
	rg.ws.start()
	if now >= rg.cmdAt {
		rg.demo.Publish("legation/dev-1/cmd", cmdToggle, 1, false)
		rg.cmds++
		rg.cmdAt = now.Add(30 * time.Second)
	}
	return reactor.Min(rg.cmdAt, now.Add(time.Second))
}

var cmdToggle = []byte("led toggle")

// httpPoller fetches /api/info every interval over a new connection, as
// a dashboard page that polls would.
type httpPoller struct {
	s        *stack.Stack
	dst      netip.AddrPort
	every    time.Duration
	c        *tcp.Conn
	resp     []byte
	n        int
	started  bool
	ok, fail int
	next     reactor.Instant
	h        *reactor.Handle
	readFn   func()
	closeFn  func()
}

var infoRequest = []byte("GET /api/info HTTP/1.1\r\nHost: device\r\nConnection: close\r\n\r\n")

func newHTTPPoller(s *stack.Stack, dst netip.AddrPort, every time.Duration) *httpPoller {
	p := &httpPoller{s: s, dst: dst, every: every, resp: make([]byte, 8192)}
	p.readFn, p.closeFn = p.readable, p.peerClosed
	return p
}

func (p *httpPoller) start() {
	if !p.started {
		p.started = true
		p.next = p.s.Now()
		p.fetch()
	}
}

func (p *httpPoller) fetch() {
	c, err := p.s.DialTCP(p.dst, tcp.Config{TimeWait: -1, RxBuffer: p.resp[:4096:4096], TxBuffer: p.resp[4096:]})
	if err != nil {
		p.fail++
		return
	}
	p.c, p.n = c, 0
	c.OnReadable(p.readFn)
	c.OnPeerClosed(p.closeFn)
	c.Write(infoRequest)
}

func (p *httpPoller) readable() {
	for {
		b, _ := p.c.ReadLease()
		if len(b) == 0 {
			return
		}
		if p.n == 0 && !bytes.HasPrefix(b, []byte("HTTP/1.1 200 ")) {
			p.fail++
		}
		p.n += len(b)
		p.c.Consume(len(b))
	}
}

func (p *httpPoller) peerClosed() {
	if p.n > 100 {
		p.ok++
	} else {
		p.fail++
	}
	p.c.Close()
	p.c.Release()
	p.c = nil
}

// poll runs from the traffic task: a fetch every interval.
func (p *httpPoller) poll(now reactor.Instant) {
	if p.started && p.c == nil && now >= p.next {
		p.next = now.Add(p.every)
		p.fetch()
	}
}

// wsClient is a dashboard page's live view: it opens /api/live, reads
// the snapshots the device pushes every second and answers pings.
type wsClient struct {
	s        *stack.Stack
	dst      netip.AddrPort
	c        *tcp.Conn
	started  bool
	upgraded bool
	buf      []byte
	n        int
	frames   int
	pings    int
	opens    int
	readFn   func()
	closedFn func(error)
}

var wsRequest = []byte("GET /api/live HTTP/1.1\r\nHost: device\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")

func newWSClient(s *stack.Stack, dst netip.AddrPort) *wsClient {
	w := &wsClient{s: s, dst: dst, buf: make([]byte, 16384)}
	w.readFn, w.closedFn = w.readable, w.closed
	return w
}

func (w *wsClient) start() {
	if w.started {
		return
	}
	w.started = true
	w.open()
}

func (w *wsClient) open() {
	c, err := w.s.DialTCP(w.dst, tcp.Config{TimeWait: -1, RxBuffer: w.buf[:8192:8192], TxBuffer: w.buf[8192:10240:10240]})
	if err != nil {
		return
	}
	w.c, w.n, w.upgraded = c, 0, false
	w.opens++
	c.OnReadable(w.readFn)
	c.OnClosed(w.closedFn)
	c.Write(wsRequest)
}

func (w *wsClient) closed(error) {
	w.c.Release()
	w.c = nil
	w.open()
}

// readable takes the 101 answer, then frames: server frames are not
// masked; a ping is answered with a masked pong (a zero key).
func (w *wsClient) readable() {
	scratch := w.buf[10240:]
	for {
		k, _ := w.c.Read(scratch[w.n:])
		if k == 0 {
			return
		}
		w.n += k
		for {
			used := w.take(scratch[:w.n])
			if used == 0 {
				break
			}
			copy(scratch, scratch[used:w.n])
			w.n -= used
		}
	}
}

// take consumes one unit (the upgrade answer or a frame) from b and
// returns its length, 0 if b does not hold a whole one.
func (w *wsClient) take(b []byte) int {
	if !w.upgraded {
		i := bytes.Index(b, []byte("\r\n\r\n"))
		if i < 0 {
			return 0
		}
		w.upgraded = bytes.HasPrefix(b, []byte("HTTP/1.1 101"))
		if !w.upgraded {
			w.c.Abort()
		}
		return i + 4
	}
	if len(b) < 2 {
		return 0
	}
	op, l, h := b[0]&0x0f, int(b[1]&0x7f), 2
	switch l {
	case 126:
		if len(b) < 4 {
			return 0
		}
		l, h = int(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		if len(b) < 10 {
			return 0
		}
		l, h = int(binary.BigEndian.Uint64(b[2:])), 10
	}
	if len(b) < h+l {
		return 0
	}
	switch op {
	case 0x9:
		w.pings++
		var pong [2 + 4 + 125]byte
		pong[0], pong[1] = 0x8a, 0x80|byte(l)
		n := copy(pong[6:], b[h:h+l])
		w.c.Write(pong[:6+n])
	case 0x1, 0x2, 0x0:
		w.frames++
	}
	return h + l
}

// fullFigures are configuration (2)'s measurements.
type fullFigures struct {
	Link, Peer, Stack, DHCP, App, Start int64
	FirstStart                          int64 // Start in the process's first build
	Warm, Hour                          int64
	Mallocs, DeviceAllocs               uint64
	AllocsPerMin, DeviceAllocsPerMin    float64
	Fetches, FetchFailures              int
	Frames, Pings, WSOpens, Cmds, Telem int
	ARPResolved, Renewals               uint64
	TCPNoSlot, TCPRefused               uint64
	TopDevice                           []string
	WarmAllocs                          uint64   // the device's allocations in the warm-up
	TopWarm                             []string // and their sites
}

func measureFull(warm, run time.Duration, sized bool) (fullFigures, error) {
	// Three builds, each step's smallest reading (footprint.Meter); the
	// last one runs.
	// All stay reachable until the end: none is collected in the middle
	// of another's steps.
	m := footprint.NewMeter()
	var built [3]*fullRig
	for i := range built {
		var err error
		if built[i], err = buildFull(m, sized); err != nil {
			return fullFigures{}, err
		}
	}
	defer runtime.KeepAlive(&built)
	rg := built[len(built)-1]
	var f fullFigures
	f.Link, f.Peer, f.Stack, f.DHCP, f.App = m.Step("link"), m.Step("peer"), m.Step("stack"), m.Step("dhcp"), m.Step("app")
	f.Start = f.Stack + f.DHCP + f.App
	f.FirstStart = m.First("stack") + m.First("dhcp") + m.First("app")
	traffic := reactor.TaskFunc(func(now reactor.Instant) reactor.Instant {
		rg.poll.poll(now)
		return now.Add(time.Second)
	})
	rg.r.Spawn(traffic)
	profStart := memRecords()
	h0, _ := footprint.HeapAlloc()
	rg.r.RunFor(warm)
	h1, _ := footprint.HeapAlloc()
	// The profile snapshot is alive during the hour: the growth is read
	// from after it was taken, and the allocation count too.
	prof0 := memRecords()
	hp, m1 := footprint.HeapAlloc()
	rg.r.RunFor(run)
	h2, m2 := footprint.HeapAlloc()
	prof1 := memRecords()
	f.Warm = f.Start + int64(h1) - int64(h0)
	f.Hour = f.Warm + int64(h2) - int64(hp)
	f.Mallocs = m2 - m1
	f.AllocsPerMin = float64(f.Mallocs) / run.Minutes()
	f.DeviceAllocs, f.TopDevice = deviceAllocs(prof0, prof1)
	f.WarmAllocs, f.TopWarm = deviceAllocs(profStart, prof0)
	f.DeviceAllocsPerMin = float64(f.DeviceAllocs) / run.Minutes()
	f.Fetches, f.FetchFailures = rg.poll.ok, rg.poll.fail
	f.Frames, f.Pings, f.WSOpens, f.Cmds, f.Telem = rg.ws.frames, rg.ws.pings, rg.ws.opens, rg.cmds, rg.telem
	cn := rg.dev.Counters()
	f.ARPResolved, f.TCPNoSlot, f.TCPRefused = cn.ARPResolved, cn.TCPNoSlot, cn.TCPRefused
	f.Renewals = rg.dhcp.Stats().Requests
	runtime.KeepAlive(rg)
	return f, nil
}
