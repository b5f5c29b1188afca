package dhcp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/dhcp/dhcptest"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/wire"
)

// The tests run a client stack and a server stack (with the scripted
// server of package dhcptest) over the in-memory link, on one reactor in
// virtual time: an hour of lease passes in microseconds, and every instant
// is exact.

var (
	serverIP = netip.MustParseAddr("10.0.0.1")
	poolIP   = netip.MustParseAddr("10.0.0.100")
	ntpIP    = netip.MustParseAddr("10.0.0.123")
	bcast    = netip.MustParseAddr("255.255.255.255")
)

// seen is a client message as the server saw it.
type seen struct {
	at          reactor.Instant
	typ         wire.DHCPv4MessageType
	xid         uint32
	secs        uint16
	broadcast   bool
	dst         netip.Addr // IP destination of the datagram
	ciaddr      netip.Addr
	requested   netip.Addr
	serverID    netip.Addr
	hostname    string
	clientID    string
	paramReq    string
	maxMsg      uint16
	fromAddress netip.Addr // IP source
}

type harness struct {
	t      testing.TB
	r      *reactor.Reactor
	clk    *reactor.VirtualClock
	devC   *loopback.Device
	cs, ss *stack.Stack
	srv    *dhcptest.Server
	c      *Client
	future *reactor.Future[Lease]

	events []Lease
	msgs   []seen
	// script decides the server's action per message; nil answers all.
	script func(m *wire.DHCPv4Repr) dhcptest.Action
	record bool
}

func newHarness(t testing.TB, cfg Config, scfg dhcptest.Config) *harness {
	t.Helper()
	h := &harness{t: t, record: true}
	devC, devS := loopback.NewPair(loopback.Config{})
	h.devC = devC
	h.clk = reactor.NewVirtualClock(0)
	h.r = reactor.New(h.clk)
	var err error
	if h.cs, err = stack.New(devC, stack.Config{Seed: 11}); err != nil {
		t.Fatal(err)
	}
	scfg.Addr = netip.PrefixFrom(serverIP, 24)
	if scfg.NTP == nil {
		scfg.NTP = []netip.Addr{ntpIP}
	}
	if !scfg.PoolStart.IsValid() {
		scfg.PoolStart = poolIP
	}
	scfg.OnMessage = h.onServerMessage
	h.srv = dhcptest.New(devS, scfg)
	if h.ss, err = stack.New(h.srv, stack.Config{Addr: scfg.Addr, Seed: 12}); err != nil {
		t.Fatal(err)
	}
	h.cs.Spawn(h.r)
	h.ss.Spawn(h.r)
	if cfg.Seed == 0 {
		cfg.Seed = 7
	}
	user := cfg.OnChange
	cfg.OnChange = func(l Lease) {
		if h.record {
			h.events = append(h.events, l)
		}
		if user != nil {
			user(l)
		}
	}
	if h.c, err = New(h.cs, cfg); err != nil {
		t.Fatal(err)
	}
	h.c.Spawn(h.r)
	return h
}

func (h *harness) onServerMessage(msg *dhcptest.Message) dhcptest.Action {
	m := msg.DHCP
	if h.record {
		h.msgs = append(h.msgs, seen{
			at: msg.At, typ: m.MessageType, xid: m.XID, secs: m.Secs, broadcast: m.Broadcast,
			dst: msg.Dst, fromAddress: msg.Src,
			ciaddr: m.ClientAddr, requested: m.RequestedIP, serverID: m.ServerID,
			hostname: string(m.Hostname), clientID: string(m.ClientID), paramReq: string(m.ParamRequest),
			maxMsg: m.MaxMessageSize,
		})
	}
	if h.script != nil {
		return h.script(m)
	}
	return dhcptest.Answer
}

// start starts the client and runs until its future completes (or limit).
func (h *harness) start(limit time.Duration) {
	h.t.Helper()
	h.future = h.c.Start()
	h.r.RunUntil(limit, h.future.Done)
}

// mustBind starts the client and requires a lease within two minutes.
func (h *harness) mustBind() Lease {
	h.t.Helper()
	h.start(2 * time.Minute)
	l, err := h.future.Result()
	if !h.future.Done() || err != nil {
		h.t.Fatalf("no lease: done=%v err=%v state %v stats %+v", h.future.Done(), err, h.c.State(), h.c.Stats())
	}
	return l
}

// runUntilState turns the reactor until the client is in st.
func (h *harness) runUntilState(limit time.Duration, st State) bool {
	return h.r.RunUntil(limit, func() bool { return h.c.State() == st })
}

// runUntilMsgs turns the reactor until the server has seen n messages.
func (h *harness) runUntilMsgs(limit time.Duration, n int) bool {
	return h.r.RunUntil(limit, func() bool { return len(h.msgs) >= n })
}

func (h *harness) now() reactor.Instant { return h.clk.Now() }

// msgsOf returns the messages of type t, in order.
func (h *harness) msgsOf(t wire.DHCPv4MessageType) []seen {
	var out []seen
	for _, m := range h.msgs {
		if m.typ == t {
			out = append(out, m)
		}
	}
	return out
}

// lastEvent returns the latest reported lease event.
func (h *harness) lastEvent() Lease {
	h.t.Helper()
	if len(h.events) == 0 {
		h.t.Fatal("no event reported")
	}
	return h.events[len(h.events)-1]
}

func sec(n float64) time.Duration { return time.Duration(n * float64(time.Second)) }
