package wsinterop

import (
	"bytes"
	"testing"
	"time"

	"github.com/lxzan/gws"
)

// gwsClient is the test's gws event handler: what gws's read loop
// receives goes to channels the test reads.
type gwsClient struct {
	gws.BuiltinEventHandler
	conn   *gws.Conn
	msgs   chan gwsMessage
	pongs  chan []byte
	closed chan error // OnClose's error, once
	done   chan struct{}
}

// gwsMessage is a whole message as gws delivered it.
type gwsMessage struct {
	op   gws.Opcode
	data []byte
}

func (c *gwsClient) OnMessage(_ *gws.Conn, m *gws.Message) {
	c.msgs <- gwsMessage{op: m.Opcode, data: bytes.Clone(m.Bytes())}
	m.Close()
}

func (c *gwsClient) OnPong(_ *gws.Conn, p []byte) { c.pongs <- bytes.Clone(p) }

func (c *gwsClient) OnClose(_ *gws.Conn, err error) { c.closed <- err }

// dial connects gws to path on the server through the peer stack (its
// custom dialer is the peer's netconn.Net) and starts its read loop.
// gws offers permessage-deflate, which the server must decline.
func (h *harness) dial(t *testing.T, path string) *gwsClient {
	t.Helper()
	c := &gwsClient{
		msgs:   make(chan gwsMessage, 64),
		pongs:  make(chan []byte, 16),
		closed: make(chan error, 1),
		done:   make(chan struct{}),
	}
	conn, resp, err := gws.NewClient(c, &gws.ClientOption{
		Addr:               "ws://" + serverAddr.String() + path,
		NewDialer:          func() (gws.Dialer, error) { return h.net, nil },
		HandshakeTimeout:   waitLimit,
		ReadMaxPayloadSize: 4 << 20,
		CheckUtf8Enabled:   true,
		PermessageDeflate:  gws.PermessageDeflate{Enabled: true},
	})
	if err != nil {
		t.Fatalf("gws handshake with %s: %v", path, err)
	}
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
		t.Fatalf("the server accepted extensions %q", ext)
	}
	c.conn = conn
	go func() { defer close(c.done); conn.ReadLoop() }()
	t.Cleanup(func() {
		conn.NetConn().Close()
		select {
		case <-c.done:
		case <-time.After(waitLimit):
			t.Errorf("gws's read loop still running %v after Close", waitLimit)
		}
	})
	return c
}

func (c *gwsClient) message(t *testing.T) gwsMessage {
	t.Helper()
	return recv(t, c.msgs, "echo at gws")
}

func (c *gwsClient) closeErr(t *testing.T) error {
	t.Helper()
	return recv(t, c.closed, "OnClose at gws")
}

// writeRaw writes frames on the connection gws upgraded, beside gws's own
// writer: only the test goroutine writes while a test does this (the
// server sends no pings that gws would answer).
func (c *gwsClient) writeRaw(t *testing.T, frames ...[]byte) {
	t.Helper()
	nc := c.conn.NetConn()
	nc.SetWriteDeadline(time.Now().Add(waitLimit))
	for _, f := range frames {
		if _, err := nc.Write(f); err != nil {
			t.Fatalf("raw write: %v", err)
		}
	}
}
