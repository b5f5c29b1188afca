package wsinterop

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lxzan/gws"
	"github.com/seed947b3480/legation/servers/httpd/websocket"
)

// expectEcho checks that the server received msg and that gws got it back
// whole, of the same type, SHA-256 equal on both ends.
func expectEcho(t *testing.T, h *harness, c *gwsClient, text bool, msg []byte) {
	t.Helper()
	want := sha256.Sum256(msg)
	sm := h.serverMessage(t)
	if sm.Text != text || sm.Len != len(msg) || sm.Sum != want {
		t.Fatalf("server received text=%v %d bytes %x; sent text=%v %d bytes %x", sm.Text, sm.Len, sm.Sum[:4],
			text, len(msg), want[:4])
	}
	got := c.message(t)
	wantOp := gws.OpcodeBinary
	if text {
		wantOp = gws.OpcodeText
	}
	if sum := sha256.Sum256(got.data); got.op != wantOp || len(got.data) != len(msg) || sum != want {
		t.Fatalf("gws got opcode %d, %d bytes %x; want opcode %d, %d bytes %x", got.op, len(got.data), sum[:4],
			wantOp, len(msg), want[:4])
	}
}

// Text and binary messages of every size through gws's own writer, one at
// a time on one connection, echoed by the server; those larger than the
// server's 16 KiB send ring come back fragmented.
func TestGWSEcho(t *testing.T) {
	h := startHarness(t)
	c := h.dial(t, "/ws")
	start := time.Now()
	for _, text := range []bool{false, true} {
		for i, n := range sizes {
			kind, op := "binary", gws.OpcodeBinary
			msg := binaryPayload(n, uint64(i))
			if text {
				kind, op, msg = "text", gws.OpcodeText, textPayload(n, uint64(i))
			}
			t.Run(fmt.Sprintf("%s/%d", kind, n), func(t *testing.T) {
				t0 := time.Now()
				if err := c.conn.WriteMessage(op, msg); err != nil {
					t.Fatal(err)
				}
				expectEcho(t, h, c, text, msg)
				if n == 1<<20 {
					t.Logf("1 MiB %s echoed in %v", kind, time.Since(t0).Round(time.Microsecond))
				}
			})
		}
	}
	frames, backlogged := h.partFrames()
	// The two 1 MiB messages and the two 65536-byte ones at least went out
	// in parts, 16 KiB or less each.
	if backlogged < 4 || frames < 2*(1<<20)/(16<<10) {
		t.Fatalf("server sent %d fragments for %d backlogged messages; want the large echoes fragmented", frames,
			backlogged)
	}
	t.Logf("%d messages echoed in %v; %d went out in parts, %d frames", 2*len(sizes),
		time.Since(start).Round(time.Millisecond), backlogged, frames)
	st, _ := h.stats()
	if st.ProtocolErrors != 0 || st.MessagesIn != uint64(2*len(sizes)) || st.MessagesOut != st.MessagesIn {
		t.Fatalf("server stats %+v", st)
	}
}

// Messages the client sends fragmented, written by hand on gws's
// connection (gws writes no fragments), with a ping between fragments:
// the server reassembles them, answers the ping at once, and gws reads
// the echo and the pong.
func TestGWSFragmented(t *testing.T) {
	h := startHarness(t)
	c := h.dial(t, "/ws")
	key := [4]byte{0xa1, 0x5c, 0x03, 0xe7}
	cases := []struct {
		name   string
		text   bool
		msg    []byte
		cuts   []int // fragment boundaries
		pingAt int   // a ping goes after this many fragments; -1 none
	}{
		{"binary/3", false, binaryPayload(3000, 1), []int{1, 2000}, -1},
		{"binary/empty-fragments", false, binaryPayload(200, 2), []int{0, 0, 100, 100}, 2},
		{"binary/1MiB", false, binaryPayload(1<<20, 3), []int{70000, 70126, 500000}, 1},
		// Cuts at odd offsets split 2-, 3- and 4-byte characters across
		// fragments: valid only as a whole.
		{"text/split-chars", true, textPayload(5000, 4), []int{1, 2, 3, 5, 7, 11, 13, 1001, 4097}, 3},
		// A first frame that is not final, then an empty final one.
		{"text/empty-last", true, textPayload(130, 5), []int{130}, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			first := byte(opBinary)
			if tc.text {
				first = opText
			}
			var frames [][]byte
			bounds := append(append([]int{0}, tc.cuts...), len(tc.msg))
			ping := []byte("between fragments of " + tc.name)
			for i := 0; i+1 < len(bounds); i++ {
				op := byte(opContinuation)
				if i == 0 {
					op = first
				}
				frames = append(frames, clientFrame(i+2 == len(bounds), op, tc.msg[bounds[i]:bounds[i+1]], key))
				if i+1 == tc.pingAt {
					frames = append(frames, clientFrame(true, opPing, ping, key))
				}
			}
			c.writeRaw(t, frames...)
			if tc.pingAt >= 0 {
				if p := recv(t, c.pongs, "pong at gws"); !bytes.Equal(p, ping) {
					t.Fatalf("pong %q, want %q", p, ping)
				}
			}
			expectEcho(t, h, c, tc.text, tc.msg)
		})
	}
	st, _ := h.stats()
	if st.ProtocolErrors != 0 || st.PingsIn != 3 {
		t.Fatalf("server stats %+v", st)
	}
}

// gws's pings, empty, short and of the largest control payload, each
// answered by a pong carrying the same bytes.
func TestGWSPing(t *testing.T) {
	h := startHarness(t)
	c := h.dial(t, "/ws")
	for _, p := range [][]byte{nil, []byte("hello"), bytes.Repeat([]byte{0xfe}, websocket.MaxControlPayload)} {
		if err := c.conn.WritePing(p); err != nil {
			t.Fatal(err)
		}
		if got := recv(t, c.pongs, "pong at gws"); !bytes.Equal(got, p) {
			t.Fatalf("pong %x, want %x", got, p)
		}
	}
	// The connection still echoes after the pings.
	msg := textPayload(40, 9)
	if err := c.conn.WriteMessage(gws.OpcodeText, msg); err != nil {
		t.Fatal(err)
	}
	expectEcho(t, h, c, true, msg)

	// A ping right behind a 1 MiB message: the server answers it while
	// it is sending the echo in fragments, so the pong may go out between
	// them (RFC 6455 5.4), and gws must read both.
	big := binaryPayload(1<<20, 10)
	if err := c.conn.WriteMessage(gws.OpcodeBinary, big); err != nil {
		t.Fatal(err)
	}
	behind := []byte("behind a large message")
	if err := c.conn.WritePing(behind); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, c.pongs, "pong at gws"); !bytes.Equal(got, behind) {
		t.Fatalf("pong %q, want %q", got, behind)
	}
	expectEcho(t, h, c, false, big)
	if st, _ := h.stats(); st.PingsIn != 4 || st.PongsIn != 0 || st.ProtocolErrors != 0 {
		t.Fatalf("server stats %+v", st)
	}
}

// The server's keep-alive pings (Config.PingInterval), answered by gws's
// default OnPing: the connection stays up and keeps echoing.
func TestGWSKeepAlive(t *testing.T) {
	const interval = 20 * time.Millisecond
	h := startHarness(t, func(cfg *websocket.Config) { cfg.PingInterval, cfg.PongTimeout = interval, 5*time.Second })
	c := h.dial(t, "/ws")
	start := time.Now()
	if !h.waitFor(waitLimit, func() bool { return h.echoGroup.Stats().PongsIn >= 3 }) {
		st, _ := h.stats()
		t.Fatalf("gws answered %d of %d keep-alive pings within %v", st.PongsIn, st.PingsSent, waitLimit)
	}
	el := time.Since(start)
	msg := binaryPayload(1000, 11)
	if err := c.conn.WriteMessage(gws.OpcodeBinary, msg); err != nil {
		t.Fatal(err)
	}
	expectEcho(t, h, c, false, msg)
	st, _ := h.stats()
	if st.Open != 1 || st.PongTimeouts != 0 || st.PingsSent < 3 {
		t.Fatalf("server stats %+v", st)
	}
	t.Logf("%d pings sent, %d pongs in %v", st.PingsSent, st.PongsIn, el.Round(time.Millisecond))
}

// The closing handshake, started by each side.
func TestGWSClose(t *testing.T) {
	h := startHarness(t)

	t.Run("client", func(t *testing.T) {
		// gws's WriteClose sends the close frame and closes the
		// connection at once, so only the server's side can be checked.
		c := h.dial(t, "/ws")
		if err := c.conn.WriteClose(4000, []byte("bye from gws")); err != nil {
			t.Fatal(err)
		}
		if sc := h.serverClose(t); sc.Code != 4000 || sc.Reason != "bye from gws" {
			t.Fatalf("server closed with %d %q; want 4000 %q", sc.Code, sc.Reason, "bye from gws")
		}
		c.closeErr(t)
	})

	t.Run("client-raw", func(t *testing.T) {
		// A close frame written by hand on gws's connection: gws's
		// read loop then reads the server's answer, which echoes the
		// code (RFC 6455 5.5.1).
		c := h.dial(t, "/ws")
		c.writeRaw(t, clientFrame(true, opClose, closePayload(4002, "raw bye"), [4]byte{9, 8, 7, 6}))
		var ce *gws.CloseError
		if err := c.closeErr(t); !errors.As(err, &ce) || ce.Code != 4002 {
			t.Fatalf("gws closed with %v; want the server's close frame with code 4002", err)
		}
		if sc := h.serverClose(t); sc.Code != 4002 || sc.Reason != "raw bye" {
			t.Fatalf("server closed with %d %q; want 4002 %q", sc.Code, sc.Reason, "raw bye")
		}
	})

	t.Run("server", func(t *testing.T) {
		// /bye closes with 4001 and the message as the reason; gws
		// reports it and answers with the same code.
		c := h.dial(t, "/bye")
		if err := c.conn.WriteString("see you"); err != nil {
			t.Fatal(err)
		}
		h.serverMessage(t)
		var ce *gws.CloseError
		if err := c.closeErr(t); !errors.As(err, &ce) || ce.Code != 4001 || string(ce.Reason) != "see you" {
			t.Fatalf("gws closed with %v; want 4001 %q", err, "see you")
		}
		if sc := h.serverClose(t); sc.Code != 4001 {
			t.Fatalf("server's OnClose got %d %q; want gws's answer, 4001", sc.Code, sc.Reason)
		}
	})

	t.Run("shutdown", func(t *testing.T) {
		// httpd's graceful stop closes WebSocket connections with 1001;
		// gws answers a code below 1016 with 1000.
		c := h.dial(t, "/ws")
		h.do(func() { h.srv.Shutdown() })
		var ce *gws.CloseError
		if err := c.closeErr(t); !errors.As(err, &ce) || ce.Code != 1001 {
			t.Fatalf("gws closed with %v; want the server's 1001", err)
		}
		if sc := h.serverClose(t); sc.Code != 1000 {
			t.Fatalf("server's OnClose got %d %q; want gws's answer, 1000", sc.Code, sc.Reason)
		}
	})

	h.waitClosed(t)
	echo, bye := h.stats()
	if echo.ProtocolErrors+bye.ProtocolErrors != 0 || echo.CloseTimeouts+bye.CloseTimeouts != 0 ||
		echo.ClosesIn != 3 || bye.ClosesIn != 1 {
		t.Fatalf("server stats: echo %+v, bye %+v", echo, bye)
	}
}

// Eight gws clients at once, each echoing messages of mixed sizes in
// turn: the server's backlogs and send rings stay per connection.
func TestGWSConcurrent(t *testing.T) {
	h := startHarness(t)
	const clients, rounds = 8, 12
	mix := []int{0, 125, 126, 3000, 16 << 10, 65536, 200 << 10}
	conns := make([]*gwsClient, clients)
	for i := range conns {
		conns[i] = h.dial(t, "/ws")
	}
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	var total int64
	var mu sync.Mutex
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				n := mix[(i+r)%len(mix)]
				text := (i+r)%2 == 0
				op, msg := gws.OpcodeBinary, binaryPayload(n, uint64(i*100+r))
				if text {
					op, msg = gws.OpcodeText, textPayload(n, uint64(i*100+r))
				}
				if err := c.conn.WriteMessage(op, msg); err != nil {
					errs <- err
					return
				}
				var got gwsMessage
				select {
				case got = <-c.msgs:
				case <-time.After(waitLimit):
					errs <- fmt.Errorf("client %d round %d: no echo of %d bytes", i, r, n)
					return
				}
				if got.op != op || !bytes.Equal(got.data, msg) {
					errs <- fmt.Errorf("client %d round %d: echo of %d bytes differs (opcode %d, %d bytes)", i, r, n,
						got.op, len(got.data))
					return
				}
				mu.Lock()
				total += int64(n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	el := time.Since(start)
	st, _ := h.stats()
	if st.MessagesIn != clients*rounds || st.MessagesOut != clients*rounds || st.ProtocolErrors != 0 {
		t.Fatalf("server stats %+v", st)
	}
	t.Logf("%d clients x %d messages, %d KiB each way, in %v", clients, rounds, total>>10, el.Round(time.Millisecond))
}
