package stack

import (
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// More hosts on the test link, beside harness_test.go's A and B.
var (
	addrC = netip.MustParseAddr("10.0.0.3")
	macC  = wire.HardwareAddr{0x02, 0, 0, 0, 0, 0x03}
	addrG = netip.MustParseAddr("10.0.0.254") // the gateway
	macG  = wire.HardwareAddr{0x02, 0, 0, 0, 0, 0xfe}
)

// next runs the reactor (in virtual time, at most limit) until the stack has
// sent a frame, and returns it with the instant it was sent; nil if none.
func (h *raw) next(limit time.Duration) ([]byte, reactor.Instant) {
	if !h.r.RunUntil(limit, func() bool { _, ok := h.peer.Receive(); return ok }) {
		return nil, h.clk.Now()
	}
	return h.out(), h.clk.Now()
}

// all returns every frame the stack has sent so far, without running it.
func (h *raw) all() [][]byte {
	var fs [][]byte
	for f := h.out(); f != nil; f = h.out() {
		fs = append(fs, f)
	}
	return fs
}

// from rewrites the Ethernet source of a frame built by the harness (which
// sends from macB) for frames of other hosts.
func from(f []byte, src wire.HardwareAddr) []byte {
	wire.EthernetFrame(f).SetSrc(src)
	return f
}

var addrPrefixA = netip.PrefixFrom(addrA, 24)
