package stack

import (
	"net/netip"
	"testing"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// scriptDev is a hal.Device driven by the test alone, without a reactor:
// Receive hands out the frames the test queued, of any length (empty, or
// longer than the MTU, which the in-memory link cannot carry), and Transmit
// records what the stack sends. The test polls the stack at instants it
// picks.
type scriptDev struct {
	mtu  int
	mac  hal.HardwareAddr
	rx   [][]byte
	lent bool
	buf  []byte   // the transmit buffer lent by Transmit
	sent [][]byte // copies of the frames committed
	// refuse makes Transmit answer no room, as a full device does.
	refuse bool
}

func newScriptDev(mtu int) *scriptDev {
	return &scriptDev{mtu: mtu, mac: hal.HardwareAddr(macA), buf: make([]byte, mtu)}
}

func (d *scriptDev) Receive() ([]byte, bool) {
	if len(d.rx) == 0 {
		return nil, false
	}
	d.lent = true
	return d.rx[0], true
}

func (d *scriptDev) ReleaseRx() {
	if d.lent {
		d.lent = false
		d.rx[0] = nil
		d.rx = d.rx[1:]
	}
}

func (d *scriptDev) Transmit() ([]byte, bool) {
	if d.refuse {
		return nil, false
	}
	return d.buf, true
}

func (d *scriptDev) Commit(n int) {
	if n > 0 {
		d.sent = append(d.sent, append([]byte(nil), d.buf[:n]...))
	}
}

func (d *scriptDev) Capabilities() hal.Capabilities { return hal.Capabilities{MTU: d.mtu} }
func (d *scriptDev) LinkState() hal.LinkState       { return hal.LinkUp }
func (d *scriptDev) HardwareAddr() hal.HardwareAddr { return d.mac }
func (d *scriptDev) SetWaker(hal.Waker)             {}

// take returns and forgets the frames sent so far.
func (d *scriptDev) take() [][]byte {
	s := d.sent
	d.sent = nil
	return s
}

// scripted is a stack on a scriptDev at 10.0.0.1/24 that already knows
// addrB's MAC, with its counters as they were after that, for deltas.
type scripted struct {
	s    *Stack
	dev  *scriptDev
	now  reactor.Instant
	base Counters
}

func newScripted(t testing.TB, cfg Config) *scripted {
	t.Helper()
	dev := newScriptDev(1514)
	if !cfg.Addr.IsValid() {
		cfg.Addr = netip.PrefixFrom(addrA, 24)
	}
	if cfg.GratuitousARPs == 0 {
		cfg.GratuitousARPs = -1
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	s, err := New(dev, cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := &scripted{s: s, dev: dev}
	h.feed(arpFrame(wire.ARPRequest, macB, addrB, wire.HardwareAddr{}, addrA, wire.BroadcastHW))
	if got := len(dev.take()); got != 1 {
		t.Fatalf("setup: %d frames answered an ARP request", got)
	}
	h.base = s.Counters()
	return h
}

// feed queues frames and polls the stack once, at the current instant.
func (h *scripted) feed(frames ...[]byte) {
	h.dev.rx = append(h.dev.rx, frames...)
	h.s.Poll(h.now)
}

// delta returns the counters minus those at setup.
func (h *scripted) delta() Counters {
	c := h.s.Counters()
	b := h.base
	d := Counters{
		RxFrames: c.RxFrames - b.RxFrames, TxFrames: c.TxFrames - b.TxFrames,
		RxARP: c.RxARP - b.RxARP, TxARP: c.TxARP - b.TxARP,
		RxIPv4: c.RxIPv4 - b.RxIPv4, TxIPv4: c.TxIPv4 - b.TxIPv4,
		RxFragments: c.RxFragments - b.RxFragments, Reassembled: c.Reassembled - b.Reassembled,
		RxICMP: c.RxICMP - b.RxICMP, TxICMP: c.TxICMP - b.TxICMP,
		RxUDP: c.RxUDP - b.RxUDP, TxUDP: c.TxUDP - b.TxUDP,
		EchoRequests:       c.EchoRequests - b.EchoRequests,
		UDPPortUnreachable: c.UDPPortUnreachable - b.UDPPortUnreachable,
		ICMPErrorsSent:     c.ICMPErrorsSent - b.ICMPErrorsSent,
		ICMPErrorsReceived: c.ICMPErrorsReceived - b.ICMPErrorsReceived,
		Dropped:            c.Dropped - b.Dropped,
	}
	for i := range d.Drops {
		d.Drops[i] = c.Drops[i] - b.Drops[i]
	}
	return d
}

// dropsOf lists the nonzero drop counts of c, for failure messages.
func dropsOf(c Counters) map[string]uint64 {
	m := map[string]uint64{}
	for r := DropReason(0); r < numDropReasons; r++ {
		if n := c.Drop(r); n > 0 {
			m[r.String()] = n
		}
	}
	return m
}
