package dashboard

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/servers/httpd/websocket"
)

// wsClient is a WebSocket client over the raw test client.
type wsClient struct {
	*client
	pos  int // start of the first frame not yet read, in got
	msgs []wsMsg
}

type wsMsg struct {
	op   websocket.Opcode
	data []byte
}

const wsKey = "dGhlIHNhbXBsZSBub25jZQ=="

func (n *testNet) openLive() *wsClient {
	n.t.Helper()
	c := &wsClient{client: n.dial()}
	c.send("GET /api/live HTTP/1.1\r\nHost: device\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + wsKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
	n.run(time.Second, "101", func() bool { return bytes.Contains(c.got.Bytes(), []byte("\r\n\r\n")) })
	head, _, _ := bytes.Cut(c.got.Bytes(), []byte("\r\n\r\n"))
	if !bytes.HasPrefix(head, []byte("HTTP/1.1 101 ")) || !bytes.Contains(head, []byte("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")) {
		n.t.Fatalf("handshake answer:\n%s", head)
	}
	c.pos = len(head) + 4
	return c
}

// read moves every whole frame received into msgs.
func (c *wsClient) read() {
	for {
		b := c.got.Bytes()[c.pos:]
		h, k, err := websocket.ParseFrameHeader(b)
		if err != nil || uint64(len(b)-k) < h.Length {
			return
		}
		if h.Masked || !h.Fin {
			c.n.t.Fatalf("server frame %+v", h)
		}
		c.msgs = append(c.msgs, wsMsg{h.Opcode, bytes.Clone(b[k : k+int(h.Length)])})
		c.pos += k + int(h.Length)
	}
}

// wait turns the reactor until the client holds want messages.
func (c *wsClient) wait(want int, what string) {
	c.n.t.Helper()
	c.n.run(5*time.Second, what, func() bool { c.read(); return len(c.msgs) >= want })
}

// sendClose sends a masked close frame with code.
func (c *wsClient) sendClose(code websocket.CloseCode) {
	payload := binary.BigEndian.AppendUint16(nil, uint16(code))
	key := [4]byte{1, 2, 3, 4}
	frame := websocket.AppendFrameHeader(nil, websocket.FrameHeader{Fin: true, Opcode: websocket.OpClose, Masked: true, Mask: key, Length: uint64(len(payload))})
	websocket.MaskBytes(key, 0, payload)
	c.send(string(append(frame, payload...)))
}

type liveMsg struct {
	T        string
	N        uint64
	UptimeMS int64  `json:"uptime_ms"`
	LogNext  uint64 `json:"log_next"`
	Network  struct{ Addr string }
	Stats    struct {
		Stack struct {
			RxFrames uint64 `json:"rx_frames"`
		}
		Websocket struct{ Open int }
	}
	Memory struct {
		HeapAlloc uint64 `json:"heap_alloc"`
		LiveViews int    `json:"live_views"`
	}
	App   map[string]any
	Seq   uint64
	MS    int64
	Level string
	Msg   string
}

func (c *wsClient) msg(i int) liveMsg {
	c.n.t.Helper()
	m := c.msgs[i]
	var v liveMsg
	if m.op != websocket.OpText {
		c.n.t.Fatalf("message %d: opcode %v", i, m.op)
	}
	if err := json.Unmarshal(m.data, &v); err != nil {
		c.n.t.Fatalf("message %d: %v\n%s", i, err, m.data)
	}
	return v
}

func TestLiveFeed(t *testing.T) {
	cfg := testConfig()
	cfg.UpdateInterval = 500 * time.Millisecond
	n := newTestNet(t, cfg)
	a := n.openLive()
	a.wait(2, "snapshot and log line on open")
	s := a.msg(0)
	if s.T != "snap" || s.N != 1 || s.Network.Addr != "10.9.0.1/24" || s.Stats.Stack.RxFrames == 0 ||
		s.Memory.HeapAlloc == 0 || s.Memory.LiveViews != 1 || s.Stats.Websocket.Open != 1 || s.App["mode"] != "auto" || s.LogNext != 1 {
		t.Fatalf("first snapshot %+v\n%s", s, a.msgs[0].data)
	}
	// The view's own arrival is logged, and pushed to it after the snapshot.
	if l := a.msg(1); l.T != "log" || l.Seq != 1 || l.Level != "info" || !strings.HasPrefix(l.Msg, "live view opened from 10.9.0.2:") {
		t.Fatalf("open line %+v", l)
	}

	n.d.Log().AppendString(LevelWarn, "pressure <high>")
	a.wait(3, "log line")
	if l := a.msg(2); l.T != "log" || l.Seq != 2 || l.Level != "warn" || l.Msg != "pressure <high>" {
		t.Fatalf("log message %+v", l)
	}

	start := n.r.Now()
	a.wait(4, "periodic snapshot")
	if s := a.msg(3); s.T != "snap" || s.N != 2 || s.LogNext != 3 {
		t.Fatalf("second snapshot %+v", s)
	}
	if d := n.r.Now().Sub(start); d < 400*time.Millisecond || d > 600*time.Millisecond {
		t.Fatalf("snapshot after %v, want 500ms", d)
	}

	b := n.openLive()
	b.wait(2, "second view's snapshot and open line")
	a.wait(5, "b's open line to a")
	if b.msg(0).T != "snap" || b.msg(1).Seq != 3 || a.msg(4).Seq != 3 {
		t.Fatalf("b %+v %+v, a %+v", b.msg(0), b.msg(1), a.msg(4))
	}
	n.d.Log().AppendString(LevelInfo, "both")
	a.wait(6, "log line to a")
	b.wait(3, "log line to b")
	if a.msg(5).Msg != "both" || b.msg(2).Msg != "both" || b.msg(2).Seq != 4 {
		t.Fatalf("a %+v, b %+v", a.msg(5), b.msg(2))
	}

	a.sendClose(websocket.CloseGoingAway)
	n.run(time.Second, "a closed", func() bool { return n.d.Group().Len() == 1 })
	b.wait(4, "a's close line to b")
	if l := b.msg(3); l.Seq != 5 || !strings.HasPrefix(l.Msg, "live view closed: 10.9.0.2:") || !strings.HasSuffix(l.Msg, " code 1001") {
		t.Fatalf("close line %+v", l)
	}
	b.sendClose(websocket.CloseNormal)
	n.run(time.Second, "b closed", func() bool { return n.d.Group().Len() == 0 })

	// No view, no snapshots.
	snaps := n.d.LiveStats().Snapshots
	n.r.RunFor(10 * time.Second)
	if got := n.d.LiveStats().Snapshots; got != snaps {
		t.Fatalf("%d snapshots with no view open", got-snaps)
	}

	// A view after an idle spell is greeted and fed again.
	c := n.openLive()
	c.wait(3, "snapshots after idle")
	if c.msg(0).T != "snap" || c.msg(2).T != "snap" || c.msg(2).UptimeMS-c.msg(0).UptimeMS != 500 {
		t.Fatalf("%+v %+v", c.msg(0), c.msg(2))
	}
}

// One view more than MaxClients is closed with 1013.
func TestLiveMaxClients(t *testing.T) {
	n := newTestNet(t, Config{MaxClients: 1})
	a := n.openLive()
	a.wait(1, "snapshot")
	b := n.openLive()
	b.wait(1, "close frame")
	m := b.msgs[0]
	if m.op != websocket.OpClose || len(m.data) < 2 || websocket.CloseCode(binary.BigEndian.Uint16(m.data)) != websocket.CloseTryAgainLater {
		t.Fatalf("got %v %q", m.op, m.data)
	}
	if st := n.d.LiveStats(); st.Refused != 1 {
		t.Fatalf("%+v", st)
	}
}

// Close ends every view with 1001.
func TestLiveClose(t *testing.T) {
	n := newTestNet(t, Config{})
	a := n.openLive()
	a.wait(2, "snapshot and open line")
	n.d.Close()
	a.wait(3, "close frame")
	if m := a.msgs[2]; m.op != websocket.OpClose || websocket.CloseCode(binary.BigEndian.Uint16(m.data)) != websocket.CloseGoingAway {
		t.Fatalf("got %v %q", m.op, m.data)
	}
}

// With a view open, a snapshot and a log line allocate nothing.
func TestLiveAllocatesNothing(t *testing.T) {
	n := newTestNet(t, testConfig())
	a := n.openLive()
	a.wait(1, "snapshot")
	line := []byte(strings.Repeat("x", 100))
	// Count whole frames without keeping them, which would allocate.
	frames := 0
	twoFrames := func() bool {
		for {
			b := a.got.Bytes()[a.pos:]
			h, k, err := websocket.ParseFrameHeader(b)
			if err != nil || uint64(len(b)-k) < h.Length {
				return frames >= 2
			}
			a.pos += k + int(h.Length)
			frames++
		}
	}
	step := func() {
		a.got.Reset()
		a.pos, frames = 0, 0
		n.d.Log().Append(LevelInfo, line)
		if !n.r.RunUntil(2*time.Second, twoFrames) {
			t.Fatal("no log line and snapshot")
		}
	}
	for range 3 {
		step()
	}
	if allocs := testing.AllocsPerRun(20, step); allocs != 0 {
		t.Fatalf("%v allocations per snapshot and log line", allocs)
	}
}

// The server's Shutdown ends the live views with 1001 too.
func TestLiveServerShutdown(t *testing.T) {
	n := newTestNet(t, Config{})
	a := n.openLive()
	a.wait(2, "snapshot and open line")
	f := n.srv.Shutdown()
	a.wait(3, "close frame")
	if m := a.msgs[2]; m.op != websocket.OpClose || websocket.CloseCode(binary.BigEndian.Uint16(m.data)) != websocket.CloseGoingAway {
		t.Fatalf("got %v %q", m.op, m.data)
	}
	a.sendClose(websocket.CloseGoingAway)
	n.run(time.Second, "views and server gone", func() bool { return f.Done() && n.d.Group().Len() == 0 })
}
