package mqtt

import (
	"errors"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

// The CONNECT carries what the configuration says, in both versions.
func TestConnectFields(t *testing.T) {
	for _, v := range []Version{V311, V5} {
		t.Run(v.String(), func(t *testing.T) {
			n := newNet(t)
			var up []bool
			c := n.connect(Config{
				Version: v, ClientID: "sensor-7", Username: "u", Password: []byte("p\x00w"),
				CleanStart: true, KeepAlive: 45 * time.Second, SessionExpiry: time.Hour,
				ReceiveMaximum: 5, MaxPacketSize: 4096, TopicAliasMaximum: 3,
				Will:      &Will{Topic: "dev/7/status", Payload: []byte("gone"), QoS: 1, Retain: true, Delay: 30 * time.Second},
				OnConnect: func(sp bool) { up = append(up, sp) },
			})
			cs := n.b.of(packet.CONNECT)
			if len(cs) != 1 {
				t.Fatalf("%d CONNECTs", len(cs))
			}
			p := cs[0].connect
			if p.Version != v || string(p.ClientID) != "sensor-7" || !p.HasUsername || string(p.Username) != "u" ||
				!p.HasPassword || string(p.Password) != "p\x00w" || !p.CleanStart || p.KeepAlive != 45 ||
				!p.Will || string(p.WillTopic) != "dev/7/status" || string(p.WillPayload) != "gone" || p.WillQoS != 1 || !p.WillRetain {
				t.Fatalf("CONNECT %+v", p)
			}
			if v == V5 {
				pr := &p.Props
				if pr.SessionExpiry != 3600 || pr.ReceiveMaximum != 5 || pr.MaximumPacketSize != 4096 || pr.TopicAliasMaximum != 3 {
					t.Fatalf("CONNECT properties %+v", pr)
				}
				if !p.WillProps.Has(packet.PropWillDelay) || p.WillProps.WillDelay != 30 {
					t.Fatalf("will properties %+v", p.WillProps)
				}
			}
			if len(up) != 1 || up[0] || c.SessionPresent() || !c.ConnectFuture().Done() || c.ConnectFuture().Err() != nil {
				t.Fatalf("OnConnect %v, future %v", up, c.ConnectFuture().Err())
			}
			if s := c.Stats(); s.Connects != 1 || s.Reconnects != 0 {
				t.Fatalf("stats %+v", s)
			}
		})
	}
}

// A refusal that no retry cures ends the client: ConnectFuture fails with
// a *ReasonError carrying the (translated) code, and nothing more is
// tried.
func TestConnackRefusedFatal(t *testing.T) {
	for _, v := range []Version{V311, V5} {
		t.Run(v.String(), func(t *testing.T) {
			n := newNet(t)
			n.b.refuse = packet.BadUserNameOrPassword
			var failed []error
			c := n.client(Config{Version: v, OnConnectFailed: func(err error) { failed = append(failed, err) }})
			n.run(10*time.Second, "refusal", c.ConnectFuture().Done)
			err := c.ConnectFuture().Err()
			var re *ReasonError
			if !errors.Is(err, ErrRefused) || !errors.As(err, &re) || re.Code != packet.BadUserNameOrPassword {
				t.Fatalf("ConnectFuture: %v", err)
			}
			n.r.RunFor(10 * time.Minute)
			if n.b.connects != 1 || len(failed) != 1 || c.Connected() {
				t.Fatalf("connects %d, failures %v", n.b.connects, failed)
			}
			if _, err := c.Publish("a", nil, 1, false); err != ErrClosed {
				t.Fatalf("Publish after giving up: %v", err)
			}
		})
	}
}

// A transient refusal (server unavailable) is retried with backoff until
// the broker accepts.
func TestConnackRefusedTransient(t *testing.T) {
	n := newNet(t)
	n.b.refuse = packet.ServerUnavailable
	c := n.client(Config{})
	n.run(time.Minute, "three attempts", func() bool { return n.b.connects == 3 })
	if c.ConnectFuture().Done() {
		t.Fatal("ConnectFuture completed on a transient refusal")
	}
	n.b.refuse = 0
	n.run(time.Minute, "connect", c.Connected)
	if s := c.Stats(); s.ConnectFailures != 3 || s.Connects != 1 || c.ConnectFuture().Err() != nil {
		t.Fatalf("stats %+v", s)
	}
}

// A broker that never answers CONNECT costs ConnectTimeout, then the
// client tries again.
func TestConnectTimeout(t *testing.T) {
	n := newNet(t)
	var failed []error
	var at []time.Duration
	n.b.hook = func(bc *bconn, p *packet.Packet) bool {
		if p.Type == packet.CONNECT {
			at = append(at, n.since())
			return n.b.connects == 0 && len(at) == 1 // swallow the first
		}
		return false
	}
	c := n.client(Config{ConnectTimeout: 5 * time.Second, OnConnectFailed: func(err error) { failed = append(failed, err) }})
	n.run(time.Minute, "connect", c.Connected)
	if len(failed) != 1 || !errors.Is(failed[0], ErrConnectTimeout) {
		t.Fatalf("failures %v", failed)
	}
	// The first attempt timed out 5 s after it began; the backoff after it
	// is between 0.5 and 1 s.
	if len(at) != 2 || at[1]-at[0] < 5500*time.Millisecond || at[1]-at[0] > 6*time.Second+10*time.Millisecond {
		t.Fatalf("CONNECT at %v", at)
	}
}

// No listener: the dial is refused (RST) and the client keeps trying.
func TestDialRefused(t *testing.T) {
	n := newNet(t)
	var failed []error
	c := n.client(Config{Broker: "10.7.0.1:1884", OnConnectFailed: func(err error) { failed = append(failed, err) }})
	n.r.RunFor(10 * time.Second)
	if len(failed) < 3 || c.Connected() || c.ConnectFuture().Done() {
		t.Fatalf("failures %v", failed)
	}
}

// 5.0: the broker assigns the client identifier and imposes its keep-alive.
func TestAssignedClientIDAndServerKeepAlive(t *testing.T) {
	n := newNet(t)
	n.b.connackProps = func(p *Properties) {
		p.Set(packet.PropAssignedClientID)
		p.AssignedClientID = []byte("auto-42")
		p.Set(packet.PropServerKeepAlive)
		p.ServerKeepAlive = 5
	}
	c := n.client(Config{Version: V5, KeepAlive: time.Minute})
	n.run(10*time.Second, "connect", c.Connected)
	if c.ClientID() != "auto-42" || len(n.b.of(packet.CONNECT)[0].connect.ClientID) != 0 {
		t.Fatalf("client id %q", c.ClientID())
	}
	n.r.RunFor(11 * time.Second)
	if n.b.pingreqs != 2 {
		t.Fatalf("%d PINGREQs in 11 s with a server keep-alive of 5 s", n.b.pingreqs)
	}
}

func TestConfigErrors(t *testing.T) {
	n := newNet(t)
	for _, cfg := range []Config{
		{Broker: "broker.example"}, // a name without a resolver
		{Broker: "10.0.0.1:0"},
		{Broker: "10.0.0.1:x"},
		{Broker: ""},
		{Broker: "10.0.0.1", Version: 3},
		{Broker: "10.0.0.1", KeepAlive: 70000 * time.Second},
		{Broker: "10.0.0.1", ClientID: "a\x00b"},
		{Broker: "10.0.0.1", Will: &Will{Topic: "a/#"}},
		{Broker: "10.0.0.1", Will: &Will{Topic: "a", QoS: 3}},
		{Broker: "10.0.0.1", Password: []byte("p")},           // 3.1.1: password without user
		{Broker: "10.0.0.1", ClientID: "", CleanStart: false}, // 3.1.1: empty id needs a clean session
		{Broker: "10.0.0.1", Version: V5, Will: &Will{Topic: "a", Properties: badWillProps()}}, // not a will property
	} {
		if _, err := New(n.cst, cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	for _, tc := range []struct {
		s, host string
		port    uint16
	}{
		{"10.0.0.1", "10.0.0.1", 1883},
		{"10.0.0.1:8883", "10.0.0.1", 8883},
		{"broker.test", "broker.test", 1883},
		{"broker.test:1884", "broker.test", 1884},
		{"[::1]:1885", "::1", 1885},
	} {
		host, _, port, err := splitBroker(tc.s)
		if err != nil || host != tc.host || port != tc.port {
			t.Errorf("splitBroker(%q) = %q %d %v", tc.s, host, port, err)
		}
	}
}

func badWillProps() *Properties {
	var p Properties
	p.Set(packet.PropSessionExpiry)
	return &p
}
