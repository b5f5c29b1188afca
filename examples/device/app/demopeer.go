package app

import (
	"time"

	"github.com/seed947b3480/legation/examples/internal/demobroker"
	"github.com/seed947b3480/legation/examples/internal/demontp"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
)

// DemoPeer is the other side of the loopback demo: an MQTT broker on port
// 1883 and an NTP server on port 123 of the peer stack, so the device runs
// with no set-up. Reactor goroutine only.
type DemoPeer struct{ b *demobroker.Broker }

// ServeDemoPeer starts the demo broker and NTP server on peer; the NTP
// server runs ntpOffset ahead of the peer's clock.
func ServeDemoPeer(r *reactor.Reactor, peer *stack.Stack, ntpOffset time.Duration) (*DemoPeer, error) {
	b, err := demobroker.Serve(r, peer, demobroker.Config{})
	if err != nil {
		return nil, err
	}
	if err := demontp.Serve(peer, ntpOffset); err != nil {
		return nil, err
	}
	return &DemoPeer{b: b}, nil
}

// Publish publishes a message from the broker (a command to the device,
// say).
func (p *DemoPeer) Publish(topic string, payload []byte, qos byte, retain bool) {
	p.b.Publish(topic, payload, qos, retain)
}

// OnPublish sets fn to see every message a client publishes (topic and
// payload valid during the call only).
func (p *DemoPeer) OnPublish(fn func(topic string, payload []byte)) { p.b.OnPublish(fn) }

// Clients returns the number of connected MQTT clients.
func (p *DemoPeer) Clients() int { return p.b.Clients() }
