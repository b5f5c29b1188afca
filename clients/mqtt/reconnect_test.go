package mqtt

import (
	"errors"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

// attemptTimes runs a client against a broker that refuses as "server
// unavailable" and returns when each CONNECT arrived.
func attemptTimes(t *testing.T, seed uint64, n int) []time.Duration {
	net := newNet(t)
	net.b.refuse = packet.ServerUnavailable
	var at []time.Duration
	net.b.hook = func(bc *bconn, p *packet.Packet) bool {
		if p.Type == packet.CONNECT {
			at = append(at, net.since())
		}
		return false
	}
	net.client(Config{Seed: seed, ReconnectMin: time.Second, ReconnectMax: 16 * time.Second})
	net.run(10*time.Minute, "attempts", func() bool { return len(at) == n })
	return at
}

// The delay before attempt k+1 is within [d/2, d] for d = 1 s doubled k
// times, capped at 16 s; the same seed gives the same delays.
func TestReconnectBackoff(t *testing.T) {
	at := attemptTimes(t, 99, 9)
	for k := 1; k < len(at); k++ {
		d := min(time.Second<<(k-1), 16*time.Second)
		gap := at[k] - at[k-1]
		if gap < d/2 || gap > d+10*time.Millisecond {
			t.Fatalf("attempt %d after %v, want within [%v, %v]: %v", k+1, gap, d/2, d, at)
		}
	}
	again := attemptTimes(t, 99, 9)
	for i := range at {
		if at[i] != again[i] {
			t.Fatalf("same seed, different timings:\n%v\n%v", at, again)
		}
	}
	other := attemptTimes(t, 100, 9)
	same := true
	for i := range at {
		same = same && at[i] == other[i]
	}
	if same {
		t.Fatal("another seed gave the same jitter")
	}
}

// After a lost connection with the session present, the client sends the
// unacknowledged PUBLISH packets again with DUP and their identifiers, and
// the PUBREL of the QoS 2 message past PUBREC, then completes them all.
func TestResendWithSession(t *testing.T) {
	for _, v := range []Version{V311, V5} {
		t.Run(v.String(), func(t *testing.T) {
			n := newNet(t)
			b := n.b
			drop := true
			b.hook = func(bc *bconn, p *packet.Packet) bool {
				if !drop {
					return false
				}
				switch p.Type {
				case packet.PUBLISH:
					if p.Publish.QoS == ExactlyOnce {
						bc.ack(packet.PUBREC, p.Publish.PacketID)
					}
					return true // QoS 1: no PUBACK
				case packet.PUBREL:
					// Lose the connection with the PUBCOMP owed.
					drop = false
					bc.c.Abort()
					return true
				}
				return false
			}
			results := map[Token]error{}
			c := n.connect(Config{Version: v, ClientID: "keep", SessionExpiry: time.Hour, OnDelivered: func(tk Token, err error) { results[tk] = err }})
			t1, _ := c.Publish("a", []byte("1"), 1, false)
			t2, _ := c.Publish("b", []byte("2"), 2, false)
			t3, _ := c.Publish("c", []byte("3"), 1, false)
			n.run(30*time.Second, "all delivered", func() bool { return len(results) == 3 })
			for _, tk := range []Token{t1, t2, t3} {
				if err, ok := results[tk]; !ok || err != nil {
					t.Fatalf("token %d: %v %v", tk, ok, err)
				}
			}
			var first, second []bpkt
			for _, p := range b.log {
				if p.t != packet.PUBLISH && p.t != packet.PUBREL {
					continue
				}
				if p.conn == 0 {
					first = append(first, p)
				} else {
					second = append(second, p)
				}
			}
			if len(first) != 4 || len(second) != 3 {
				t.Fatalf("first connection %+v\nsecond %+v", first, second)
			}
			// Second connection: the PUBREL of b (past PUBREC: the
			// PUBLISH is not sent again), then a and c again with DUP and
			// their identifiers.
			if second[0].t != packet.PUBREL || second[0].id != first[1].id {
				t.Fatalf("second connection starts with %+v, want PUBREL %d", second[0], first[1].id)
			}
			if second[1].topic != "a" || !second[1].dup || second[1].id != first[0].id ||
				second[2].topic != "c" || !second[2].dup || second[2].id != first[2].id {
				t.Fatalf("re-sent %+v", second[1:])
			}
			if s := c.Stats(); s.Retransmitted != 3 || s.Reconnects != 1 {
				t.Fatalf("stats %+v", s)
			}
			if !c.SessionPresent() {
				t.Fatal("session not present on reconnection")
			}
			if v == V5 && b.of(packet.CONNECT)[1].connect.CleanStart {
				t.Fatal("5.0 reconnection asked for a clean start with a session expiry")
			}
		})
	}
}

// After a lost connection without a session, the client subscribes again
// and sends the unacknowledged messages as new ones (no DUP); QoS 0
// messages queued at the loss are dropped.
func TestResubscribeWithoutSession(t *testing.T) {
	n := newNet(t)
	b := n.b
	b.noSessions = true
	hold := true
	b.hook = func(bc *bconn, p *packet.Packet) bool {
		return hold && p.Type == packet.PUBLISH && p.Publish.QoS == 1
	}
	var got []string
	results := map[Token]error{}
	var lost []error
	c := n.connect(Config{ClientID: "x", OnDelivered: func(tk Token, err error) { results[tk] = err },
		OnConnectionLost: func(err error) { lost = append(lost, err) }})
	s1 := c.Subscribe("s/1", 1, func(m *Message) { got = append(got, "h1:"+m.Topic) })
	s2 := c.Subscribe("s/#", 0, func(m *Message) { got = append(got, "h2:"+m.Topic) })
	n.run(time.Second, "subacks", func() bool { return s1.Done() && s2.Done() })
	tk, _ := c.Publish("q/1", []byte("x"), 1, false)
	n.run(time.Second, "publish seen", func() bool { return b.count(packet.PUBLISH) == 1 })
	hold = false
	b.last().c.Abort()
	n.run(10*time.Second, "delivered", func() bool { return len(results) == 1 })
	if results[tk] != nil || len(lost) != 1 || !errors.Is(lost[0], ErrBrokerClosed) && lost[0] == nil {
		t.Fatalf("results %v lost %v", results, lost)
	}
	subs := b.of(packet.SUBSCRIBE)
	if len(subs) != 4 || subs[2].conn != 1 || subs[3].conn != 1 || subs[2].filters[0] != "s/1" || subs[3].filters[0] != "s/#" {
		t.Fatalf("SUBSCRIBEs %+v", subs)
	}
	pubs := b.of(packet.PUBLISH)
	if len(pubs) != 2 || pubs[1].dup || pubs[1].conn != 1 {
		t.Fatalf("PUBLISHes %+v", pubs)
	}
	// The subscriptions work on the new connection.
	b.last().deliver([]byte("s/1"), []byte("m"), 1, false, b.last().subFor([]byte("s/1")))
	n.run(time.Second, "message", func() bool { return len(got) >= 1 })
}

// Disconnect sends DISCONNECT, closes, and stays closed.
func TestDisconnect(t *testing.T) {
	for _, v := range []Version{V311, V5} {
		n := newNet(t)
		var lost []error
		c := n.connect(Config{Version: v, Will: &Will{Topic: "w", Payload: []byte("x")}, OnConnectionLost: func(err error) { lost = append(lost, err) }})
		f := c.Disconnect()
		n.run(5*time.Second, "disconnect", f.Done)
		n.r.RunFor(10 * time.Minute)
		if n.b.count(packet.DISCONNECT) != 1 || n.b.connects != 1 || len(lost) != 0 || c.Connected() {
			t.Fatalf("%v: DISCONNECTs %d, connects %d, lost %v", v, n.b.count(packet.DISCONNECT), n.b.connects, lost)
		}
		if d := n.b.of(packet.DISCONNECT)[0]; d.code != packet.NormalDisconnection {
			t.Fatalf("DISCONNECT reason %v", d.code)
		}
		if _, err := c.Publish("a", nil, 1, false); err != ErrClosed {
			t.Fatalf("Publish after Disconnect: %v", err)
		}
		if err := c.Subscribe("a", 0, nil); err.Err() != ErrClosed {
			t.Fatalf("Subscribe after Disconnect: %v", err.Err())
		}
	}
}

// NoReconnect: the first loss is final.
func TestNoReconnect(t *testing.T) {
	n := newNet(t)
	var lost []error
	results := map[Token]error{}
	c := n.connect(Config{NoReconnect: true, OnConnectionLost: func(err error) { lost = append(lost, err) },
		OnDelivered: func(tk Token, err error) { results[tk] = err }})
	n.b.holdAcks = true
	tk, _ := c.Publish("a", nil, 1, false)
	n.run(time.Second, "publish", func() bool { return n.b.count(packet.PUBLISH) == 1 })
	n.b.last().c.Abort()
	n.r.RunFor(time.Minute)
	if len(lost) != 1 || n.b.connects != 1 || !errors.Is(results[tk], ErrClosed) {
		t.Fatalf("lost %v, connects %d, result %v", lost, n.b.connects, results[tk])
	}
}

// Disconnect fails what is still pending with ErrClosed: unacknowledged
// messages and subscriptions waiting for their SUBACK.
func TestDisconnectFailsPending(t *testing.T) {
	n := newNet(t)
	n.b.holdAcks = true
	n.b.hook = func(bc *bconn, p *packet.Packet) bool { return p.Type == packet.SUBSCRIBE }
	results := map[Token]error{}
	c := n.connect(Config{OnDelivered: func(tk Token, err error) { results[tk] = err }})
	tk, _ := c.Publish("a", []byte("x"), 1, false)
	sub := c.Subscribe("s", 1, nil)
	n.r.RunFor(time.Second)
	f := c.Disconnect()
	n.run(5*time.Second, "disconnect", f.Done)
	if !errors.Is(results[tk], ErrClosed) || !errors.Is(sub.Err(), ErrClosed) {
		t.Fatalf("publish %v, subscribe %v", results[tk], sub.Err())
	}
	if c.Disconnect() != f {
		t.Fatal("a second Disconnect returned another future")
	}
}
