package websocket_test

import (
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/servers/httpd/websocket"
	"github.com/seed947b3480/legation/tcp"
)

// A chat room: every message goes to every member. The host (httpd) owns
// the Group's timers through Poll and hands over each upgraded connection.
func Example() {
	r := reactor.New(reactor.NewRealClock())
	room := websocket.NewGroup(websocket.Config{
		PingInterval: 30 * time.Second,
		Clock:        r.Clock(), // dates timers started inside callbacks
	}, websocket.Handler{
		OnMessage: func(c *websocket.Conn, text bool, msg []byte) {
			c.Group().Broadcast(text, msg) // members with a full send ring miss it
		},
		OnClose: func(c *websocket.Conn, code websocket.CloseCode, reason []byte) {},
	})
	// httpd's task calls room.Poll from its own Poll and answers the
	// earlier of the two deadlines; the Group wakes it when it needs to.
	task := r.Spawn(reactor.TaskFunc(room.Poll))
	room.SetWaker(task)

	// What httpd does once a request passed its upgrade checks.
	upgrade := func(tc *tcp.Conn, key, leftover []byte) {
		var buf [160]byte
		tc.Write(websocket.AppendUpgradeResponse(buf[:0], key))
		room.Adopt(r.Now(), tc, leftover)
	}
	_ = upgrade
}
