package websocket

import (
	"crypto/sha1"
	"encoding/base64"
)

// keyGUID is the GUID RFC 6455 4.2.2 appends to Sec-WebSocket-Key.
const keyGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// AcceptKey returns the Sec-WebSocket-Accept value for a Sec-WebSocket-Key
// (RFC 6455 4.2.2): base64(SHA-1(key + GUID)). key is the header value as
// sent, without surrounding spaces. It does not allocate for a key of up to
// 64 bytes (a valid key has 24); a longer one is invalid anyway (see
// ValidKey) and is hashed through the standard library's allocating path.
func AcceptKey(key []byte) [28]byte {
	var sum [sha1.Size]byte
	if len(key) <= 64 {
		var buf [64 + len(keyGUID)]byte
		n := copy(buf[:], key)
		n += copy(buf[n:], keyGUID)
		sum = sha1.Sum(buf[:n])
	} else {
		h := sha1.New()
		h.Write(key)
		h.Write([]byte(keyGUID))
		h.Sum(sum[:0])
	}
	var out [28]byte
	base64.StdEncoding.Encode(out[:], sum[:])
	return out
}

// ValidKey reports whether key is a well-formed Sec-WebSocket-Key: the
// base64 encoding of 16 bytes (RFC 6455 4.1, 11.3.1). It does not allocate.
func ValidKey(key []byte) bool {
	if len(key) != 24 {
		return false
	}
	var dst [18]byte
	n, err := base64.StdEncoding.Decode(dst[:], key)
	return err == nil && n == 16
}

// AppendUpgradeResponse appends the server's answer to a valid opening
// handshake (RFC 6455 4.2.2): the 101 status line, Upgrade, Connection and
// Sec-WebSocket-Accept for key, and the blank line. It is the whole
// response when no subprotocol or extension is agreed; a server that needs
// more headers writes its own with AcceptKey. With room in dst it does not
// allocate.
func AppendUpgradeResponse(dst, key []byte) []byte {
	accept := AcceptKey(key)
	dst = append(dst, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	dst = append(dst, accept[:]...)
	return append(dst, "\r\n\r\n"...)
}
