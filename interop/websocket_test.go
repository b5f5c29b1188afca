package interop

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/servers/httpd/websocket"
	"github.com/seed947b3480/legation/servers/httpd/websocket/wstest"
)

// servers/httpd's WebSocket server (servers/httpd/websocket) on a device
// stack over TAP, against Debian's python3-websockets in the kernel's
// namespace (echoes from 0 B to 1 MiB, fragmented sends, pings, the
// closing handshake both ways), and against frames that break RFC 6455,
// written by hand on kernel sockets, each of which must be refused with
// its close code and the end of the TCP connection.

// debianPython is Debian's interpreter: python3 on PATH may be another
// one, without the packages apt installed.
const debianPython = "/usr/bin/python3"

// requirePythonWebsockets skips the test, saying why, unless Debian's
// python3 can import websockets.
func requirePythonWebsockets(t *testing.T) {
	t.Helper()
	out, err := exec.Command(debianPython, "-c", "import websockets; print(websockets.__version__)").CombinedOutput()
	if err != nil {
		t.Skipf("interop: skipped: %s cannot import websockets (Debian package python3-websockets): %v %s",
			debianPython, err, bytes.TrimSpace(out))
	}
	t.Logf("python3-websockets %s", bytes.TrimSpace(out))
}

// pyCase is one line of wsclient.py's report.
type pyCase struct {
	Case       string   `json:"case"`
	Text       bool     `json:"text"`
	Fragments  int      `json:"fragments"`
	Sent       int      `json:"sent"`
	SentSHA    string   `json:"sent_sha"`
	Got        int      `json:"got"`
	GotSHA     string   `json:"got_sha"`
	SameType   bool     `json:"same_type"`
	Extensions []string `json:"extensions"`
	Pongs      int      `json:"pongs"`
	Pong       bool     `json:"pong"`
	SentCode   int      `json:"sent_code"`
	RcvdCode   int      `json:"rcvd_code"`
	RcvdReason string   `json:"rcvd_reason"`
	TCPClosed  bool     `json:"tcp_closed"`
	Error      string   `json:"error"`
}

func TestWebSocketPython(t *testing.T) {
	requirePythonWebsockets(t)
	ns, d := tcpKernelSetup(t, nil)
	ws := startWebSocketServer(t, d)
	cases, took := runWSClientPy(t, ns, "ws://"+httpdAddr)
	t.Logf("wsclient.py: %d cases in %v", len(cases), took.Round(time.Millisecond))
	byName, echoes := checkPyEchoes(t, cases, ws.echo.Messages)

	if h, ok := byName["handshake"]; !ok || len(h.Extensions) != 0 {
		t.Errorf("handshake: %+v; want no extension negotiated", h)
	}
	if c := byName["frag/ping-between/pong"]; c.Pongs != 1 {
		t.Errorf("the ping between fragments got %d pongs before the message ended", c.Pongs)
	}
	for _, n := range []string{"ping/0", "ping/5", "ping/125"} {
		if !byName[n].Pong {
			t.Errorf("%s: no pong", n)
		}
	}

	// The closing handshakes: the server echoes the client's code, and
	// reports the client's code and reason; for /bye it is the other way
	// round.
	if c := byName["close/client"]; c.SentCode != 4000 || c.RcvdCode != 4000 || !c.TCPClosed {
		t.Errorf("close/client: %+v; want 4000 sent and echoed, TCP closed", c)
	}
	if cl := recvWithin(t, ws.echo.Closes, "the server's OnClose"); cl.Code != 4000 || cl.Reason != "bye from python" {
		t.Errorf("server's OnClose: %d %q; want 4000 %q", cl.Code, cl.Reason, "bye from python")
	}
	if c := byName["close/server"]; c.RcvdCode != 4001 || c.RcvdReason != "see you" || c.SentCode != 4001 || !c.TCPClosed {
		t.Errorf("close/server: %+v; want 4001 %q received and answered, TCP closed", c, "see you")
	}
	if sm := recvWithin(t, ws.echo.Messages, "the server's record of the /bye message"); !sm.Text || sm.Len != 7 {
		t.Errorf("/bye received %+v", sm)
	}
	if cl := recvWithin(t, ws.echo.Closes, "the server's OnClose on /bye"); cl.Code != 4001 {
		t.Errorf("server's OnClose on /bye: %d %q; want python's answer, 4001", cl.Code, cl.Reason)
	}

	if !d.waitFor(10*time.Second, ws.released) {
		t.Errorf("connections not released")
	}
	echo, bye := ws.stats()
	frames, backlogged := ws.parts()
	t.Logf("server: echo %+v; bye %+v; %d messages echoed in parts, %d frames", echo, bye, backlogged, frames)
	if echo.ProtocolErrors+bye.ProtocolErrors != 0 || echo.CloseTimeouts+bye.CloseTimeouts != 0 ||
		echo.PingsIn != 4 || echo.MessagesIn != uint64(echoes) || echo.MessagesOut != echo.MessagesIn ||
		echo.ClosesIn != 1 || bye.ClosesIn != 1 {
		t.Errorf("server stats: echo %+v, bye %+v", echo, bye)
	}
	if backlogged == 0 || frames < (1<<20)/(16<<10) {
		t.Errorf("%d messages echoed in parts, %d frames: want the 1 MiB echoes fragmented", backlogged, frames)
	}
}

// Frames that break RFC 6455, each on a fresh connection from a kernel
// socket: the server answers with a close frame carrying the code of
// section 7.4.1 and then closes TCP.
func TestWebSocketInvalidFrames(t *testing.T) {
	ns, d := tcpKernelSetup(t, nil)
	ws := startWebSocketServer(t, d)
	text := func(fin bool, p string) wsFrame { return wsFrame{fin: fin, op: 0x1, payload: []byte(p)} }
	cases := []struct {
		name   string
		frames []wsFrame
		code   websocket.CloseCode
	}{
		{"unmasked", []wsFrame{{fin: true, op: 0x1, unmasked: true, payload: []byte("hello")}}, 1002},
		{"bad-utf8", []wsFrame{text(true, "valid, then \xff\xfe")}, 1007},
		{"bad-utf8-surrogate", []wsFrame{text(true, "\xed\xa0\x80")}, 1007},
		// Each fragment cuts a character, and the second one's
		// continuation byte is not one.
		{"bad-utf8-across-fragments", []wsFrame{text(false, "ok \xe2\x82"), {fin: true, op: 0x0, payload: []byte("A")}}, 1007},
		{"control-126", []wsFrame{{fin: true, op: 0x9, payload: bytes.Repeat([]byte{'p'}, 126)}}, 1002},
		{"rsv1", []wsFrame{{fin: true, rsv: 0x40, op: 0x1, payload: []byte("compressed?")}}, 1002},
		{"rsv2", []wsFrame{{fin: true, rsv: 0x20, op: 0x2, payload: []byte{1}}}, 1002},
		{"rsv3", []wsFrame{{fin: true, rsv: 0x10, op: 0x2, payload: []byte{1}}}, 1002},
		{"continuation-without-start", []wsFrame{{fin: true, op: 0x0, payload: []byte("orphan")}}, 1002},
		{"reserved-opcode", []wsFrame{{fin: true, op: 0x3, payload: []byte("x")}}, 1002},
		{"fragmented-ping", []wsFrame{{fin: false, op: 0x9, payload: []byte("x")}}, 1002},
		{"new-message-inside-fragmented", []wsFrame{text(false, "first"), text(true, "second")}, 1002},
		{"close-code-1005", []wsFrame{{fin: true, op: 0x8, payload: []byte{0x03, 0xed}}}, 1002},
		{"close-1-byte", []wsFrame{{fin: true, op: 0x8, payload: []byte{0x03}}}, 1002},
		{"close-reason-bad-utf8", []wsFrame{{fin: true, op: 0x8, payload: []byte{0x03, 0xe8, 'o', 0xc0, 0xaf}}}, 1007},
		// Lengths: 5 in the 16-bit form, 200 in the 64-bit form (RFC 6455
		// 5.2 asks for the minimal encoding), and a 64-bit length with
		// its most significant bit set.
		{"length-non-minimal-16", []wsFrame{{raw: []byte{0x82, 0x80 | 126, 0, 5, 1, 2, 3, 4, 'a', 'b', 'c', 'd', 'e'}}}, 1002},
		{"length-non-minimal-64", []wsFrame{{raw: []byte{0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 200, 1, 2, 3, 4}}}, 1002},
		{"length-top-bit", []wsFrame{{raw: []byte{0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}}}, 1002},
		// A header announcing more than MaxMessage fails at once; the
		// payload is never sent.
		{"over-max-message", []wsFrame{{fin: true, op: 0x2, setLen: true, length: wstest.MaxMessage + 1}}, 1009},
		{"over-max-message-fragmented", []wsFrame{
			{fin: false, op: 0x2, payload: pseudoRandom(1<<20, 21)},
			{fin: true, op: 0x0, setLen: true, length: wstest.MaxMessage - 1<<20 + 1},
		}, 1009},
	}
	start := time.Now()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := dialWebSocket(t, ns, "/ws")
			w.write(tc.frames...)
			reason := w.expectClose(uint16(tc.code))
			w.c.Close()
			cl := recvWithin(t, ws.echo.Closes, "the server's OnClose")
			if cl.Code != tc.code {
				t.Fatalf("server's OnClose reported %d %q; want %d", cl.Code, cl.Reason, tc.code)
			}
			t.Logf("closed with %d %q", tc.code, reason)
		})
	}
	if !d.waitFor(10*time.Second, ws.released) {
		t.Errorf("connections not released")
	}
	echo, _ := ws.stats()
	if echo.ProtocolErrors != uint64(len(cases)) || echo.MessagesIn != 0 || echo.CloseTimeouts != 0 {
		t.Errorf("server stats %+v; want %d protocol errors, no message, no close timeout", echo, len(cases))
	}
	t.Logf("%d invalid inputs refused in %v", len(cases), time.Since(start).Round(time.Millisecond))
}

// recvWithin waits up to 20 s for the next value on ch.
func recvWithin[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("no %s within 20 s", what)
		panic("unreachable")
	}
}

// Well-formed frames from a kernel socket one byte per write, so that
// headers and payloads arrive cut at every offset (Go's sockets send each
// write at once: TCP_NODELAY), with a ping between two of them: the echo,
// the pong and the closing handshake come back as RFC 6455 frames.
func TestWebSocketSplitFrames(t *testing.T) {
	ns, d := tcpKernelSetup(t, nil)
	ws := startWebSocketServer(t, d)
	w := dialWebSocket(t, ns, "/ws")
	// 325 bytes (a 16-bit length), the first fragment ending inside an é.
	msg := []byte(strings.Repeat("split héllo ", 25))
	ping := []byte("cut ping")
	var stream []byte
	stream = append(stream, wsFrame{fin: false, op: 0x1, payload: msg[:99]}.encode()...)
	stream = append(stream, wsFrame{fin: true, op: 0x9, payload: ping}.encode()...)
	stream = append(stream, wsFrame{fin: true, op: 0x0, payload: msg[99:]}.encode()...)
	for i := range stream {
		if _, err := w.c.Write(stream[i : i+1]); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	w.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	pong, err := w.readFrame()
	if err != nil || !pong.fin || pong.masked || pong.op != 0xA || !bytes.Equal(pong.payload, ping) {
		t.Fatalf("read %+v, %v; want an unmasked pong %q", pong, err, ping)
	}
	echo, err := w.readFrame()
	if err != nil || !echo.fin || echo.masked || echo.rsv != 0 || echo.op != 0x1 || !bytes.Equal(echo.payload, msg) {
		t.Fatalf("read %+v, %v; want an unmasked text frame of %d bytes", echo, err, len(msg))
	}
	w.write(wsFrame{fin: true, op: 0x8, payload: []byte{0x03, 0xe8, 'o', 'k'}})
	if reason := w.expectClose(1000); reason != "" {
		t.Errorf("the server's close echo has reason %q; want the code alone", reason)
	}
	if cl := recvWithin(t, ws.echo.Closes, "the server's OnClose"); cl.Code != 1000 || cl.Reason != "ok" {
		t.Errorf("server's OnClose: %d %q; want 1000 %q", cl.Code, cl.Reason, "ok")
	}
	if st, _ := ws.stats(); st.MessagesIn != 1 || st.PingsIn != 1 || st.ProtocolErrors != 0 {
		t.Errorf("server stats %+v", st)
	}
}
