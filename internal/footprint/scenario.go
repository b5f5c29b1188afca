package footprint

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/clients/dhcp"
	"github.com/seed947b3480/legation/clients/dhcp/dhcptest"
	"github.com/seed947b3480/legation/dns"
	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

// Params shape configuration (1): a DHCP device with a resolver and a few
// TCP clients doing request/response with a peer, in virtual time.
type Params struct {
	Conns      int           // TCP connections at once; 4
	BufferSize int           // each connection's receive and send ring; 2 KiB
	Request    int           // bytes per request and per response; 512
	Exchanges  int           // exchanges before a connection is closed and dialled again; 20
	Interval   time.Duration // between exchanges on one connection; 1 s
	Lease      time.Duration // DHCP lease; T1 is half, T2 seven eighths; 2 min
	Names      int           // distinct names looked up in turn; 12
	CacheSize  int           // DNS cache entries, fewer than Names; 4
	DNSTTL     time.Duration // TTL the peer's name server gives; 5 min (names outnumber the cache: evictions)
	LookupGap  time.Duration // between lookups; 5 s
	ARPTTL     time.Duration // ARP entry lifetime on the device; 20 s
	Sized      bool          // build the device from stack.Resources
}

// DefaultParams is configuration (1) of issue 8.
func DefaultParams() Params {
	return Params{
		Conns: 4, BufferSize: 2 << 10, Request: 512, Exchanges: 20, Interval: time.Second,
		Lease: 2 * time.Minute, Names: 12, CacheSize: 4, DNSTTL: 5 * time.Minute,
		LookupGap: 5 * time.Second, ARPTTL: 20 * time.Second, Sized: true,
	}
}

var (
	peerPrefix = netip.MustParsePrefix("192.168.7.1/24")
	echoPort   = uint16(7)
)

// Scenario is configuration (1) running: the device stack (A) with its DHCP
// client, resolver and TCP clients, and the peer stack (B) with a DHCP
// server, a name server and an echo service.
type Scenario struct {
	P     Params
	Clock *reactor.VirtualClock
	R     *reactor.Reactor
	Dev   *stack.Stack // the device
	Peer  *stack.Stack

	DHCP     *dhcp.Client
	Resolver *dns.Resolver
	app      *app

	dhcpSrv *dhcptest.Server
	dnsSrv  *dnsPeer
	echo    *echoPeer

	meter *Meter // nil: no measuring
}

// New builds the scenario and starts it (the DHCP client asks at once).
func New(p Params) (*Scenario, error) { return build(p, nil) }

func build(p Params, m *Meter) (*Scenario, error) {
	sc := &Scenario{P: p, Clock: reactor.NewVirtualClock(reactor.Instant(1000 * time.Second)), meter: m}
	sc.mark("")
	sc.R = reactor.New(sc.Clock)
	devA, devB := loopback.NewPair(loopback.Config{Slots: LinkSlots})
	sc.mark("link")
	sc.dhcpSrv = dhcptest.New(devB, dhcptest.Config{
		Addr: peerPrefix, PoolSize: 4,
		Lease: p.Lease, T1: p.Lease / 2, T2: p.Lease * 7 / 8,
	})
	var err error
	peerCfg := stack.Config{Addr: peerPrefix, Seed: 2}
	if p.Sized {
		peerCfg.Resources = stack.NewResources(stack.Sizes{TCPConns: 2 * p.Conns, UDPSockets: 4})
	}
	if sc.Peer, err = stack.New(sc.dhcpSrv, peerCfg); err != nil {
		return nil, err
	}
	sc.Peer.Spawn(sc.R)
	if sc.dnsSrv, err = newDNSPeer(sc.Peer.NewUDPSocket(smallUDP()), uint32(p.DNSTTL/time.Second)); err != nil {
		return nil, err
	}
	if sc.echo, err = newEchoPeer(sc.Peer, p); err != nil {
		return nil, err
	}
	sc.mark("peer")

	if sc.Dev, err = newDevice(devA, p); err != nil {
		return nil, err
	}
	sc.Dev.Spawn(sc.R)
	sc.mark("stack")
	if sc.DHCP, err = dhcp.New(sc.Dev, dhcp.Config{Seed: 3}); err != nil {
		return nil, err
	}
	sc.DHCP.Spawn(sc.R)
	sc.DHCP.Start()
	sc.mark("dhcp")
	if sc.Resolver, err = dns.New(sc.R, sc.Dev, ResolverConfig(p)); err != nil {
		return nil, err
	}
	sc.mark("dns")
	sc.app = newApp(sc, p)
	sc.R.Spawn(sc.app)
	sc.mark("app")
	return sc, nil
}

func newDevice(dev hal.Device, p Params) (*stack.Stack, error) {
	cfg := stack.Config{ARPEntryTTL: p.ARPTTL, Seed: 1}
	if p.Sized {
		cfg.Resources = stack.NewResources(DeviceSizes(p))
	}
	return stack.New(dev, cfg)
}

// DeviceSizes are the stack resources of configuration (1): a record for
// each connection and one for each connection closing behind it, no
// buffers in the records (the application owns its connections' rings),
// a small ARP cache and one reassembly slot for a full-size datagram.
func DeviceSizes(p Params) stack.Sizes {
	return stack.Sizes{
		TCPConns: 2 * p.Conns, UDPSockets: 4,
		ARPEntries: 4, ARPPending: 2, ReassemblySlots: 1, ReassemblyMaxSize: 1480,
	}
}

// LinkSlots is the in-memory link's frames in flight each way: a small
// driver ring, as a microcontroller's Ethernet MAC has.
const LinkSlots = 8

// ResolverConfig is configuration (1)'s resolver: one question at a time
// (one socket), a small cache and no TCP fallback (whose 64 KiB answer
// buffer a small device does without).
func ResolverConfig(p Params) dns.Config {
	return dns.Config{CacheEntries: p.CacheSize, MaxQueries: 1, Seed: 4, MaxTCPMessage: -1}
}

// Run advances the scenario by d of virtual time.
func (sc *Scenario) Run(d time.Duration) { sc.R.RunFor(d) }

// Stats is what the scenario did, for tests to check it did its work.
type Stats struct {
	Exchanges, Dials, ConnFailures uint64
	Lookups, LookupFailures        uint64
	Renewals                       int
	ARPResolved, ARPRequests       uint64
	DNSQueries, DNSEvictions       uint64
	PeerAccepted, PeerDNSAnswers   uint64
	Bytes                          uint64 // response bytes checked
}

func (s Stats) String() string {
	return fmt.Sprintf("exchanges=%d dials=%d connFailures=%d lookups=%d lookupFailures=%d renewals=%d arpResolved=%d arpRequests=%d dnsQueries=%d dnsEvictions=%d peerAccepted=%d",
		s.Exchanges, s.Dials, s.ConnFailures, s.Lookups, s.LookupFailures, s.Renewals, s.ARPResolved, s.ARPRequests, s.DNSQueries, s.DNSEvictions, s.PeerAccepted)
}

// Stats reports the scenario's counters.
func (sc *Scenario) Stats() Stats {
	a := sc.app
	c := sc.Dev.Counters()
	d := sc.Resolver.Stats()
	return Stats{
		Exchanges: a.exchanges, Dials: a.dials, ConnFailures: a.connFailures,
		Lookups: a.lookups, LookupFailures: a.lookupFailures,
		Renewals:    sc.dhcpSrv.Count(3), // REQUESTs: the first and every renewal
		ARPResolved: c.ARPResolved, ARPRequests: c.ARPRequests,
		DNSQueries: d.Queries, DNSEvictions: d.Evictions,
		PeerAccepted: sc.echo.accepted, PeerDNSAnswers: sc.dnsSrv.n, Bytes: a.bytes,
	}
}

// tcpConfig is the configuration of every connection: the TIME-WAIT of a
// closed one is short so that a handful of connection records suffice.
func tcpConfig(rx, tx []byte) tcp.Config {
	return tcp.Config{RxBuffer: rx, TxBuffer: tx, TimeWait: 5 * time.Second}
}
