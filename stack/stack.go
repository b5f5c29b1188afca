package stack

import (
	"math/rand/v2"
	"net/netip"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/internal/seeded"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// Stack is one IPv4 interface over one device. It is a reactor.Task; all
// methods run on the reactor goroutine.
type Stack struct {
	dev     hal.Device
	clocked hal.Clocked
	mtu     int // frame bytes, Ethernet header included
	offload hal.Offload
	mac     wire.HardwareAddr
	cfg     Config

	addr netip.Prefix
	gw   netip.Addr
	dns  []netip.Addr // a slice of dnsBuf
	ntp  []netip.Addr // a slice of ntpBuf

	dnsBuf, ntpBuf [MaxServers]netip.Addr

	probe probe

	now    reactor.Instant
	rng    *rand.Rand
	ipID   uint16
	waker  hal.Waker
	linkUp bool

	gratuitousLeft int
	nextGratuitous reactor.Instant

	arp        arpCache
	pending    []pendingFrame
	pendingSeq uint64 // stamps parked frames in the order they were parked
	flush      bool   // a resolved neighbour has frames waiting in pending
	frag       reassembler

	icmpTokens int
	icmpRefill reactor.Instant

	udpPorts  map[uint16]*udp.Socket
	udpSend   sockQueue
	udpTimers []*udp.Socket
	udpHost   udpHost

	tcp tcpTable
	res *Resources // Config.Resources; nil allocates as needed

	// clock is the reactor Spawn ran the stack on, so calls between polls
	// (DialTCP after an idle minute) start from the time it is, not the
	// time of the last poll.
	clock interface{ Now() reactor.Instant }

	counters Counters
}

// New returns a stack over dev. It does not start it: spawn it on a reactor
// with Spawn (or poll it yourself).
func New(dev hal.Device, cfg Config) (*Stack, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	caps := dev.Capabilities()
	if caps.MTU < wire.EthernetHeaderLen+wire.IPv4HeaderLen+wire.UDPHeaderLen {
		return nil, ErrBadConfig
	}
	s := &Stack{
		dev:      dev,
		mtu:      caps.MTU,
		offload:  caps.Offload,
		mac:      wire.HardwareAddr(dev.HardwareAddr()),
		cfg:      cfg,
		rng:      seeded.New(cfg.Seed, 0x9e3779b97f4a7c15),
		udpPorts: make(map[uint16]*udp.Socket),
	}
	s.udpHost.s = s
	s.clocked, _ = dev.(hal.Clocked)
	s.ipID = uint16(s.rng.Uint32())
	if res := cfg.Resources; res != nil {
		if res.inUse || res.sizes.MTU < caps.MTU {
			return nil, ErrBadConfig
		}
		res.inUse = true
		s.adopt(res)
	} else {
		s.tcp.init(0)
		s.arp.init(cfg.ARPCacheSize)
		s.pending = make([]pendingFrame, cfg.ARPPendingPackets)
		for i := range s.pending {
			s.pending[i].buf = make([]byte, caps.MTU)
		}
		s.frag.init(cfg.ReassemblySlots, cfg.ReassemblyMaxSize)
	}
	s.icmpTokens = cfg.ICMPErrorsPerSecond
	s.SetAddr(cfg.Addr, cfg.Gateway)
	s.SetDNS(cfg.DNS)
	s.SetNTP(cfg.NTP)
	return s, nil
}

// Spawn adds the stack to r as a task and makes the device wake it.
func (s *Stack) Spawn(r *reactor.Reactor) *reactor.Handle {
	s.clock = r
	h := r.Spawn(s)
	s.SetWaker(h)
	return h
}

// SetWaker sets who is woken when the stack has work (the stack's reactor
// handle) and registers it with the device.
func (s *Stack) SetWaker(w hal.Waker) {
	s.waker = w
	s.dev.SetWaker(w)
}

func (s *Stack) wake() {
	if s.waker != nil {
		s.waker.Wake()
	}
}

// SetAddr changes the interface address and gateway (an invalid prefix
// removes the address). Neighbours are forgotten and the new address is
// announced with gratuitous ARP.
func (s *Stack) SetAddr(addr netip.Prefix, gw netip.Addr) {
	if addr.IsValid() {
		addr = netip.PrefixFrom(addr.Addr(), addr.Bits())
	}
	s.addr, s.gw = addr, gw
	s.arp.clear()
	for i := range s.pending {
		s.pending[i].used = false
	}
	s.announce()
	s.wake()
}

// MaxServers is how many name servers and time servers the stack keeps
// each (Config.DNS and NTP, SetDNS, SetNTP): as many as a DHCP lease
// carries (wire.DHCPv4MaxAddrs). The lists live in the Stack, so a new
// lease replacing them allocates nothing. A longer list is truncated to
// its first MaxServers, in the order given: lists are in order of
// preference, and a resolver that tried four servers in vain would not do
// better with a fifth.
const MaxServers = wire.DHCPv4MaxAddrs

// SetDNS replaces the list of name servers, keeping at most MaxServers
// (the first).
func (s *Stack) SetDNS(servers []netip.Addr) { s.dns = s.dnsBuf[:copy(s.dnsBuf[:], servers)] }

// SetNTP replaces the list of time servers, keeping at most MaxServers
// (the first).
func (s *Stack) SetNTP(servers []netip.Addr) { s.ntp = s.ntpBuf[:copy(s.ntpBuf[:], servers)] }

// NTP reports the configured time servers. The slice is the stack's own,
// valid until the next SetNTP: copy it to keep it.
func (s *Stack) NTP() []netip.Addr { return s.ntp }

// Addr reports the interface address and prefix.
func (s *Stack) Addr() netip.Prefix { return s.addr }

// Gateway reports the default router.
func (s *Stack) Gateway() netip.Addr { return s.gw }

// DNS reports the configured name servers. The slice is the stack's own,
// valid until the next SetDNS: copy it to keep it.
func (s *Stack) DNS() []netip.Addr { return s.dns }

// HardwareAddr reports the interface's MAC address.
func (s *Stack) HardwareAddr() wire.HardwareAddr { return s.mac }

// Device returns the device the stack drives.
func (s *Stack) Device() hal.Device { return s.dev }

// Counters returns a copy of the stack's counters.
func (s *Stack) Counters() Counters { return s.counters }

// Now reports the current instant: the clock of the reactor the stack was
// spawned on (so a caller between polls, or before the first, does not see a
// stale time), or the latest poll's instant for a stack polled by hand.
func (s *Stack) Now() reactor.Instant {
	s.refreshNow()
	return s.now
}

func (s *Stack) announce() {
	s.gratuitousLeft = 0 // an address removed cancels what was due for the old one
	if s.addr.IsValid() && s.cfg.GratuitousARPs > 0 {
		s.gratuitousLeft = s.cfg.GratuitousARPs
		s.nextGratuitous = s.now
	}
}

func (s *Stack) drop(r DropReason) {
	s.counters.Dropped++
	s.counters.Drops[r]++
}

// Poll runs one bounded step of the stack: frames in, timers, frames out. It
// answers when it next needs to run.
func (s *Stack) Poll(now reactor.Instant) reactor.Instant {
	s.now = now
	next := reactor.Never
	if s.clocked != nil {
		if n, ok := s.clocked.Tick(int64(now)); ok {
			next = reactor.Instant(n)
		}
	}
	up := s.dev.LinkState() == hal.LinkUp
	if up && !s.linkUp {
		s.announce()
	}
	s.linkUp = up

	// Ingress, bounded.
	for i := 0; i < s.cfg.MaxFramesPerPoll; i++ {
		frame, ok := s.dev.Receive()
		if !ok {
			break
		}
		s.receive(frame)
		s.dev.ReleaseRx()
		if i == s.cfg.MaxFramesPerPoll-1 {
			next = now // more may be waiting
		}
	}

	// Egress, bounded separately.
	budget := s.cfg.MaxFramesPerPoll
	if s.flush {
		s.flushPending()
	}
	s.pollUDPTimers()
	budget -= s.sendGratuitous()
	if s.udpSend.len() > 0 && budget > 0 {
		if s.sendUDP(budget) {
			next = now
		}
	}
	if tnext, more := s.pollTCP(budget); more {
		next = now
	} else {
		next = reactor.Min(next, tnext)
	}
	next = reactor.Min(next, s.arp.poll(s))
	next = reactor.Min(next, s.frag.poll(s))
	next = reactor.Min(next, s.udpTimerDeadline())
	if s.gratuitousLeft > 0 && s.linkUp {
		// Down, the link coming up wakes us (and re-announces); asking for
		// a poll at a past instant would spin the reactor until then.
		next = reactor.Min(next, s.nextGratuitous)
	}
	if s.clocked != nil {
		// Ask again: frames this poll sent or received may now be held by
		// middleware (the fault injector's delay) until a later instant.
		if n, ok := s.clocked.Tick(int64(now)); ok {
			next = reactor.Min(next, reactor.Instant(n))
		}
	}
	if s.flush && s.dev.LinkState() == hal.LinkUp {
		// Waiting on device room; the device wakes us, but poll again soon
		// in case it cannot.
		next = reactor.Min(next, now.Add(1e6))
	}
	return next
}

func (s *Stack) sendGratuitous() int {
	if s.gratuitousLeft == 0 || s.now < s.nextGratuitous || !s.linkUp {
		return 0
	}
	a := s.addr.Addr()
	if !s.sendARP(wire.ARPRequest, wire.BroadcastHW, a, wire.HardwareAddr{}, a) {
		// No room: the device wakes us when it has some; retry soon in
		// case it cannot, as ARP requests do, rather than at once.
		s.nextGratuitous = s.now.Add(s.cfg.ARPRetryInterval / 10)
		return 0
	}
	s.counters.ARPGratuitous++
	s.gratuitousLeft--
	s.nextGratuitous = s.now.Add(s.cfg.ARPRetryInterval)
	return 1
}

// refreshNow brings the stack's idea of now up to date for a user call
// made between polls.
func (s *Stack) refreshNow() {
	if s.clock != nil {
		if n := s.clock.Now(); n > s.now {
			s.now = n
		}
	}
}
