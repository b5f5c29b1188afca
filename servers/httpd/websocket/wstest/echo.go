package wstest

import (
	"bytes"
	"crypto/sha256"

	"github.com/seed947b3480/legation/servers/httpd/websocket"
)

const (
	// MaxMessage bounds a received message: twice the largest echoed.
	MaxMessage = 2 << 20
	// MaxBacklog bounds what one connection may have waiting to be echoed;
	// a client that sends faster than it reads is closed with 1008 beyond
	// it, since the API offers no way to stop reading (see Echo).
	MaxBacklog = 4 << 20
)

// ServerMessage is a message the server received, as the test sees it.
type ServerMessage struct {
	Text bool
	Len  int
	Sum  [32]byte // SHA-256
}

// ServerClose is how a connection ended for the server (Handler.OnClose).
type ServerClose struct {
	Code   websocket.CloseCode
	Reason string
}

// Echo sends every message back as it came, in order. A message whose
// frame the send ring cannot take now (ErrQueueFull), or could never take
// (ErrTooLarge: larger than the ring, as a 1 MiB message is with the
// default 16 KiB ring), is copied and sent with SendPart, one fragment per
// OnWritable, and messages that arrive meanwhile queue behind it: msg is
// only valid during OnMessage, and nothing lets the application leave a
// message unread in the receive ring until it can answer it.
//
// Every callback runs on the reactor goroutine. What the server saw goes
// to Messages and Closes without blocking (a record is dropped if the test
// is not reading, which then fails it).
type Echo struct {
	Messages chan ServerMessage
	Closes   chan ServerClose

	// PartFrames counts the frames SendPart sent; Backlogged the messages
	// that had to wait. Read them on the reactor goroutine.
	PartFrames, Backlogged uint64
}

// NewEcho returns an echo application with room for n records of each kind.
func NewEcho(n int) *Echo {
	return &Echo{Messages: make(chan ServerMessage, n), Closes: make(chan ServerClose, n)}
}

// backlog is one connection's messages waiting to be echoed.
type backlog struct {
	q     []outMsg
	bytes int
}

type outMsg struct {
	text bool
	p    []byte // what is left to send
}

// Handler is the echo route's websocket.Handler.
func (e *Echo) Handler() websocket.Handler {
	return websocket.Handler{
		OnOpen:     func(c *websocket.Conn) { c.SetValue(&backlog{}) },
		OnMessage:  e.onMessage,
		OnWritable: func(c *websocket.Conn) { e.pump(c, c.Value().(*backlog)) },
		OnClose:    e.onClose,
	}
}

// ByeHandler is a route that answers a client's first message by closing
// with code 4001 and that message as the reason: the server starting the
// closing handshake.
func (e *Echo) ByeHandler() websocket.Handler {
	return websocket.Handler{
		OnMessage: func(c *websocket.Conn, text bool, msg []byte) {
			e.record(text, msg)
			c.Close(4001, string(msg))
		},
		OnClose: e.onClose,
	}
}

func (e *Echo) record(text bool, msg []byte) {
	select {
	case e.Messages <- ServerMessage{Text: text, Len: len(msg), Sum: sha256.Sum256(msg)}:
	default:
	}
}

func (e *Echo) onClose(c *websocket.Conn, code websocket.CloseCode, reason []byte) {
	select {
	case e.Closes <- ServerClose{Code: code, Reason: string(reason)}:
	default:
	}
}

func (e *Echo) onMessage(c *websocket.Conn, text bool, msg []byte) {
	e.record(text, msg)
	b := c.Value().(*backlog)
	if len(b.q) == 0 {
		switch c.Send(text, msg) {
		case nil:
			return
		case websocket.ErrQueueFull, websocket.ErrTooLarge:
		default:
			return // closing: there is no one to echo to
		}
	}
	if b.bytes+len(msg) > MaxBacklog {
		c.Close(websocket.ClosePolicyViolation, "echo backlog full")
		return
	}
	b.q = append(b.q, outMsg{text: text, p: bytes.Clone(msg)})
	b.bytes += len(msg)
	e.Backlogged++
	e.pump(c, b)
}

// pump sends what the send ring takes now of the waiting messages;
// OnWritable calls it again when there is more room.
func (e *Echo) pump(c *websocket.Conn, b *backlog) {
	for len(b.q) > 0 {
		m := &b.q[0]
		n, err := c.SendPart(m.text, m.p, true)
		if err != nil {
			return // ErrQueueFull: OnWritable resumes; ErrClosed: it is over
		}
		e.PartFrames++
		m.p = m.p[n:]
		b.bytes -= n
		if len(m.p) > 0 {
			return
		}
		b.q[0] = outMsg{}
		b.q = b.q[1:]
	}
}
