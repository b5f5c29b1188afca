package tlsx

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// connectedPair returns two engines already past the handshake whose keys
// mirror each other: a's write key is b's read key and the other way round.
// It exercises the record layer exactly as a finished handshake leaves it.
func connectedPair(t testing.TB, suite uint16) (a, b *Conn) {
	t.Helper()
	s := suiteByID(suite)
	mk := func() *Conn {
		c := &Conn{cfg: &Config{}, maxHS: defaultMaxHSMsg, suite: s, complete: true}
		if err := c.initBuffers(); err != nil {
			t.Fatal(err)
		}
		c.handshakeDone()
		return c
	}
	a, b = mk(), mk()
	k1 := bytes.Repeat([]byte{1}, s.hlen)
	k2 := bytes.Repeat([]byte{2}, s.hlen)
	for _, e := range []error{a.wr.set(s, k1), b.rd.set(s, k1), b.wr.set(s, k2), a.rd.set(s, k2)} {
		if e != nil {
			t.Fatal(e)
		}
	}
	return a, b
}

// move sends everything a has queued into b.
func move(t testing.TB, a, b *Conn) {
	for a.Pending() > 0 {
		n, err := b.Input(a.OutputLease())
		if err != nil {
			t.Fatalf("Input: %v", err)
		}
		if n == 0 {
			return
		}
		a.ConsumeOutput(n)
	}
}

// readAvailable consumes all the plaintext c has to read now and returns
// how many bytes that was.
func readAvailable(c *Conn) int {
	n := 0
	for {
		l, err := c.ReadLease()
		if err != nil {
			return n
		}
		n += len(l)
		c.Consume(len(l))
	}
}

func TestSteadyStateZeroAllocs(t *testing.T) {
	for _, s := range []uint16{TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256} {
		a, b := connectedPair(t, s)
		msg := bytes.Repeat([]byte("0123456789abcdef"), 64) // 1 KiB
		big := make([]byte, maxPlaintext)
		var got int
		round := func(p []byte) {
			if n, err := a.Write(p); n != len(p) || err != nil {
				t.Fatalf("Write = %d, %v", n, err)
			}
			move(t, a, b)
			got = readAvailable(b)
		}
		if allocs := testing.AllocsPerRun(200, func() { round(msg) }); allocs != 0 || got != len(msg) {
			t.Errorf("suite %04x: %.1f allocs per 1 KiB record round trip (got %d bytes)", s, allocs, got)
		}
		if allocs := testing.AllocsPerRun(50, func() { round(big) }); allocs != 0 || got != len(big) {
			t.Errorf("suite %04x: %.1f allocs per 16 KiB record round trip (got %d bytes)", s, allocs, got)
		}
		// The lease path too.
		if allocs := testing.AllocsPerRun(200, func() {
			w, err := a.WriteLease()
			if err != nil {
				t.Fatal(err)
			}
			copy(w, msg)
			a.CommitWrite(len(msg))
			move(t, a, b)
			l, _ := b.ReadLease()
			got = len(l)
			b.Consume(len(l))
		}); allocs != 0 || got != len(msg) {
			t.Errorf("suite %04x: %.1f allocs per leased record", s, allocs)
		}
	}
}

func TestKeyUpdateBothWays(t *testing.T) {
	a, b := connectedPair(t, TLS_CHACHA20_POLY1305_SHA256)
	send := func(from, to *Conn, text string) {
		t.Helper()
		if _, err := from.Write([]byte(text)); err != nil {
			t.Fatal(err)
		}
		move(t, from, to)
		got, err := to.ReadLease()
		if err != nil || string(got) != text {
			t.Fatalf("got %q, %v", got, err)
		}
		to.Consume(len(got))
	}
	send(a, b, "before")
	oldA := a.wr.secret
	if err := a.KeyUpdate(true); err != nil {
		t.Fatal(err)
	}
	send(a, b, "after a's update")
	if bytes.Equal(a.wr.secret, oldA) || !bytes.Equal(a.wr.secret, b.rd.secret) {
		t.Fatal("a's write secret did not move in step with b's read secret")
	}
	// b was asked to update: its answer is queued ahead of its data.
	send(b, a, "b answered")
	if !bytes.Equal(b.wr.secret, a.rd.secret) || b.wr.seq != 1 {
		t.Fatalf("b did not update its write key (seq %d)", b.wr.seq)
	}
	send(a, b, "still fine")
}

func TestRecordLimits(t *testing.T) {
	a, b := connectedPair(t, TLS_AES_128_GCM_SHA256)
	// A record longer than 2^14+256 is refused before decryption.
	b.Input([]byte{23, 3, 3, 0x41, 0x01})
	if !errors.Is(b.Err(), ErrRecordOverflow) {
		t.Fatalf("Err = %v", b.Err())
	}
	// record_size_limit from the peer bounds what we send.
	a.maxSend = 100
	a.Write(make([]byte, 250))
	if n := a.Pending(); n != 3*(5+17)+250 {
		t.Fatalf("pending %d, want three records", n)
	}
	// Application data before the handshake completes is refused.
	c, _ := connectedPair(t, TLS_AES_128_GCM_SHA256)
	_, d := connectedPair(t, TLS_AES_128_GCM_SHA256)
	c.Write([]byte("x"))
	d.complete = false
	d.hs = &clientHandshake{state: stWaitEE}
	d.Input(c.OutputLease())
	if !errors.Is(d.Err(), ErrUnexpectedMessage) {
		t.Fatalf("Err = %v", d.Err())
	}
}

func TestHandshakeDeadline(t *testing.T) {
	tr := loadTrace(t)
	c := traceClient(t, tr)
	checkDeadline(t, c)
	if c.Pending() != 7 {
		t.Fatalf("pending %d, want the user_canceled alert", c.Pending())
	}
}

// checkDeadline sets a handshake deadline on c, which has not finished
// its handshake, and checks that Tick fails it only once it has passed.
func checkDeadline(t *testing.T, c *Conn) {
	t.Helper()
	t0 := time.Unix(1000, 0)
	c.SetHandshakeDeadline(t0.Add(time.Second))
	if !c.NextDeadline().Equal(t0.Add(time.Second)) {
		t.Fatalf("NextDeadline = %v", c.NextDeadline())
	}
	c.Tick(t0)
	if c.Err() != nil {
		t.Fatal(c.Err())
	}
	c.Tick(t0.Add(2 * time.Second))
	if !errors.Is(c.Err(), ErrTimeout) || !c.NextDeadline().IsZero() {
		t.Fatalf("Err = %v", c.Err())
	}
}
