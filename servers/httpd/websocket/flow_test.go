package websocket

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/seed947b3480/legation/tcp"
)

// seqMsg is a 1000-byte binary message numbered i.
func seqMsg(buf []byte, i int) []byte {
	b := buf[:1000]
	for j := range b {
		b[j] = byte(i + j)
	}
	binary.BigEndian.PutUint32(b, uint32(i))
	return b
}

// Backpressure: a server that sends as fast as Send lets it fills the TCP
// send ring, gets ErrQueueFull, and resumes from OnWritable once the client
// reads; every message arrives once, whole and in order.
func TestBackpressure(t *testing.T) {
	const total = 500
	next := 0
	buf := make([]byte, 1000)
	fills := 0
	pump := func(c *Conn) {
		for next < total {
			err := c.Send(false, seqMsg(buf, next))
			if err == ErrQueueFull {
				fills++
				return
			}
			if err != nil {
				t.Errorf("send %d: %v", next, err)
				return
			}
			next++
		}
	}
	e := newEnv(t, Config{}, Handler{OnOpen: pump, OnWritable: pump}, envOptions{})
	k := e.dial()
	k.noRead = true
	e.run(time.Second, func() bool { return false })
	before := fills
	if next == 0 || next >= total || fills == 0 {
		t.Fatalf("before reading: sent %d, refused %d times", next, fills)
	}
	k.noRead = false
	k.pull()
	e.mustRun("all", func() bool { return len(k.msgs) == total })
	for i, m := range k.msgs {
		if !bytes.Equal(m.data, seqMsg(buf, i)) {
			t.Fatalf("message %d differs", i)
		}
	}
	if st := e.g.Stats(); st.QueueFull != uint64(fills) || fills <= before || st.MessagesOut != total {
		t.Fatalf("refused %d times; stats %+v", fills, st)
	}
}

// Broadcast reaches every open connection whose send ring takes the whole
// frame, skips (and counts) the others, and never leaves part of a frame:
// a client that stopped reading receives, once it reads again, a clean
// prefix of the broadcasts.
func TestBroadcast(t *testing.T) {
	e := newEnv(t, Config{CloseTimeout: time.Minute}, Handler{}, envOptions{})
	var ks []*client
	for i := 0; i < 20; i++ {
		ks = append(ks, e.dial())
	}
	if sent, skipped := e.g.Broadcast(true, []byte("hello all")); sent != 20 || skipped != 0 {
		t.Fatalf("sent %d skipped %d", sent, skipped)
	}
	e.mustRun("hello", func() bool {
		for _, k := range ks {
			if len(k.msgs) != 1 {
				return false
			}
		}
		return true
	})
	for _, k := range ks {
		if string(k.msgs[0].data) != "hello all" || !k.msgs[0].text {
			t.Fatal("broadcast differs")
		}
	}
	slow := ks[3]
	slow.noRead = true
	ks[5].noClose = true
	e.server(5).Close(CloseGoingAway, "")
	buf := make([]byte, 1000)
	for i := 0; i < 100; i++ {
		sent, skipped := e.g.Broadcast(false, seqMsg(buf, i))
		if sent+skipped != 20 {
			t.Fatalf("broadcast %d: sent %d skipped %d", i, sent, skipped)
		}
		e.run(100*time.Millisecond, func() bool { return false })
	}
	slow.noRead = false
	slow.pull()
	e.mustRun("drain", func() bool { return len(ks[0].msgs) == 101 && len(slow.msgs) > 1 })
	e.run(time.Second, func() bool { return false })
	n := len(slow.msgs) - 1
	if n >= 100 || n < 10 || slow.badFrame != "" {
		t.Fatalf("slow client got %d broadcasts, bad frame %q", n, slow.badFrame)
	}
	for i := 0; i < n; i++ {
		if !bytes.Equal(slow.msgs[1+i].data, seqMsg(buf, i)) {
			t.Fatalf("slow client: broadcast %d differs", i)
		}
	}
	for j, k := range ks {
		if j == 3 || j == 5 {
			continue
		}
		if len(k.msgs) != 101 || k.badFrame != "" {
			t.Fatalf("client %d got %d", j, len(k.msgs))
		}
	}
	st := e.g.Stats()
	if want := uint64(100 + 100 - n); st.BroadcastSkipped != want || st.Broadcasts != 101 {
		t.Fatalf("skipped %d, want %d (closing 100, slow %d); %+v", st.BroadcastSkipped, want, 100-n, st)
	}
	// No allocation per broadcast.
	msg := seqMsg(buf, 0)
	if a := testing.AllocsPerRun(20, func() { e.g.Broadcast(false, msg) }); a != 0 {
		t.Fatalf("%v allocations per broadcast", a)
	}
}

// Send of a frame larger than the send ring could ever hold says so
// (SendPart is the way); a message that fits is all or nothing.
func TestSendTooLarge(t *testing.T) {
	e := newEnv(t, Config{}, Handler{}, envOptions{})
	k := e.dial()
	c := e.server(0)
	big := make([]byte, tcp.DefaultBufferSize)
	if err := c.Send(false, big); err != ErrTooLarge {
		t.Fatalf("got %v", err)
	}
	// A first fragment of half the ring; last=false keeps the message open
	// even though all of it was sent.
	n, err := c.SendPart(false, big[:8000], false)
	if err != nil || n != 8000 || !c.sendOpen {
		t.Fatalf("SendPart %d %v", n, err)
	}
	if c.Send(false, nil) != ErrFragmenting {
		t.Fatal("Send inside a fragmented message")
	}
	if err := c.Ping([]byte("between fragments")); err != nil {
		t.Fatal(err)
	}
	rest := big[n:]
	var pump func(*Conn)
	pump = func(c *Conn) {
		for len(rest) > 0 || c.sendOpen {
			m, err := c.SendPart(true, rest, true) // text is ignored after the first part
			rest = rest[m:]
			if err != nil {
				return
			}
		}
	}
	e.g.h.OnWritable = pump
	pump(c)
	e.mustRun("message", func() bool { return len(k.msgs) == 1 })
	e.run(time.Second, func() bool { return false }) // acknowledged
	if len(k.msgs[0].data) != len(big) || k.msgs[0].text || len(k.pings) != 1 {
		t.Fatalf("got %d bytes text=%v pings %d", len(k.msgs[0].data), k.msgs[0].text, len(k.pings))
	}
	if err := c.Send(false, []byte("after")); err != nil {
		t.Fatalf("%v: queued %d, state %v, sendOpen %v", err, c.sc.SendQueued(), c.sc.(*tcp.Conn).State(), c.sendOpen)
	}
}

// With a pool of one buffer, two connections assembling fragmented
// messages at once take turns: the second waits, without reading, until
// the first delivers and gives the buffer back.
func TestPoolExhausted(t *testing.T) {
	e := newEnv(t, Config{Buffers: 1, BufferSize: 1024}, echoHandler(), envOptions{})
	a, b := e.dial(), e.dial()
	a.frame(OpText, false, []byte("a1-"))
	e.run(time.Second, func() bool { return false })
	b.frame(OpText, false, []byte("b1-"))
	b.frame(OpContinuation, true, []byte("b2"))
	e.run(time.Second, func() bool { return false })
	if len(b.msgs) != 0 || e.g.Stats().BufferWaits != 1 || !e.server(1).waiting {
		t.Fatalf("b did not wait: %+v", e.g.Stats())
	}
	a.frame(OpContinuation, true, []byte("a2"))
	e.mustRun("both", func() bool { return len(a.msgs) == 1 && len(b.msgs) == 1 })
	if string(a.msgs[0].data) != "a1-a2" || string(b.msgs[0].data) != "b1-b2" {
		t.Fatalf("got %q %q", a.msgs[0].data, b.msgs[0].data)
	}
	if st := e.g.Stats(); st.BuffersInUse != 0 {
		t.Fatalf("%+v", st)
	}
}

// A shared tcp.BufferPool works as the Group's pool, and with pooled TCP
// rings an idle WebSocket connection holds no buffer at all: neither a
// message buffer nor a TCP ring.
func TestSharedPoolIdleHoldsNothing(t *testing.T) {
	pool := tcp.NewBufferPool(4096, 64)
	e := newEnv(t, Config{Pool: pool}, echoHandler(), envOptions{})
	e.l.Close()
	l, err := e.srv.ListenTCP(81, stackListen(pool))
	if err != nil {
		t.Fatal(err)
	}
	l.OnAccept(func() {
		for {
			tc, ok := l.Accept()
			if !ok {
				return
			}
			e.g.Adopt(e.srv.Now(), tc, nil)
		}
	})
	k := e.dialPort(81)
	msg := bytes.Repeat([]byte("x"), 10000) // assembled in pieces
	k.send(false, msg)
	k.send(true, []byte("small"))
	e.mustRun("echo", func() bool { return len(k.msgs) == 2 })
	e.run(5*time.Second, func() bool { return false }) // everything acknowledged
	if !bytes.Equal(k.msgs[0].data, msg) {
		t.Fatal("echo differs")
	}
	if st := pool.Stats(); st.Lent != 0 {
		t.Fatalf("idle connection holds %d pool buffers: %+v", st.Lent, st)
	}
	if e.server(0).mbuf != nil {
		t.Fatal("idle connection holds a message buffer")
	}
}
