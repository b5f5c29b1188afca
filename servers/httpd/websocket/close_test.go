package websocket

import (
	"fmt"
	"testing"
	"time"

	"github.com/seed947b3480/legation/tcp"
)

// The peer starts the closing handshake (RFC 6455 7.1.2, 5.5.1): the
// server echoes the code, closes TCP first (7.1.1: the client sees the end
// of the stream before it closes anything itself), and reports the peer's
// code and reason.
func TestPeerStartsClose(t *testing.T) {
	for _, code := range []CloseCode{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999, 0} {
		t.Run(fmt.Sprint(code), func(t *testing.T) {
			e := newEnv(t, Config{}, echoHandler(), envOptions{})
			k := e.dial()
			k.send(true, []byte("before"))
			k.close(code, "bye")
			e.mustRun("close", func() bool { return k.ended() })
			want := code
			if code == 0 { // an empty close frame, answered by an empty one
				want = CloseNoStatus
			}
			if len(k.msgs) != 1 || !k.gotClose || k.code != want || k.reason != "" || !k.eof || k.err != nil {
				t.Fatalf("client: msgs %d close=%v code %d %q eof=%v err=%v", len(k.msgs), k.gotClose, k.code, k.reason, k.eof, k.err)
			}
			wantReason := "bye"
			if code == 0 {
				wantReason = ""
			}
			if len(e.closes) != 1 || e.closes[0].code != want || e.closes[0].reason != wantReason {
				t.Fatalf("server reported %+v", e.closes)
			}
			c := e.server(0)
			if c.Open() || c.Send(true, []byte("late")) != ErrClosed || c.Close(1000, "") != ErrClosed {
				t.Fatal("sending after the close")
			}
			if e.g.Len() != 0 || e.g.Stats().Closed != 1 {
				t.Fatalf("still in the group: %+v", e.g.Stats())
			}
		})
	}
}

// The server starts the closing handshake: the client reads the code and
// reason, messages it sends meanwhile are dropped, its answer completes the
// handshake, and the server closes TCP.
func TestServerStartsClose(t *testing.T) {
	e := newEnv(t, Config{}, echoHandler(), envOptions{})
	k := e.dial()
	c := e.server(0)
	if err := c.Close(CloseGoingAway, "restart"); err != nil {
		t.Fatal(err)
	}
	if c.Send(false, nil) != ErrClosed || c.Close(1000, "") != ErrClosed || c.Ping(nil) != ErrClosed {
		t.Fatal("sending after Close")
	}
	k.noClose = true
	e.mustRun("close frame", func() bool { return k.gotClose })
	k.send(true, []byte("dropped"))
	k.close(CloseGoingAway, "ok")
	e.mustRun("end", func() bool { return k.ended() })
	if k.code != CloseGoingAway || k.reason != "restart" || len(k.msgs) != 0 || !k.eof || k.err != nil {
		t.Fatalf("client: %d %q msgs %d eof %v err %v", k.code, k.reason, len(k.msgs), k.eof, k.err)
	}
	if len(e.closes) != 1 || e.closes[0].code != CloseGoingAway || e.closes[0].reason != "ok" {
		t.Fatalf("server reported %+v", e.closes)
	}
	if st := e.g.Stats(); st.MessagesIn != 0 || st.CloseTimeouts != 0 {
		t.Fatalf("stats %+v", st)
	}
	// Bad arguments.
	e2 := newEnv(t, Config{}, echoHandler(), envOptions{})
	e2.dial()
	c2 := e2.server(0)
	if c2.Close(CloseAbnormal, "") != ErrCloseCode || c2.Close(1000, string(make([]byte, 124))) != ErrControlLen ||
		c2.Close(1000, "\xff") != ErrInvalidUTF8 || c2.Ping(make([]byte, 126)) != ErrControlLen || !c2.Open() {
		t.Fatal("bad Close or Ping arguments accepted")
	}
}

// A peer that never answers the close frame is reset CloseTimeout later.
func TestCloseTimeout(t *testing.T) {
	e := newEnv(t, Config{CloseTimeout: 3 * time.Second}, echoHandler(), envOptions{})
	k := e.dial()
	k.noClose = true
	start := e.clk.Now()
	e.server(0).Close(CloseNormal, "")
	e.mustRun("end", func() bool { return k.ended() })
	if !k.gotClose || k.err != tcp.ErrReset {
		t.Fatalf("client: close=%v err=%v", k.gotClose, k.err)
	}
	if len(e.closes) != 1 || e.closes[0].code != CloseAbnormal {
		t.Fatalf("server reported %+v", e.closes)
	}
	if d := e.closes[0].at.Sub(start); d < 3*time.Second || d > 3*time.Second+100*time.Millisecond {
		t.Fatalf("dropped after %v", d)
	}
	if st := e.g.Stats(); st.CloseTimeouts != 1 || st.Open != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// After a protocol error the server waits for the peer to close TCP, at
// most CloseTimeout, then resets.
func TestFailTimeout(t *testing.T) {
	e := newEnv(t, Config{CloseTimeout: 2 * time.Second}, echoHandler(), envOptions{})
	k := e.dial()
	k.c.OnPeerClosed(func() { k.pull(); k.eof = true }) // and never close
	start := e.clk.Now()
	k.raw(mframe(0x83, nil))
	e.mustRun("reset", func() bool { return k.err != nil })
	if !k.gotClose || k.code != CloseProtocolError || !k.eof || k.err != tcp.ErrReset {
		t.Fatalf("client: close %v %d eof %v err %v", k.gotClose, k.code, k.eof, k.err)
	}
	if d := e.clk.Now().Sub(start); d < 2*time.Second || d > 2*time.Second+100*time.Millisecond {
		t.Fatalf("reset after %v", d)
	}
	if len(e.closes) != 1 || e.closes[0].code != CloseProtocolError || e.closes[0].at.Sub(start) > time.Millisecond {
		t.Fatalf("server reported %+v (want 1002 at once)", e.closes)
	}
}

// A peer that closes TCP, or resets it, without a close frame: OnClose
// reports CloseAbnormal, and a message cut short is never delivered.
func TestPeerEndsWithoutClose(t *testing.T) {
	for _, reset := range []bool{false, true} {
		e := newEnv(t, Config{}, echoHandler(), envOptions{})
		k := e.dial()
		k.send(true, []byte("whole"))
		k.raw(mframe(0x81, []byte("cut short"))[:8])
		e.run(time.Second, func() bool { return false })
		if reset {
			k.c.Abort()
		} else {
			k.c.CloseWrite()
		}
		e.mustRun("close", func() bool { return len(e.closes) == 1 })
		if e.closes[0].code != CloseAbnormal || e.g.Stats().MessagesIn != 1 {
			t.Fatalf("reset=%v: %+v %+v", reset, e.closes, e.g.Stats())
		}
		if !reset {
			e.mustRun("eof", func() bool { return k.eof })
		}
		if e.g.Len() != 0 || e.g.Stats().BuffersInUse != 0 {
			t.Fatalf("reset=%v: %+v", reset, e.g.Stats())
		}
	}
}

// Group.Close is a graceful stop: every client gets the code, answers, and
// every connection ends.
func TestGroupClose(t *testing.T) {
	e := newEnv(t, Config{}, echoHandler(), envOptions{})
	var ks []*client
	for i := 0; i < 5; i++ {
		ks = append(ks, e.dial())
	}
	if n := e.g.Close(CloseGoingAway); n != 5 {
		t.Fatalf("closed %d", n)
	}
	e.mustRun("all ended", func() bool {
		for _, k := range ks {
			if !k.ended() {
				return false
			}
		}
		return true
	})
	for i, k := range ks {
		if k.code != CloseGoingAway || k.err != nil {
			t.Fatalf("client %d: %d %v", i, k.code, k.err)
		}
	}
	if e.g.Len() != 0 || len(e.closes) != 5 || e.g.Stats().Closed != 5 {
		t.Fatalf("len %d closes %d", e.g.Len(), len(e.closes))
	}
}

// Keep-alive: a silent peer that answers pings stays; one that is busy is
// never pinged; one that does not answer is dropped between PingInterval +
// PongTimeout and twice PingInterval + PongTimeout after its last input.
func TestKeepAlive(t *testing.T) {
	cfg := Config{PingInterval: 10 * time.Second, PongTimeout: 3 * time.Second}
	e := newEnv(t, cfg, echoHandler(), envOptions{})
	answers := e.dial()
	busy := e.dial()
	mute := e.dial()
	mute.noPong = true
	start := e.clk.Now()
	for i := 0; i < 20; i++ { // 100 s
		busy.send(false, []byte{byte(i)})
		e.run(5*time.Second, func() bool { return false })
	}
	if answers.ended() || busy.ended() || len(answers.pings) < 8 || len(answers.pings) > 10 || len(busy.pings) != 0 {
		t.Fatalf("answers: ended %v pings %d; busy: ended %v pings %d", answers.ended(), len(answers.pings), busy.ended(), len(busy.pings))
	}
	if !mute.ended() || mute.err != tcp.ErrReset || len(e.closes) != 1 || e.closes[0].c != e.server(2) || e.closes[0].code != CloseAbnormal {
		t.Fatalf("mute: ended %v err %v; closes %+v", mute.ended(), mute.err, e.closes)
	}
	if d := e.closes[0].at.Sub(start); d < 13*time.Second || d > 23*time.Second+100*time.Millisecond {
		t.Fatalf("mute dropped after %v", d)
	}
	st := e.g.Stats()
	if st.PongTimeouts != 1 || st.PingsSent < 9 || st.PongsIn < 8 {
		t.Fatalf("stats %+v", st)
	}
	t.Logf("after 100 s: %+v", st)
}
