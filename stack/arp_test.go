package stack

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// checkRequest fails unless f is an ARP request from A for target.
func checkRequest(t *testing.T, f []byte, target netip.Addr) {
	t.Helper()
	if f == nil {
		t.Fatalf("no ARP request for %v", target)
	}
	eth, r := arpOf(t, f)
	want := wire.ARPRepr{Op: wire.ARPRequest, SenderHW: macA, SenderIP: addrA, TargetIP: target}
	if eth.Dst() != wire.BroadcastHW || eth.Src() != macA || r != want {
		t.Fatalf("request %v -> %v: %+v, want %+v", eth.Src(), eth.Dst(), r, want)
	}
}

// echoSeq fails unless f is an echo reply to dst via mac and returns its
// sequence number.
func echoSeq(t *testing.T, f []byte, mac wire.HardwareAddr, dst netip.Addr) uint16 {
	t.Helper()
	if f == nil {
		t.Fatal("no echo reply")
	}
	eth, _ := ipOf(t, f)
	ip, m := icmpOf(t, f)
	if eth.Dst() != mac || ip.Dst() != dst || m.Type() != wire.ICMPv4EchoReply {
		t.Fatalf("echo reply to %v/%v type %d, want %v/%v", eth.Dst(), ip.Dst(), m.Type(), mac, dst)
	}
	return m.EchoSeq()
}

// A request for our address gets a reply with every field exact, padded to
// the Ethernet minimum, and the requester is remembered: the next datagram
// to it needs no request of our own.
func TestARPRequestAnswered(t *testing.T) {
	h := newRaw(t, Config{})
	h.inject(t, arpFrame(wire.ARPRequest, macB, addrB, wire.HardwareAddr{}, addrA, wire.BroadcastHW))
	f := h.out()
	if f == nil {
		t.Fatal("no reply")
	}
	eth, r := arpOf(t, f)
	want := wire.ARPRepr{Op: wire.ARPReply, SenderHW: macA, SenderIP: addrA, TargetHW: macB, TargetIP: addrB}
	if eth.Dst() != macB || eth.Src() != macA || r != want {
		t.Fatalf("reply %v -> %v: %+v, want %+v", eth.Src(), eth.Dst(), r, want)
	}
	if len(f) != 60 || !bytes.Equal(f[wire.EthernetHeaderLen+wire.ARPLen:], make([]byte, 60-42)) {
		t.Fatalf("reply is %d bytes with padding % x, want 60 with zeros", len(f), f[42:])
	}
	if e := h.s.arp.lookup(addrB); e == nil || e.state != arpReachable || e.mac != macB {
		t.Fatalf("requester not learned: %+v", e)
	}
	h.inject(t, echoFrame(addrB, addrA, 1, 1, nil))
	echoSeq(t, h.out(), macB, addrB)
	if c := h.s.Counters(); c.ARPRequests != 0 || c.ARPMisses != 0 || c.RxARP != 1 || c.TxARP != 1 {
		t.Fatalf("counters %+v", c)
	}

	// A request for another address is none of our business: no reply, and
	// its sender (unknown to us) is not learned.
	h.inject(t, from(arpFrame(wire.ARPRequest, macC, addrC, wire.HardwareAddr{}, netip.MustParseAddr("10.0.0.9"), wire.BroadcastHW), macC))
	if f := h.out(); f != nil {
		t.Fatalf("answered a request for someone else: % x", f)
	}
	if h.s.arp.lookup(addrC) != nil {
		t.Fatal("learned the sender of a request for someone else")
	}
}

// An unresolved on-link host is asked ARPRetries times, ARPRetryInterval
// apart; then the packets waiting for it are dropped as DropARPFailed, and
// the next packet for it starts over.
func TestARPRetriesThenFails(t *testing.T) {
	cfg := Config{ARPRetries: 4, ARPRetryInterval: 250 * time.Millisecond}
	h := newRaw(t, cfg)
	for seq := uint16(1); seq <= 3; seq++ {
		h.inject(t, echoFrame(addrB, addrA, 1, seq, nil))
	}
	start := h.clk.Now()
	for i := 0; i < cfg.ARPRetries; i++ {
		f, at := h.next(10 * time.Second)
		checkRequest(t, f, addrB)
		if want := start.Add(time.Duration(i) * cfg.ARPRetryInterval); at != want {
			t.Fatalf("request %d at %v, want %v", i+1, at, want)
		}
	}
	if f, _ := h.next(time.Minute); f != nil {
		t.Fatalf("a request after %d retries: % x", cfg.ARPRetries, f)
	}
	c := h.s.Counters()
	if c.ARPRequests != uint64(cfg.ARPRetries) || c.Drop(DropARPFailed) != 3 || c.Dropped != 3 {
		t.Fatalf("requests %d, drops %v; want %d requests and 3 arp_failed", c.ARPRequests, dropsOf(c), cfg.ARPRetries)
	}
	// The giving-up happened at the interval after the last request.
	h2 := newRaw(t, cfg)
	h2.inject(t, echoFrame(addrB, addrA, 1, 1, nil))
	giveUp := h2.clk.Now().Add(time.Duration(cfg.ARPRetries) * cfg.ARPRetryInterval)
	h2.r.RunUntil(time.Minute, func() bool { return h2.s.Counters().Drops[DropARPFailed] > 0 })
	if at := h2.clk.Now(); at != giveUp {
		t.Fatalf("gave up at %v, want %v", at, giveUp)
	}

	h.inject(t, echoFrame(addrB, addrA, 1, 4, nil))
	checkRequest(t, h.out(), addrB)
}

// Packets queued while their next hop resolves (at most ARPPendingPackets;
// ICMP beyond that is dropped as DropARPPendingFull) go out in order when
// the reply arrives, addressed to the MAC it gave.
func TestARPPendingICMP(t *testing.T) {
	h := newRaw(t, Config{ARPPendingPackets: 4})
	for seq := uint16(1); seq <= 6; seq++ {
		h.inject(t, echoFrame(addrB, addrA, 1, seq, nil))
	}
	checkRequest(t, h.out(), addrB)
	if f := h.out(); f != nil {
		t.Fatalf("sent before resolving: % x", f)
	}
	if c := h.s.Counters(); c.Drop(DropARPPendingFull) != 2 || c.Dropped != 2 {
		t.Fatalf("drops %v, want 2 arp_pending_full", dropsOf(c))
	}
	h.inject(t, arpFrame(wire.ARPReply, macB, addrB, macA, addrA, macA))
	for seq := uint16(1); seq <= 4; seq++ {
		if got := echoSeq(t, h.out(), macB, addrB); got != seq {
			t.Fatalf("reply %d went out as seq %d", seq, got)
		}
	}
	if f := h.out(); f != nil {
		t.Fatalf("extra frame % x", f)
	}
}

// UDP datagrams beyond ARPPendingPackets wait in the socket's ring instead of
// being dropped, and all of them leave in order once the next hop resolves.
func TestARPPendingUDP(t *testing.T) {
	h := newRaw(t, Config{ARPPendingPackets: 4})
	sock := h.s.NewUDPSocket(udp.Config{})
	if err := sock.Connect(netip.AddrPortFrom(addrB, 9)); err != nil {
		t.Fatal(err)
	}
	const n = 12
	for i := 0; i < n; i++ {
		if err := sock.Send([]byte{byte(i)}); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	checkRequest(t, func() []byte { f, _ := h.next(time.Second); return f }(), addrB)
	h.r.RunFor(100 * time.Millisecond)
	if f := h.out(); f != nil {
		t.Fatalf("sent before resolving: % x", f)
	}
	h.inject(t, arpFrame(wire.ARPReply, macB, addrB, macA, addrA, macA))
	h.r.RunFor(100 * time.Millisecond)
	got := h.all()
	if len(got) != n {
		t.Fatalf("%d datagrams out after resolution, want %d; counters %+v", len(got), n, h.s.Counters())
	}
	for i, f := range got {
		eth, ip := ipOf(t, f)
		u, err := wire.NewUDPPacket(ip.Payload())
		if err != nil || eth.Dst() != macB || !bytes.Equal(u.Payload(), []byte{byte(i)}) {
			t.Fatalf("datagram %d: to %v, payload % x (%v)", i, eth.Dst(), u.Payload(), err)
		}
	}
	if c := h.s.Counters(); c.Dropped != 0 || c.TxUDP != n {
		t.Fatalf("drops %v, TxUDP %d", dropsOf(c), c.TxUDP)
	}
}

// Order holds per next hop even when another host's packets, resolved
// first, leave holes in the queue that newer packets fill.
func TestARPPendingOrderAcrossHosts(t *testing.T) {
	h := newRaw(t, Config{})
	h.inject(t, echoFrame(addrB, addrA, 1, 1, nil))
	h.inject(t, from(echoFrame(addrC, addrA, 2, 1, nil), macC))
	h.inject(t, echoFrame(addrB, addrA, 1, 2, nil))
	h.drain() // the two requests
	h.inject(t, from(arpFrame(wire.ARPReply, macC, addrC, macA, addrA, macA), macC))
	echoSeq(t, h.out(), macC, addrC)
	h.inject(t, echoFrame(addrB, addrA, 1, 3, nil))
	h.inject(t, arpFrame(wire.ARPReply, macB, addrB, macA, addrA, macA))
	for seq := uint16(1); seq <= 3; seq++ {
		if got := echoSeq(t, h.out(), macB, addrB); got != seq {
			t.Fatalf("reply %d to B went out as seq %d", seq, got)
		}
	}
}

// When the cache must evict a neighbour that is still resolving, the packets
// waiting for it are dropped (as DropARPFailed) rather than left holding
// pending slots that nothing would ever free.
func TestARPEvictionFreesPending(t *testing.T) {
	h := newRaw(t, Config{ARPCacheSize: 1, ARPPendingPackets: 2})
	h.inject(t, echoFrame(addrB, addrA, 1, 1, nil))
	h.inject(t, from(echoFrame(addrC, addrA, 2, 1, nil), macC)) // evicts B
	h.inject(t, from(arpFrame(wire.ARPReply, macC, addrC, macA, addrA, macA), macC))
	h.drain()
	if c := h.s.Counters(); c.Drop(DropARPFailed) != 1 {
		t.Fatalf("drops %v, want B's reply dropped as arp_failed", dropsOf(c))
	}
	// Both pending slots are free again: two packets to a new host wait.
	h.inject(t, echoFrame(addrB, addrA, 1, 2, nil))
	h.inject(t, echoFrame(addrB, addrA, 1, 3, nil))
	if c := h.s.Counters(); c.Drop(DropARPPendingFull) != 0 {
		t.Fatalf("pending slots leaked: drops %v", dropsOf(c))
	}
}

// The cache evicts the least recently used resolved neighbour before one
// that is still resolving.
func TestARPEvictionPrefersResolved(t *testing.T) {
	h := newRaw(t, Config{ARPCacheSize: 2})
	// C, resolving, is older than B, resolved: plain LRU would evict C.
	h.inject(t, from(echoFrame(addrC, addrA, 2, 1, nil), macC))
	h.r.RunFor(time.Millisecond)
	h.teachARP(t)
	if h.s.arp.lookup(addrC) == nil || h.s.arp.lookup(addrB) == nil {
		t.Fatal("setup: B and C not both in the cache")
	}
	h.inject(t, from(arpFrame(wire.ARPRequest, macG, addrG, wire.HardwareAddr{}, addrA, wire.BroadcastHW), macG))
	if h.s.arp.lookup(addrC) == nil {
		t.Fatal("evicted the neighbour still resolving")
	}
	if h.s.arp.lookup(addrB) != nil || h.s.arp.lookup(addrG) == nil {
		t.Fatal("did not replace the resolved neighbour")
	}
}

// A resolved entry is trusted for ARPEntryTTL, then forgotten.
func TestARPEntryAgesOut(t *testing.T) {
	ttl := 10 * time.Second
	h := newRaw(t, Config{ARPEntryTTL: ttl})
	h.teachARP(t)
	learned := h.clk.Now()
	h.r.RunFor(ttl - time.Millisecond)
	h.inject(t, echoFrame(addrB, addrA, 1, 1, nil))
	echoSeq(t, h.out(), macB, addrB)
	h.r.RunFor(2 * time.Millisecond)
	if h.s.arp.lookup(addrB) != nil {
		t.Fatalf("entry alive at %v, learned at %v with TTL %v", h.clk.Now(), learned, ttl)
	}
	h.inject(t, echoFrame(addrB, addrA, 1, 2, nil))
	checkRequest(t, h.out(), addrB)
}

// Off-link destinations go to the gateway: ARP asks for the gateway, and the
// frame carries its MAC and the far destination's IP.
func TestOffLinkViaGateway(t *testing.T) {
	h := newRaw(t, Config{Gateway: addrG})
	far := netip.MustParseAddr("192.0.2.7")
	h.inject(t, from(echoFrame(far, addrA, 5, 1, nil), macG))
	checkRequest(t, h.out(), addrG)
	h.inject(t, from(arpFrame(wire.ARPReply, macG, addrG, macA, addrA, macA), macG))
	echoSeq(t, h.out(), macG, far)

	sock := h.s.NewUDPSocket(udp.Config{})
	if err := sock.SendTo([]byte("q"), netip.AddrPortFrom(far, 53)); err != nil {
		t.Fatal(err)
	}
	f, _ := h.next(time.Second)
	eth, ip := ipOf(t, f)
	if eth.Dst() != macG || ip.Dst() != far || ip.Src() != addrA {
		t.Fatalf("datagram to %v via %v from %v", ip.Dst(), eth.Dst(), ip.Src())
	}
}

// Without a gateway, off-link destinations have no route: counted as
// DropNoRoute, nothing sent, and a socket's datagram is not retried forever.
func TestNoRouteWithoutGateway(t *testing.T) {
	h := newRaw(t, Config{})
	far := netip.MustParseAddr("192.0.2.7")
	h.inject(t, from(echoFrame(far, addrA, 5, 1, nil), macG))
	sock := h.s.NewUDPSocket(udp.Config{})
	if err := sock.SendTo([]byte("q"), netip.AddrPortFrom(far, 53)); err != nil {
		t.Fatal(err)
	}
	h.r.RunFor(time.Second)
	if f := h.out(); f != nil {
		t.Fatalf("sent % x", f)
	}
	if c := h.s.Counters(); c.Drop(DropNoRoute) != 2 || c.Dropped != 2 {
		t.Fatalf("drops %v, want 2 no_route", dropsOf(c))
	}
	if _, _, queued := sock.PeekSend(); queued {
		t.Fatal("the unroutable datagram is still queued")
	}
}

// The stack announces its address GratuitousARPs times, ARPRetryInterval
// apart, when it starts, and again when the address changes.
func TestGratuitousARP(t *testing.T) {
	for _, n := range []int{-1, 1, 3} {
		interval := 2 * time.Second
		h := newRaw(t, Config{GratuitousARPs: n, ARPRetryInterval: interval})
		want := max(n, 0)
		var times []reactor.Instant
		for {
			f, at := h.next(30 * time.Second)
			if f == nil {
				break
			}
			eth, r := arpOf(t, f)
			g := wire.ARPRepr{Op: wire.ARPRequest, SenderHW: macA, SenderIP: addrA, TargetIP: addrA}
			if eth.Dst() != wire.BroadcastHW || r != g {
				t.Fatalf("GratuitousARPs=%d: announcement to %v %+v, want %+v", n, eth.Dst(), r, g)
			}
			times = append(times, at)
		}
		if len(times) != want || int(h.s.Counters().ARPGratuitous) != want {
			t.Fatalf("GratuitousARPs=%d: %d announcements (counter %d), want %d", n, len(times), h.s.Counters().ARPGratuitous, want)
		}
		for i, at := range times {
			if want := times[0].Add(time.Duration(i) * interval); at != want {
				t.Fatalf("announcement %d at %v, want %v", i, at, want)
			}
		}
		if n == 1 {
			next := netip.MustParseAddr("10.0.0.42")
			h.s.SetAddr(netip.PrefixFrom(next, 24), netip.Addr{})
			f, _ := h.next(time.Second)
			if f == nil {
				t.Fatal("no announcement after SetAddr")
			}
			if _, r := arpOf(t, f); r.SenderIP != next || r.TargetIP != next {
				t.Fatalf("announced %+v after SetAddr(%v)", r, next)
			}
		}
	}
}

// Left zero, GratuitousARPs takes its documented default of two.
func TestGratuitousARPDefault(t *testing.T) {
	p := newPair(t, Config{})
	p.r.RunFor(time.Minute)
	if a, b := p.a.Counters().ARPGratuitous, p.b.Counters().ARPGratuitous; a != 2 || b != 2 {
		t.Fatalf("announcements: A %d, B %d; want 2 each", a, b)
	}
	// Each side saw the other's announcements and learned nothing from them
	// (a gratuitous ARP only refreshes a neighbour already known).
	if p.a.arp.lookup(addrB) != nil {
		t.Fatal("learned a neighbour from its announcement alone")
	}
}

// When a neighbour never answers, datagrams that waited in a socket's ring
// (the pending queue being full) are not stranded there: each round of
// resolution takes as many as the queue holds and fails them, until the ring
// is empty and the stack falls quiet.
func TestARPFailureDrainsSocket(t *testing.T) {
	cfg := Config{ARPPendingPackets: 2, ARPRetries: 2, ARPRetryInterval: time.Second}
	h := newRaw(t, cfg)
	sock := h.s.NewUDPSocket(udp.Config{})
	if err := sock.Connect(netip.AddrPortFrom(addrB, 9)); err != nil {
		t.Fatal(err)
	}
	const n = 5
	for i := 0; i < n; i++ {
		if err := sock.Send([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	h.r.RunFor(time.Minute)
	rounds := (n + cfg.ARPPendingPackets - 1) / cfg.ARPPendingPackets
	c := h.s.Counters()
	if c.Drop(DropARPFailed) != n || c.Dropped != n || c.ARPRequests != uint64(rounds*cfg.ARPRetries) {
		t.Fatalf("drops %v, %d requests; want %d arp_failed and %d requests", dropsOf(c), c.ARPRequests, n, rounds*cfg.ARPRetries)
	}
	if _, _, queued := sock.PeekSend(); queued {
		t.Fatal("datagrams left in the socket")
	}
	for _, f := range h.all() {
		checkRequest(t, f, addrB)
	}
	h.r.RunFor(time.Minute)
	if f := h.out(); f != nil {
		t.Fatalf("still sending: % x", f)
	}
}

// Removing the address cancels announcements still due: the stack never
// announces 0.0.0.0.
func TestNoAnnouncementWithoutAddress(t *testing.T) {
	h := newRaw(t, Config{GratuitousARPs: 3})
	if f, _ := h.next(time.Second); f == nil {
		t.Fatal("no first announcement")
	}
	h.s.SetAddr(netip.Prefix{}, netip.Addr{})
	if f, _ := h.next(time.Minute); f != nil {
		_, r := arpOf(t, f)
		t.Fatalf("announced %+v with no address", r)
	}
}
