package wsbench

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// upgradeRequest opens the WebSocket on path /ws. Its key and the accept
// value it calls for are the example of RFC 6455 section 1.3.
var upgradeRequest = []byte("GET /ws HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")

const wantAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

var errNoAccept = errors.New("101 answer without the right Sec-WebSocket-Accept")

// parseUpgrade returns the length of the server's 101 answer at the front
// of b, 0 while it is incomplete.
func parseUpgrade(b []byte) (int, error) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		if len(b) > 4096 {
			return 0, errors.New("upgrade answer head too large")
		}
		return 0, nil
	}
	head := b[:end]
	if !bytes.HasPrefix(head, []byte("HTTP/1.1 101 ")) {
		line, _, _ := bytes.Cut(head, []byte("\r\n"))
		return 0, fmt.Errorf("upgrade answered %q", line)
	}
	for rest := head; len(rest) > 0; {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, ok := bytes.Cut(line, []byte(":"))
		if ok && bytes.EqualFold(name, []byte("Sec-WebSocket-Accept")) {
			if string(bytes.TrimSpace(value)) != wantAccept {
				return 0, errNoAccept
			}
			return end + 4, nil
		}
	}
	return 0, errNoAccept
}

// maskedFrame returns msg as one final, masked binary frame, as a client
// must send it (RFC 6455 5.2, 5.3).
func maskedFrame(msg []byte, key [4]byte) []byte {
	f := []byte{0x80 | 0x2}
	switch n := len(msg); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	case n < 1<<16:
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	f = append(f, key[:]...)
	for i, c := range msg {
		f = append(f, c^key[i%4])
	}
	return f
}

// frameLen returns the length of the server frame at the front of b, 0
// while it is incomplete, after checking that it is one final, unmasked
// binary frame carrying exactly want.
func frameLen(b, want []byte) (int, error) {
	if len(b) < 2 {
		return 0, nil
	}
	if b[0] != 0x80|0x2 {
		return 0, fmt.Errorf("frame starts %#02x, want a final binary frame", b[0])
	}
	if b[1]&0x80 != 0 {
		return 0, errors.New("server frame is masked")
	}
	head, n := 2, int(b[1]&0x7f)
	switch n {
	case 126:
		if len(b) < 4 {
			return 0, nil
		}
		head, n = 4, int(binary.BigEndian.Uint16(b[2:]))
	case 127:
		if len(b) < 10 {
			return 0, nil
		}
		l := binary.BigEndian.Uint64(b[2:])
		if l > 1<<30 {
			return 0, fmt.Errorf("frame of %d bytes", l)
		}
		head, n = 10, int(l)
	}
	if n != len(want) {
		return 0, fmt.Errorf("echo of %d bytes, sent %d", n, len(want))
	}
	if len(b) < head+n {
		return 0, nil
	}
	if !bytes.Equal(b[head:head+n], want) {
		return 0, errors.New("echo differs from the message")
	}
	return head + n, nil
}

// pattern returns n bytes that differ from their neighbours, so misplaced
// data shows.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed) | 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}
