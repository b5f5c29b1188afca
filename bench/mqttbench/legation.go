package mqttbench

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt"
	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/netconn"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

var (
	clientAddr = netip.MustParsePrefix("10.0.0.1/24")
	brokerAddr = netip.MustParsePrefix("10.0.0.2/24")
)

const (
	brokerPort = 1883
	// stallLimit is how long an op may wait before it counts as stalled.
	stallLimit = 10 * time.Second
)

// legationPair is a client stack and a peer stack joined by hal/loopback,
// on one reactor.
type legationPair struct {
	r         *reactor.Reactor
	dev, peer *stack.Stack
}

func newLegationPair(tb testing.TB, clk reactor.Clock) *legationPair {
	tb.Helper()
	a, b := loopback.NewPair(loopback.Config{})
	p := &legationPair{r: reactor.New(clk)}
	var err error
	if p.dev, err = stack.New(a, stack.Config{Addr: clientAddr, Seed: 1}); err != nil {
		tb.Fatal(err)
	}
	if p.peer, err = stack.New(b, stack.Config{Addr: brokerAddr, Seed: 2}); err != nil {
		tb.Fatal(err)
	}
	p.dev.Spawn(p.r)
	p.peer.Spawn(p.r)
	return p
}

// spin turns the reactor on a goroutine of its own until stop is called,
// for the moments (set-up, teardown) when goroutines other than the
// benchmark's wait on it.
func spin(r *reactor.Reactor) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	return func() { cancel(); <-done }
}

// legationPublisher drives legation's client from the reactor goroutine:
// run publishes and turns the reactor (on the caller's goroutine) until
// the window has room and, at the end, until every message is finished.
type legationPublisher struct {
	r   *reactor.Reactor
	c   *mqtt.Client
	qos mqtt.QoS
	// processed reports the messages the broker has processed, for QoS 0.
	processed func() int64
	sent      int64 // publishes so far, over every run
	delivered int64 // OnDelivered without error
	need      int64 // what the current wait waits for
	err       error
	// caughtUp is p.finished as a func value made once, so that waiting
	// does not allocate a closure per op.
	caughtUp func() bool
}

// finished reports whether the first need messages are finished (or the
// client failed).
func (p *legationPublisher) finished() bool {
	if p.err != nil {
		return true
	}
	if p.qos == mqtt.AtMostOnce {
		return p.processed() >= p.need
	}
	return p.delivered >= p.need
}

func (p *legationPublisher) onDelivered(_ mqtt.Token, err error) {
	if err != nil {
		if p.err == nil {
			p.err = fmt.Errorf("delivery: %w", err)
		}
		return
	}
	p.delivered++
}

// wait turns the reactor until the first n messages are finished.
func (p *legationPublisher) wait(n int64) error {
	p.need = n
	if !p.r.RunUntil(stallLimit, p.caughtUp) {
		return fmt.Errorf("stalled: %d of %d messages finished within %v (%d delivered)", p.count(), n, stallLimit, p.delivered)
	}
	return p.err
}

func (p *legationPublisher) count() int64 {
	if p.qos == mqtt.AtMostOnce {
		return p.processed()
	}
	return p.delivered
}

func (p *legationPublisher) run(n int) error {
	for range n {
		if p.sent >= window {
			if err := p.wait(p.sent - window + 1); err != nil {
				return err
			}
		}
		if _, err := p.c.Publish(topic, payload, p.qos, false); err != nil {
			return fmt.Errorf("publish %d: %w", p.sent, err)
		}
		p.sent++
	}
	return p.wait(p.sent)
}

// newLegationPublisher starts legation's client on pair.dev towards the
// broker at brokerAddr and waits (turning the reactor) until it is
// connected.
func newLegationPublisher(tb testing.TB, pair *legationPair, qos byte, processed func() int64) *legationPublisher {
	tb.Helper()
	p := &legationPublisher{r: pair.r, qos: mqtt.QoS(qos), processed: processed}
	p.caughtUp = p.finished
	c, err := mqtt.New(pair.dev, mqtt.Config{
		Broker:      netip.AddrPortFrom(brokerAddr.Addr(), brokerPort).String(),
		ClientID:    "legation-bench",
		CleanStart:  true,
		KeepAlive:   60 * time.Second,
		NoReconnect: true,
		// Nagle off, as Go sets TCP_NODELAY on paho's kernel socket.
		TCP:         tcp.Config{NoDelay: true},
		OnDelivered: p.onDelivered,
		OnConnectionLost: func(err error) {
			if p.err == nil {
				p.err = fmt.Errorf("connection lost: %w", err)
			}
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	p.c = c
	c.Spawn(pair.r)
	f := c.ConnectFuture()
	if !pair.r.RunUntil(stallLimit, f.Done) {
		tb.Fatalf("not connected within %v", stallLimit)
	}
	if _, err := f.Result(); err != nil {
		tb.Fatalf("connect: %v", err)
	}
	return p
}

// startLegation serves the broker on the peer stack through netconn and
// connects legation's client from the other stack over hal/loopback. The
// reactor runs on a real clock, turned by run on the benchmark's goroutine
// (and by a goroutine of its own during set-up and teardown).
func startLegation(tb testing.TB, qos byte) (run func(n int) error, b *broker) {
	tb.Helper()
	b = newBroker(tb)
	pair := newLegationPair(tb, reactor.NewRealClock())
	b.notify = pair.r.Wake
	stop := spin(pair.r)
	ln, err := netconn.New(pair.peer, pair.r, netconn.Config{}).Listen("tcp", fmt.Sprintf(":%d", brokerPort))
	stop()
	if err != nil {
		tb.Fatal(err)
	}
	b.serve(tb, "legation", ln)
	p := newLegationPublisher(tb, pair, qos, b.published.Load)
	tb.Cleanup(func() {
		// The broker's goroutines wait on the reactor while they close.
		stop := spin(pair.r)
		defer stop()
		done := make(chan struct{})
		pair.r.Post(func() {
			p.c.Disconnect().OnComplete(func(struct{}, error) { close(done) })
		})
		select {
		case <-done:
		case <-time.After(stallLimit):
			tb.Error("legation's client did not disconnect")
		}
		b.close()
	})
	return p.run, b
}
