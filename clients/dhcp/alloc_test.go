package dhcp

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/dhcp/dhcptest"
	"github.com/seed947b3480/legation/wire"
)

// The steady path allocates nothing: retransmissions while no server
// answers, and renewals of a bound lease (the whole loop is measured:
// reactor, both stacks, the scripted server and the client).
func TestNoAllocsRetransmitting(t *testing.T) {
	h := newHarness(t, Config{Timeout: -1}, dhcptest.Config{})
	h.script = func(*wire.DHCPv4Repr) dhcptest.Action { return dhcptest.Drop }
	h.record = false
	h.c.Start()
	h.r.RunFor(5 * time.Minute) // past the growth of the backoff
	before := h.c.Stats().Discovers
	if n := testing.AllocsPerRun(20, func() { h.r.RunFor(64 * time.Second) }); n != 0 {
		t.Fatalf("%v allocs per retransmission", n)
	}
	if sent := h.c.Stats().Discovers - before; sent < 20 {
		t.Fatalf("only %d retransmissions measured", sent)
	}
}

func TestNoAllocsRenewing(t *testing.T) {
	h := newHarness(t, Config{}, dhcptest.Config{Lease: 10 * time.Minute})
	h.mustBind()
	h.record = false
	h.r.RunFor(10 * time.Minute) // one renewal to warm up
	before := h.c.Stats().Acks
	if n := testing.AllocsPerRun(20, func() { h.r.RunFor(5 * time.Minute) }); n != 0 {
		t.Fatalf("%v allocs per renewal", n)
	}
	if renewed := h.c.Stats().Acks - before; renewed < 20 {
		t.Fatalf("only %d renewals measured", renewed)
	}
}
