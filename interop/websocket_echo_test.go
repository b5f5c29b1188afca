package interop

import (
	"testing"

	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/servers/httpd/websocket"
	"github.com/seed947b3480/legation/servers/httpd/websocket/wstest"
)

// The WebSocket echo server the interop tests put on a device stack is
// wstest.Echo, the application bench/wsinterop runs gws against.

// wsServer is the echo server on a device: /ws echoes, /bye closes.
type wsServer struct {
	d         *device
	srv       *httpd.Server
	echo      *wstest.Echo
	echoGroup *websocket.Group
	byeGroup  *websocket.Group
}

// startWebSocketServer serves /ws and /bye on port 80 of d's stack with
// the default TCP buffers (16 KiB each way).
func startWebSocketServer(t *testing.T, d *device) *wsServer {
	t.Helper()
	ws := &wsServer{d: d, echo: &wstest.Echo{Messages: make(chan wstest.ServerMessage, 256), Closes: make(chan wstest.ServerClose, 64)}}
	var err error
	d.do(func() {
		cfg := websocket.Config{MaxMessage: wstest.MaxMessage, Clock: d.s}
		ws.echoGroup = websocket.NewGroup(cfg, ws.echo.Handler())
		ws.byeGroup = websocket.NewGroup(cfg, ws.echo.ByeHandler())
		ws.srv = httpd.New(d.s, httpd.Config{})
		ws.srv.WebSocket("/ws", ws.echoGroup)
		ws.srv.WebSocket("/bye", ws.byeGroup)
		if err = ws.srv.Listen(80); err == nil {
			ws.srv.Spawn(d.r)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// stats reads both groups' counters on the reactor goroutine.
func (ws *wsServer) stats() (echo, bye websocket.Stats) {
	ws.d.do(func() { echo, bye = ws.echoGroup.Stats(), ws.byeGroup.Stats() })
	return echo, bye
}

func (ws *wsServer) parts() (frames, backlogged uint64) {
	ws.d.do(func() { frames, backlogged = ws.echo.PartFrames, ws.echo.Backlogged })
	return frames, backlogged
}

// released reports, on the reactor goroutine, whether both groups have
// let go of every connection.
func (ws *wsServer) released() bool {
	e, b := ws.echoGroup.Stats(), ws.byeGroup.Stats()
	return e.Open == 0 && b.Open == 0 && e.Closed == e.Adopted && b.Closed == b.Adopted
}
