// Package stacktest builds what the protocol packages' tests share: two
// legation stacks joined by the in-memory link, spawned on one reactor in
// virtual time, so a client and a server (or a scripted peer) run together
// deterministically on the test's goroutine.
package stacktest

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

// Start is the virtual clock's reading when a Pair is made: far enough
// from zero that no timer arithmetic underflows.
const Start = reactor.Instant(1000 * time.Second)

// Pair is two stacks on one reactor turning a virtual clock.
type Pair struct {
	Clock *reactor.VirtualClock
	R     *reactor.Reactor
	A, B  *stack.Stack
}

// NewPair builds stacks a and b over a loopback link and spawns them. wrapB,
// if not nil, wraps B's device (a fault injector, say).
func NewPair(t testing.TB, a, b stack.Config, wrapB func(hal.Device) hal.Device) *Pair {
	t.Helper()
	devA, loopB := loopback.NewPair(loopback.Config{})
	var devB hal.Device = loopB
	if wrapB != nil {
		devB = wrapB(devB)
	}
	p := &Pair{Clock: reactor.NewVirtualClock(Start)}
	p.R = reactor.New(p.Clock)
	var err error
	if p.A, err = stack.New(devA, a); err != nil {
		t.Fatal(err)
	}
	if p.B, err = stack.New(devB, b); err != nil {
		t.Fatal(err)
	}
	p.A.Spawn(p.R)
	p.B.Spawn(p.R)
	return p
}
