package mqtt

import (
	"errors"
	"testing"
	"time"

	"github.com/seed947b3480/legation/clients/mqtt/packet"
)

// An idle connection sends exactly one PINGREQ per keep-alive period, at
// the period, for as long as it lasts.
func TestKeepAliveIdle(t *testing.T) {
	n := newNet(t)
	var pings []time.Duration
	n.b.hook = func(bc *bconn, p *packet.Packet) bool {
		if p.Type == packet.PINGREQ {
			pings = append(pings, n.since())
		}
		return false
	}
	c := n.connect(Config{KeepAlive: 10 * time.Second})
	up := n.since() // the CONNECT went out here (virtual time stands still while frames move)
	n.r.RunFor(65 * time.Second)
	if len(pings) != 6 {
		t.Fatalf("%d PINGREQs in 65 s, want 6: %v", len(pings), pings)
	}
	for i, at := range pings {
		if want := up + time.Duration(i+1)*10*time.Second; at != want {
			t.Fatalf("PINGREQ %d at %v, want %v", i, at, want)
		}
	}
	if s := c.Stats(); s.PingsSent != 6 || s.PingsAnswered != 6 || !c.Connected() || s.Connects != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// Traffic from the client postpones the ping: only silence counts.
func TestKeepAliveBusy(t *testing.T) {
	n := newNet(t)
	c := n.connect(Config{KeepAlive: 10 * time.Second})
	for i := 0; i < 6; i++ {
		n.r.RunFor(7 * time.Second)
		if _, err := c.Publish("t", []byte("x"), 0, false); err != nil {
			t.Fatal(err)
		}
	}
	if n.b.pingreqs != 0 {
		t.Fatalf("%d PINGREQs while publishing every 7 s", n.b.pingreqs)
	}
	n.r.RunFor(10 * time.Second)
	if n.b.pingreqs != 1 {
		t.Fatalf("%d PINGREQs after 10 s of silence", n.b.pingreqs)
	}
}

// A broker that stops answering PINGREQ is declared dead PingTimeout after
// the ping: ErrKeepAliveTimeout, then a new connection.
func TestKeepAliveTimeout(t *testing.T) {
	n := newNet(t)
	n.b.noPingResp = true
	var lost []error
	var lostAt time.Duration
	c := n.connect(Config{KeepAlive: 20 * time.Second, PingTimeout: 5 * time.Second, OnConnectionLost: func(err error) {
		lost = append(lost, err)
		lostAt = n.since()
	}})
	up := n.since()
	n.run(time.Minute, "lost", func() bool { return len(lost) == 1 })
	if !errors.Is(lost[0], ErrKeepAliveTimeout) || lostAt != up+25*time.Second {
		t.Fatalf("lost %v at %v, want ErrKeepAliveTimeout at %v", lost, lostAt, up+25*time.Second)
	}
	n.b.noPingResp = false
	n.run(5*time.Second, "reconnect", c.Connected)
	if s := c.Stats(); s.Connects != 2 || s.Reconnects != 1 || s.ConnectionsLost != 1 {
		t.Fatalf("stats %+v", s)
	}
	if !n.b.conns[0].closed {
		t.Fatal("the dead connection was not closed")
	}
}

// KeepAlive negative: no pings at all, ever.
func TestKeepAliveOff(t *testing.T) {
	n := newNet(t)
	n.connect(Config{KeepAlive: -1})
	n.r.RunFor(10 * time.Minute)
	if n.b.pingreqs != 0 || n.b.of(packet.CONNECT)[0].connect.KeepAlive != 0 {
		t.Fatalf("%d PINGREQs with keep-alive off", n.b.pingreqs)
	}
}
