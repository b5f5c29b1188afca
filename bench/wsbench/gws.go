package wsbench

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/lxzan/gws"
)

// gwsEcho sends every message back as it came.
type gwsEcho struct{ gws.BuiltinEventHandler }

func (gwsEcho) OnMessage(c *gws.Conn, m *gws.Message) {
	c.WriteMessage(m.Opcode, m.Bytes())
	m.Close()
}

// startGWS serves /ws with gws behind net/http on the host's loopback
// (gws's documented way: an http.Handler that upgrades and runs the read
// loop on the handler's goroutine), with gws's default options: no
// compression, messages handled in order on the read loop.
func startGWS(tb testing.TB, msg []byte) func() error {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	up := gws.NewUpgrader(gwsEcho{}, nil)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r)
		if err != nil {
			return
		}
		c.ReadLoop()
	})
	srv := &http.Server{Handler: mux}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	tb.Cleanup(func() {
		srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			tb.Error(err)
		}
	})
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() }) // ends the read loop
	k := &kernelClient{c: c, msg: msg, frame: maskedFrame(msg, maskKey), buf: make([]byte, len(msg)+64)}
	if err := k.upgrade(); err != nil {
		tb.Fatal(err)
	}
	return k.op
}

// kernelClient is the WebSocket client on a kernel TCP connection.
type kernelClient struct {
	c     net.Conn
	msg   []byte
	frame []byte // msg, framed and masked
	buf   []byte
}

func (k *kernelClient) upgrade() error {
	if _, err := k.c.Write(upgradeRequest); err != nil {
		return err
	}
	have := 0
	for {
		n, err := k.c.Read(k.buf[have:])
		have += n
		if err != nil {
			return fmt.Errorf("upgrade: %w", err)
		}
		total, err := parseUpgrade(k.buf[:have])
		if err != nil {
			return err
		}
		if total > 0 {
			if total != have {
				return errors.New("bytes after the 101 answer")
			}
			return nil
		}
	}
}

func (k *kernelClient) op() error {
	if _, err := k.c.Write(k.frame); err != nil {
		return err
	}
	have := 0
	for {
		n, err := k.c.Read(k.buf[have:])
		have += n
		if err != nil {
			return fmt.Errorf("echo after %d bytes: %w", have, err)
		}
		total, err := frameLen(k.buf[:have], k.msg)
		if err != nil {
			return err
		}
		if total > 0 {
			if total != have {
				return errors.New("bytes after the echo")
			}
			return nil
		}
	}
}
