package stack

import "testing"

// The per-packet paths allocate nothing once warmed up. Each guard also
// checks the operation did its job, so a path that silently failed (and so
// skipped its work) cannot pass for a cheap one.

func TestNoAllocsReceiveUDP(t *testing.T) {
	x := newRxFixture(t)
	failed := 0
	allocs := testing.AllocsPerRun(1000, func() {
		if !x.once() {
			failed++
		}
	})
	if failed > 0 || allocs != 0 {
		t.Fatalf("%.2f allocations per datagram received; %d failed", allocs, failed)
	}
}

func TestNoAllocsEchoReply(t *testing.T) {
	x := newEchoFixture(t)
	failed := 0
	allocs := testing.AllocsPerRun(1000, func() {
		if !x.once() {
			failed++
		}
	})
	if failed > 0 || allocs != 0 {
		t.Fatalf("%.2f allocations per echo answered; %d failed", allocs, failed)
	}
}

func TestNoAllocsUDPRoundTrip(t *testing.T) {
	x := newRRFixture(t)
	failed := 0
	allocs := testing.AllocsPerRun(1000, func() {
		if !x.once() {
			failed++
		}
	})
	if failed > 0 || allocs != 0 {
		t.Fatalf("%.2f allocations per round trip; %d failed", allocs, failed)
	}
}
