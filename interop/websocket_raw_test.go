package interop

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/seed947b3480/legation/internal/netnstest"
)

// A WebSocket client written out by hand on a kernel TCP socket in the
// namespace, for frames no library will send: the upgrade from RFC 6455
// 4.1 and frames from 5.2, with every field settable. Nothing here comes
// from package websocket, so that it checks the server rather than agrees
// with it.

// wsFrame is a client frame to encode, right or wrong.
type wsFrame struct {
	fin      bool
	rsv      byte // the RSV1-3 bits, 0x70 at most
	op       byte
	unmasked bool
	// length overrides the payload's length in the header when set (the
	// payload is then sent as given, typically less).
	length  uint64
	setLen  bool
	payload []byte
	// raw, when set, is sent as it is instead.
	raw []byte
}

// encode returns the frame's bytes with the shortest length encoding for
// the announced length, masked with a fixed key unless unmasked.
func (f wsFrame) encode() []byte {
	if f.raw != nil {
		return f.raw
	}
	b0 := f.op | f.rsv
	if f.fin {
		b0 |= 0x80
	}
	n := uint64(len(f.payload))
	if f.setLen {
		n = f.length
	}
	var mask byte = 0x80
	if f.unmasked {
		mask = 0
	}
	var b []byte
	switch {
	case n < 126:
		b = []byte{b0, mask | byte(n)}
	case n <= 0xFFFF:
		b = []byte{b0, mask | 126, byte(n >> 8), byte(n)}
	default:
		b = binary.BigEndian.AppendUint64([]byte{b0, mask | 127}, n)
	}
	if f.unmasked {
		return append(b, f.payload...)
	}
	key := [4]byte{0x5a, 0x17, 0xc3, 0x88}
	b = append(b, key[:]...)
	start := len(b)
	b = append(b, f.payload...)
	for i := range f.payload {
		b[start+i] ^= key[i%4]
	}
	return b
}

// wsRaw is an upgraded WebSocket connection on a kernel socket.
type wsRaw struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

// wsAcceptGUID is the GUID of RFC 6455 1.3.
const wsAcceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// dialWebSocket connects from inside ns to the server's path, sends a
// hand-written upgrade request and checks the 101 answer and its
// Sec-WebSocket-Accept, computed here from the RFC.
func dialWebSocket(t *testing.T, ns *netnstest.NS, path string) *wsRaw {
	t.Helper()
	rc := dialRaw(t, ns, httpdAddr+":80")
	var nonce [16]byte
	rand.Read(nonce[:])
	key := base64.StdEncoding.EncodeToString(nonce[:])
	rc.send("GET " + path + " HTTP/1.1\r\nHost: " + httpdAddr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
	resp, err := http.ReadResponse(rc.br, nil)
	if err != nil {
		t.Fatalf("reading the upgrade answer: %v", err)
	}
	sum := sha1.Sum([]byte(key + wsAcceptGUID))
	if want := base64.StdEncoding.EncodeToString(sum[:]); resp.StatusCode != http.StatusSwitchingProtocols ||
		resp.Header.Get("Sec-WebSocket-Accept") != want {
		t.Fatalf("upgrade answered %s, Accept %q (want %q)", resp.Status, resp.Header.Get("Sec-WebSocket-Accept"), want)
	}
	return &wsRaw{t: t, c: rc.c, br: rc.br}
}

func (w *wsRaw) write(frames ...wsFrame) {
	w.t.Helper()
	for _, f := range frames {
		if _, err := w.c.Write(f.encode()); err != nil {
			w.t.Fatalf("write: %v", err)
		}
	}
}

// serverFrame is a frame the server sent.
type serverFrame struct {
	fin     bool
	rsv     byte
	op      byte
	masked  bool
	payload []byte
}

// readFrame reads one frame from the server (a server's frames are
// small here: close frames).
func (w *wsRaw) readFrame() (serverFrame, error) {
	var h [2]byte
	if _, err := io.ReadFull(w.br, h[:]); err != nil {
		return serverFrame{}, err
	}
	f := serverFrame{fin: h[0]&0x80 != 0, rsv: h[0] & 0x70, op: h[0] & 0x0f, masked: h[1]&0x80 != 0}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var e [2]byte
		if _, err := io.ReadFull(w.br, e[:]); err != nil {
			return f, err
		}
		n = uint64(binary.BigEndian.Uint16(e[:]))
	case 127:
		var e [8]byte
		if _, err := io.ReadFull(w.br, e[:]); err != nil {
			return f, err
		}
		n = binary.BigEndian.Uint64(e[:])
	}
	if f.masked {
		var key [4]byte
		if _, err := io.ReadFull(w.br, key[:]); err != nil {
			return f, err
		}
	}
	if n > 1<<20 {
		return f, fmt.Errorf("a %d-byte frame", n)
	}
	f.payload = make([]byte, n)
	_, err := io.ReadFull(w.br, f.payload)
	return f, err
}

// expectClose reads the server's close frame, checks it is a well-formed
// unmasked close with code, and that TCP then ends with a FIN (the server
// closes first, RFC 6455 7.1.1). It returns the close reason.
func (w *wsRaw) expectClose(code uint16) string {
	w.t.Helper()
	w.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	f, err := w.readFrame()
	if err != nil {
		w.t.Fatalf("reading the server's close frame: %v", err)
	}
	if !f.fin || f.rsv != 0 || f.op != 0x8 || f.masked || len(f.payload) < 2 || len(f.payload) > 125 {
		w.t.Fatalf("server sent fin=%v rsv=%#x opcode=%#x masked=%v payload %q; want an unmasked close frame",
			f.fin, f.rsv, f.op, f.masked, f.payload)
	}
	reason := f.payload[2:]
	if got := binary.BigEndian.Uint16(f.payload); got != code || !utf8.Valid(reason) {
		w.t.Fatalf("server closed with %d %q; want %d", got, reason, code)
	}
	var b [64]byte
	n, err := w.br.Read(b[:])
	if n != 0 || !errors.Is(err, io.EOF) {
		w.t.Fatalf("after the close frame: read %q, %v; want the server's FIN (EOF)", b[:n], err)
	}
	return string(reason)
}
