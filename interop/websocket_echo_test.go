package interop

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"github.com/seed947b3480/legation/servers/httpd"
	"github.com/seed947b3480/legation/servers/httpd/websocket"
)

// The WebSocket echo server the interop tests put on a device stack: the
// same application as bench/wsinterop's Echo (that module's tests run gws
// against it; this module cannot import that one).

const (
	// wsMaxMessage bounds a received message: twice the largest echoed.
	wsMaxMessage = 2 << 20
	// wsMaxBacklog bounds what one connection may have waiting to be
	// echoed; beyond it the client is closed with 1008, since nothing
	// lets the application stop reading (see wsEcho).
	wsMaxBacklog = 4 << 20
)

// wsServerMessage is a message the server received.
type wsServerMessage struct {
	text bool
	n    int
	sum  [32]byte // SHA-256
}

// wsServerClose is how a connection ended for the server (OnClose).
type wsServerClose struct {
	code   websocket.CloseCode
	reason string
}

// wsEcho sends every message back as it came, in order. A message whose
// frame the send ring cannot take now (ErrQueueFull), or could never take
// (ErrTooLarge: larger than the ring, as 1 MiB is with the default 16 KiB
// ring), is copied and sent with SendPart, a fragment per OnWritable, and
// messages that arrive meanwhile queue behind it: msg is valid only during
// OnMessage. Callbacks run on the reactor goroutine; what the server saw
// goes to the channels without blocking.
type wsEcho struct {
	messages chan wsServerMessage
	closes   chan wsServerClose
	// partFrames counts frames sent by SendPart, backlogged the messages
	// that had to wait (reactor goroutine).
	partFrames, backlogged uint64
}

type wsBacklog struct {
	q     []wsOut
	bytes int
}

type wsOut struct {
	text bool
	p    []byte // what is left to send
}

func (e *wsEcho) handler() websocket.Handler {
	return websocket.Handler{
		OnOpen:     func(c *websocket.Conn) { c.SetValue(&wsBacklog{}) },
		OnMessage:  e.onMessage,
		OnWritable: func(c *websocket.Conn) { e.pump(c, c.Value().(*wsBacklog)) },
		OnClose:    e.onClose,
	}
}

// byeHandler answers a client's first message by closing with code 4001
// and that message as the reason: the server starts the handshake.
func (e *wsEcho) byeHandler() websocket.Handler {
	return websocket.Handler{
		OnMessage: func(c *websocket.Conn, text bool, msg []byte) {
			e.record(text, msg)
			c.Close(4001, string(msg))
		},
		OnClose: e.onClose,
	}
}

func (e *wsEcho) record(text bool, msg []byte) {
	select {
	case e.messages <- wsServerMessage{text: text, n: len(msg), sum: sha256.Sum256(msg)}:
	default:
	}
}

func (e *wsEcho) onClose(c *websocket.Conn, code websocket.CloseCode, reason []byte) {
	select {
	case e.closes <- wsServerClose{code: code, reason: string(reason)}:
	default:
	}
}

func (e *wsEcho) onMessage(c *websocket.Conn, text bool, msg []byte) {
	e.record(text, msg)
	b := c.Value().(*wsBacklog)
	if len(b.q) == 0 {
		switch c.Send(text, msg) {
		case nil:
			return
		case websocket.ErrQueueFull, websocket.ErrTooLarge:
		default:
			return // closing: there is no one to echo to
		}
	}
	if b.bytes+len(msg) > wsMaxBacklog {
		c.Close(websocket.ClosePolicyViolation, "echo backlog full")
		return
	}
	b.q = append(b.q, wsOut{text: text, p: bytes.Clone(msg)})
	b.bytes += len(msg)
	e.backlogged++
	e.pump(c, b)
}

// pump sends what the send ring takes now of the waiting messages;
// OnWritable calls it again when there is more room.
func (e *wsEcho) pump(c *websocket.Conn, b *wsBacklog) {
	for len(b.q) > 0 {
		m := &b.q[0]
		n, err := c.SendPart(m.text, m.p, true)
		if err != nil {
			return // ErrQueueFull: OnWritable resumes; ErrClosed: it is over
		}
		e.partFrames++
		m.p = m.p[n:]
		b.bytes -= n
		if len(m.p) > 0 {
			return
		}
		b.q[0] = wsOut{}
		b.q = b.q[1:]
	}
}

// wsServer is the echo server on a device: /ws echoes, /bye closes.
type wsServer struct {
	d         *device
	srv       *httpd.Server
	echo      *wsEcho
	echoGroup *websocket.Group
	byeGroup  *websocket.Group
}

// startWebSocketServer serves /ws and /bye on port 80 of d's stack with
// the default TCP buffers (16 KiB each way).
func startWebSocketServer(t *testing.T, d *device) *wsServer {
	t.Helper()
	ws := &wsServer{d: d, echo: &wsEcho{messages: make(chan wsServerMessage, 256), closes: make(chan wsServerClose, 64)}}
	var err error
	d.do(func() {
		cfg := websocket.Config{MaxMessage: wsMaxMessage, Clock: d.s}
		ws.echoGroup = websocket.NewGroup(cfg, ws.echo.handler())
		ws.byeGroup = websocket.NewGroup(cfg, ws.echo.byeHandler())
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
	ws.d.do(func() { frames, backlogged = ws.echo.partFrames, ws.echo.backlogged })
	return frames, backlogged
}

// released reports, on the reactor goroutine, whether both groups have
// let go of every connection.
func (ws *wsServer) released() bool {
	e, b := ws.echoGroup.Stats(), ws.byeGroup.Stats()
	return e.Open == 0 && b.Open == 0 && e.Closed == e.Adopted && b.Closed == b.Adopted
}
