package httpd

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/servers/httpd/websocket"
)

func maskedFrame(op byte, payload string) string {
	key := [4]byte{1, 2, 3, 4}
	b := []byte{0x80 | op, 0x80 | byte(len(payload))}
	b = append(b, key[:]...)
	for i := range len(payload) {
		b = append(b, payload[i]^key[i%4])
	}
	return string(b)
}

const upgradeRequest = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n" +
	"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"

// The handshake of RFC 6455 1.3, with a frame right behind the request
// head in the same segment: it reaches the group, which echoes it.
func TestWebSocketUpgradeAndEcho(t *testing.T) {
	n := newTestNet(t, Config{})
	g := websocket.NewGroup(websocket.Config{}, websocket.Handler{
		OnMessage: func(c *websocket.Conn, text bool, msg []byte) { c.Send(text, msg) },
	})
	n.srv.WebSocket("/ws", g)
	n.start()
	c := n.dial()
	c.send(upgradeRequest + maskedFrame(1, "hello"))
	want := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x05hello"
	n.run(time.Second, "echo", func() bool { return c.got.Len() >= len(want) })
	if c.got.String() != want {
		t.Fatalf("got %q", c.got.String())
	}
	if st := n.srv.Stats(); st.Upgraded != 1 || st.Conns != 0 || st.Active != 0 || g.Len() != 1 {
		t.Fatalf("%+v, group %d", st, g.Len())
	}
	// Shutdown sends 1001 to the group's connections.
	n.srv.Shutdown()
	c.got.Reset()
	n.run(time.Second, "close frame", func() bool { return c.got.Len() >= 4 })
	if !bytes.HasPrefix(c.got.Bytes(), []byte{0x88, 0x02, 0x03, 0xe9}) {
		t.Fatalf("close frame %x", c.got.Bytes())
	}
}

func TestWebSocketHandshakeRefusals(t *testing.T) {
	cases := []struct {
		name, from, to string
		want           int
	}{
		{"version", "Version: 13", "Version: 8", 426},
		{"no upgrade", "Upgrade: websocket\r\n", "", 426},
		{"bad key", "dGhlIHNhbXBsZSBub25jZQ==", "short", 400},
		{"post", "GET /ws", "POST /ws", 405},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNet(t, Config{})
			n.srv.WebSocket("/ws", websocket.NewGroup(websocket.Config{}, websocket.Handler{}))
			n.start()
			c := n.dial()
			c.send(strings.Replace(upgradeRequest, tc.from, tc.to, 1))
			n.run(time.Second, "answer", func() bool { return c.responses() == 1 })
			if got := status(c.got.Bytes()); got != tc.want {
				t.Fatalf("status %d, want %d\n%s", got, tc.want, c.got.String())
			}
		})
	}
}

// A group at its connection limit is refused at the HTTP level, before
// any 101.
func TestWebSocketGroupFullGets503(t *testing.T) {
	n := newTestNet(t, Config{})
	g := websocket.NewGroup(websocket.Config{MaxConns: 1}, websocket.Handler{})
	n.srv.WebSocket("/ws", g)
	n.start()
	first := n.dial()
	first.send(upgradeRequest)
	n.run(time.Second, "first upgraded", func() bool { return g.Len() == 1 })
	second := n.dial()
	second.send(upgradeRequest)
	n.run(time.Second, "503", func() bool { return second.responses() == 1 })
	if got := status(second.got.Bytes()); got != 503 {
		t.Fatalf("status %d\n%s", got, second.got.String())
	}
}
