package interop

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt"
	"github.com/seed947b3480/legation/hal/tap"
	"github.com/seed947b3480/legation/internal/netnstest"
	"github.com/seed947b3480/legation/stack"
)

// legation's MQTT client as the tests drive it: on a device's reactor
// goroutine, its callbacks copied to channels the test reads.

// mqttTAP makes a namespace whose tap0 joins a legation stack at
// 10.77.0.2 to the kernel at 10.77.0.1, where mosquitto listens.
func mqttTAP(t *testing.T, cfg mosquittoConfig) (*netnstest.NS, *device, *mosquitto) {
	t.Helper()
	requireMosquitto(t)
	ns := netnstest.New(t)
	dev, err := tap.Open(tap.Config{Name: "tap0", Netns: ns.Name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dev.Close() })
	d := startDevice(t, dev, stack.Config{Addr: netip.MustParsePrefix("10.77.0.2/24"), Gateway: netip.MustParseAddr("10.77.0.1")})
	// The fd is attached; only now bring the kernel side up (PEERS.md).
	ns.ConfigureTap(t, "tap0", "10.77.0.1/24", 1500)
	if !cfg.Addr.IsValid() {
		cfg.Addr = mqttBrokerAddr
	}
	return ns, d, startMosquitto(t, ns, cfg)
}

// mqttGot is a message the device's client received, copied out of the
// callback.
type mqttGot struct {
	Topic   string
	Payload []byte
	QoS     mqtt.QoS
	Retain  bool
	Dup     bool
}

// mqttDelivery is one OnDelivered call.
type mqttDelivery struct {
	token mqtt.Token
	err   error
}

// mqttDevice is a legation MQTT client on a device.
type mqttDevice struct {
	t *testing.T
	d *device
	c *mqtt.Client

	msgs     chan mqttGot
	connects chan bool // OnConnect's sessionPresent
	lost     chan error

	// Reactor goroutine only: publishes waiting for OnDelivered, and
	// deliveries that came before the test registered its token.
	waiting map[mqtt.Token]chan error
	early   map[mqtt.Token]error
}

// startMQTTDevice creates the client on d with cfg (its callbacks are
// wrapped, and still called), starts it and waits for the first CONNACK.
func startMQTTDevice(t *testing.T, d *device, cfg mqtt.Config) *mqttDevice {
	t.Helper()
	m := newMQTTDevice(t, d, cfg)
	m.waitConnected(15 * time.Second)
	return m
}

// newMQTTDevice creates and starts the client without waiting.
func newMQTTDevice(t *testing.T, d *device, cfg mqtt.Config) *mqttDevice {
	t.Helper()
	m := &mqttDevice{t: t, d: d,
		msgs: make(chan mqttGot, 1024), connects: make(chan bool, 64), lost: make(chan error, 64),
		waiting: map[mqtt.Token]chan error{}, early: map[mqtt.Token]error{}}
	onMessage, onConnect, onLost, onDelivered := cfg.OnMessage, cfg.OnConnect, cfg.OnConnectionLost, cfg.OnDelivered
	cfg.OnMessage = func(msg *mqtt.Message) {
		m.deliver(msg)
		if onMessage != nil {
			onMessage(msg)
		}
	}
	cfg.OnConnect = func(present bool) {
		select {
		case m.connects <- present:
		default:
		}
		if onConnect != nil {
			onConnect(present)
		}
	}
	cfg.OnConnectionLost = func(err error) {
		select {
		case m.lost <- err:
		default:
		}
		if onLost != nil {
			onLost(err)
		}
	}
	cfg.OnDelivered = func(tok mqtt.Token, err error) {
		if ch, ok := m.waiting[tok]; ok {
			ch <- err
			delete(m.waiting, tok)
		} else if onDelivered == nil {
			// Perhaps delivered inside Publish, before publish could
			// register the token. (With the test's own callback, as for
			// thousands of messages, it does not publish through here.)
			m.early[tok] = err
		}
		if onDelivered != nil {
			onDelivered(tok, err)
		}
	}
	var err error
	d.do(func() {
		if m.c, err = mqtt.New(d.s, cfg); err == nil {
			m.c.Spawn(d.r)
		}
	})
	if err != nil {
		t.Fatalf("mqtt.New: %v", err)
	}
	return m
}

// waitConnected waits for the first CONNACK (the connect future).
func (m *mqttDevice) waitConnected(timeout time.Duration) {
	m.t.Helper()
	ok, err := m.connectOutcome(timeout)
	if !ok {
		m.t.Fatalf("mqtt: not connected within %v; stats %+v; stack %+v", timeout, m.stats(), m.d.counters())
	}
	if err != nil {
		m.t.Fatalf("mqtt connect: %v; stats %+v", err, m.stats())
	}
}

// connectOutcome waits for the first connect's outcome (the connect
// future); ok is false if it did not come within timeout.
func (m *mqttDevice) connectOutcome(timeout time.Duration) (ok bool, err error) {
	done := make(chan error, 1)
	m.d.do(func() {
		m.c.ConnectFuture().OnComplete(func(_ struct{}, err error) { done <- err })
	})
	select {
	case err := <-done:
		return true, err
	case <-time.After(timeout):
		return false, nil
	}
}

// deliver copies a received message to the channel (reactor goroutine).
func (m *mqttDevice) deliver(msg *mqtt.Message) {
	g := mqttGot{Topic: msg.Topic, Payload: append([]byte(nil), msg.Payload...), QoS: msg.QoS, Retain: msg.Retain, Dup: msg.Duplicate}
	select {
	case m.msgs <- g:
	default:
		m.t.Errorf("mqtt message on %s dropped: the test is not reading", g.Topic)
	}
}

// publish publishes and waits for OnDelivered (QoS 0: written; 1: PUBACK;
// 2: PUBCOMP), failing the test on an error or after timeout.
func (m *mqttDevice) publish(topic string, payload []byte, qos mqtt.QoS, retain bool) {
	m.t.Helper()
	ch := make(chan error, 1)
	var err error
	m.d.do(func() {
		var tok mqtt.Token
		if tok, err = m.c.Publish(topic, payload, qos, retain); err != nil {
			return
		}
		if e, ok := m.early[tok]; ok {
			delete(m.early, tok)
			ch <- e
			return
		}
		m.waiting[tok] = ch
	})
	if err != nil {
		m.t.Fatalf("publish to %s: %v", topic, err)
	}
	select {
	case err := <-ch:
		if err != nil {
			m.t.Fatalf("delivery to %s (QoS %d): %v", topic, qos, err)
		}
	case <-time.After(15 * time.Second):
		m.t.Fatalf("publish to %s (QoS %d): not delivered within 15 s; stats %+v", topic, qos, m.stats())
	}
}

// subscribe subscribes (every message to the test's channel) and waits
// for the SUBACK.
func (m *mqttDevice) subscribe(filter string, qos mqtt.QoS) mqtt.SubAck {
	m.t.Helper()
	type result struct {
		ack mqtt.SubAck
		err error
	}
	ch := make(chan result, 1)
	m.d.do(func() {
		m.c.Subscribe(filter, qos, m.deliver).OnComplete(func(a mqtt.SubAck, err error) { ch <- result{a, err} })
	})
	select {
	case r := <-ch:
		if r.err != nil {
			m.t.Fatalf("subscribe %s: %v", filter, r.err)
		}
		return r.ack
	case <-time.After(15 * time.Second):
		m.t.Fatalf("subscribe %s: no SUBACK within 15 s; stats %+v", filter, m.stats())
	}
	return mqtt.SubAck{}
}

// next returns the next message the client received, failing the test
// after timeout.
func (m *mqttDevice) next(timeout time.Duration) mqttGot {
	m.t.Helper()
	select {
	case g := <-m.msgs:
		return g
	case <-time.After(timeout):
		m.t.Fatalf("mqtt: no message within %v; stats %+v", timeout, m.stats())
	}
	return mqttGot{}
}

func (m *mqttDevice) stats() mqtt.Stats {
	var s mqtt.Stats
	m.d.do(func() {
		if m.c != nil {
			s = m.c.Stats()
		}
	})
	return s
}

func (m *mqttDevice) connected() bool {
	var ok bool
	m.d.do(func() { ok = m.c.Connected() })
	return ok
}

// disconnect sends DISCONNECT and waits for the close.
func (m *mqttDevice) disconnect() {
	m.t.Helper()
	ch := make(chan error, 1)
	m.d.do(func() { m.c.Disconnect().OnComplete(func(_ struct{}, err error) { ch <- err }) })
	select {
	case err := <-ch:
		if err != nil {
			m.t.Fatalf("disconnect: %v", err)
		}
	case <-time.After(10 * time.Second):
		m.t.Fatal("disconnect: not closed within 10 s")
	}
}
