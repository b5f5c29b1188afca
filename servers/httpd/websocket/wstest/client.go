package wstest

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
)

// ClientKey is the Sec-WebSocket-Key Open sends: a fixed 16-byte nonce in
// base64, since the tests check the answer, not the nonce's randomness.
var ClientKey = base64.StdEncoding.EncodeToString([]byte("legation-device!"))

// acceptGUID is RFC 6455's fixed suffix of the Sec-WebSocket-Accept hash.
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// Open sends a WebSocket opening handshake for path with Host host on rw
// and checks the answer is 101 with the right Sec-WebSocket-Accept
// (RFC 6455 4.1). It returns the reader the server's frames follow on.
func Open(rw io.ReadWriter, host, path string) (*bufio.Reader, error) {
	req := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + ClientKey + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(rw, req); err != nil {
		return nil, err
	}
	br := bufio.NewReader(rw)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, err
	}
	sum := sha1.Sum([]byte(ClientKey + acceptGUID))
	if resp.StatusCode != 101 || resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		return nil, fmt.Errorf("upgrade of %s: %s %v", path, resp.Status, resp.Header)
	}
	return br, nil
}

// Frame is one frame a server sent.
type Frame struct {
	Head    byte // the first header byte: FIN, RSV1-3 and the opcode
	Payload []byte
}

// Opcode is the frame's opcode (1 text, 2 binary, 8 close, ...).
func (f Frame) Opcode() byte { return f.Head & 0x0f }

// ReadFrame reads one frame a server sent, which must be final (FIN) and
// unmasked, with a payload of at most max bytes: these test clients read
// unfragmented messages only.
func ReadFrame(r io.Reader, max uint64) (Frame, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return Frame{}, err
	}
	if h[0]&0x80 == 0 || h[1]&0x80 != 0 {
		return Frame{}, fmt.Errorf("frame header %x: want a final unmasked frame", h)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return Frame{}, err
		}
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return Frame{}, err
		}
		n = binary.BigEndian.Uint64(l[:])
	}
	if n > max {
		return Frame{}, fmt.Errorf("frame of %d bytes, more than %d", n, max)
	}
	m := make([]byte, n)
	if _, err := io.ReadFull(r, m); err != nil {
		return Frame{}, err
	}
	return Frame{Head: h[0], Payload: m}, nil
}
