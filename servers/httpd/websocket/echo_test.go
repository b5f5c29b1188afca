package websocket

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/seed947b3480/legation/tcp"
)

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// randomText is valid UTF-8 of exactly n bytes, with characters of every
// length so that frame and segment boundaries fall inside them.
func randomText(rng *rand.Rand, n int) []byte {
	chars := [][]byte{[]byte("a"), []byte("ß"), []byte("€"), []byte("😀")}
	b := make([]byte, 0, n)
	for len(b) < n {
		c := chars[rng.IntN(len(chars))]
		if len(b)+len(c) > n {
			c = chars[0]
		}
		b = append(b, c...)
	}
	return b
}

// Messages from 0 B to 1 MiB, text and binary, sent whole or in fragments
// by the client, come back intact (SHA-256): the server assembles them
// (in place, in a pool buffer or a large one) and echoes them with Send,
// or with SendPart when they exceed its send ring.
func TestEchoSizes(t *testing.T) {
	e := newEnv(t, Config{MaxMessage: 1 << 20}, echoHandler(), envOptions{})
	k := e.dial()
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{0, 1, 2, 125, 126, 127, 1000, 1460, 2000, 4095, 4096, 4097, 16383, 16384, 65535, 65536, 65537, 200_000, 1 << 20}
	for _, size := range sizes {
		for _, text := range []bool{false, true} {
			for _, frag := range []int{0, 1000, 4093} {
				if frag > 0 && size > 300_000 && frag < 4000 || raceEnabled && frag > 0 && size > 65537 {
					continue // enough fragments already
				}
				var msg []byte
				if text {
					msg = randomText(rng, size)
				} else {
					msg = randomBytes(rng, size)
				}
				name := fmt.Sprintf("size=%d text=%v frag=%d", size, text, frag)
				want := sha256.Sum256(msg)
				n := len(k.msgs)
				if frag == 0 || size <= frag {
					k.send(text, msg)
				} else {
					op := dataOpcode(text)
					for off := 0; off < len(msg); off += frag {
						end := min(off+frag, len(msg))
						k.frame(op, end == len(msg), msg[off:end])
						op = OpContinuation
					}
				}
				e.mustRun(name, func() bool { return len(k.msgs) > n || k.ended() })
				if len(k.msgs) != n+1 {
					t.Fatalf("%s: no echo; client %+v", name, k.err)
				}
				got := k.msgs[n]
				if got.text != text || sha256.Sum256(got.data) != want {
					t.Fatalf("%s: echo differs: %d bytes, text=%v", name, len(got.data), got.text)
				}
			}
		}
	}
	st := e.g.Stats()
	if st.BuffersInUse != 0 || e.server(0).mbuf != nil {
		t.Fatalf("a buffer is still lent after the last message: %+v", st)
	}
	t.Logf("stats %+v", st)
}

// A fragmented text message with pings between its fragments: each ping is
// answered at once with its payload, the message is delivered whole, and
// it is delivered after the pongs went out (RFC 6455 5.4: control frames
// may be injected in the middle of a fragmented message).
func TestFragmentedWithInterleavedPings(t *testing.T) {
	var got []string
	h := Handler{OnMessage: func(c *Conn, text bool, msg []byte) {
		got = append(got, string(msg))
		c.Send(text, msg)
	}}
	e := newEnv(t, Config{}, h, envOptions{})
	k := e.dial()
	k.frame(OpText, false, []byte("Hel"))
	k.frame(OpPing, true, []byte("p1"))
	k.frame(OpContinuation, false, []byte("l"))
	k.frame(OpPing, true, bytes.Repeat([]byte("x"), 125))
	k.frame(OpPong, true, []byte("unsolicited"))
	k.frame(OpContinuation, true, []byte("o"))
	e.mustRun("echo", func() bool { return len(k.msgs) == 1 || k.ended() })
	if len(got) != 1 || got[0] != "Hello" || string(k.msgs[0].data) != "Hello" || !k.msgs[0].text {
		t.Fatalf("delivered %q, echoed %+v", got, k.msgs)
	}
	if len(k.pongs) != 2 || string(k.pongs[0]) != "p1" || !bytes.Equal(k.pongs[1], bytes.Repeat([]byte("x"), 125)) {
		t.Fatalf("pongs %q", k.pongs)
	}
	st := e.g.Stats()
	if st.PingsIn != 2 || st.PongsIn != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// Frames that arrive one byte per TCP segment (header and payload cut
// everywhere) are parsed the same way.
func TestByteAtATime(t *testing.T) {
	e := newEnv(t, Config{}, echoHandler(), envOptions{})
	k := e.dialConfig(tcp.Config{NoDelay: true})
	var wire []byte
	save := k.out
	k.out = nil
	k.c.OnWritable(nil)
	k.frame(OpText, false, []byte("a€"))
	k.frame(OpPing, true, []byte("ping"))
	k.frame(OpContinuation, true, []byte("😀z"))
	k.frame(OpBinary, true, bytes.Repeat([]byte{7}, 300))
	wire, k.out = k.out, save
	for i := range wire {
		if n, _ := k.c.Write(wire[i : i+1]); n != 1 {
			t.Fatal("write")
		}
		e.run(10*time.Millisecond, func() bool { return false })
	}
	e.mustRun("echo", func() bool { return len(k.msgs) == 2 || k.ended() })
	if segs := k.c.Stats(); segs.SegmentsOut < uint64(len(wire)) {
		t.Fatalf("only %d segments for %d bytes", segs.SegmentsOut, len(wire))
	}
	if string(k.msgs[0].data) != "a€😀z" || !bytes.Equal(k.msgs[1].data, bytes.Repeat([]byte{7}, 300)) || len(k.pongs) != 1 {
		t.Fatalf("got %+v pongs %q", k.msgs, k.pongs)
	}
}

// The opening handshake as httpd will do it (RFC 6455 4.2.2, with the
// example key of 1.3), then Adopt: httpd passes the bytes it read past the
// request head; frames there, and
// a frame cut between them and the TCP ring, are read first and in order.
func TestAdoptLeftover(t *testing.T) {
	h := echoHandler()
	leftover := -1
	open := h.OnOpen
	h.OnOpen = func(c *Conn) {
		if c.lo != nil {
			leftover = len(c.lo.buf)
		}
		open(c)
	}
	e := newEnv(t, Config{}, h, envOptions{readHead: true})
	k := e.dial()
	k.expectHead = true
	k.raw([]byte("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
	k.send(true, []byte("one"))
	k.frame(OpPing, true, []byte("p"))
	k.send(false, bytes.Repeat([]byte{1}, 100))
	k.send(true, []byte("three"))
	e.mustRun("echo", func() bool { return len(k.msgs) == 3 || k.ended() })
	if len(k.msgs) != 3 || string(k.msgs[0].data) != "one" || len(k.msgs[1].data) != 100 || string(k.msgs[2].data) != "three" || len(k.pongs) != 1 {
		t.Fatalf("got %+v", k.msgs)
	}
	// The head is 142 bytes, read 64 at a time: 50 bytes of frames came
	// as leftover, the first two frames (16 bytes) whole and the third
	// cut after 34 of its 106 bytes.
	if len(e.conns) != 1 || leftover != 50 {
		t.Fatalf("adopted %d, leftover %d bytes", len(e.conns), leftover)
	}
	want := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
	if string(k.head) != want {
		t.Fatalf("response head %q", k.head)
	}
}

// A paused connection delivers nothing more until resumed, and then
// everything, in order.
func TestPauseAndResumeRead(t *testing.T) {
	var got []string
	var server *Conn
	h := Handler{OnMessage: func(c *Conn, text bool, msg []byte) {
		got = append(got, string(msg))
		server = c
		c.PauseRead()
	}}
	e := newEnv(t, Config{}, h, envOptions{})
	k := e.dial()
	for _, m := range []string{"one", "two", "three"} {
		k.send(true, []byte(m))
	}
	e.mustRun("first", func() bool { return len(got) == 1 })
	e.run(time.Second, func() bool { return len(got) > 1 })
	if len(got) != 1 {
		t.Fatalf("delivered while paused: %q", got)
	}
	for len(got) < 3 {
		n := len(got)
		server.ResumeRead() // delivers at once what is already there
		e.mustRun("next", func() bool { return len(got) > n })
	}
	if got[1] != "two" || got[2] != "three" {
		t.Fatalf("delivered %q", got)
	}
}
