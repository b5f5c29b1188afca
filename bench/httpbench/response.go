package httpbench

import (
	"bytes"
	"errors"
	"fmt"
)

// request is the one request every client sends, again and again.
var request = []byte("GET /hello HTTP/1.1\r\nHost: bench\r\n\r\n")

// body is what every server answers to it.
var body = []byte("Hello, World!")

// respBufSize is each client's response buffer: a response head is about
// 100 bytes, so a head that does not fit is an error.
const respBufSize = 1024

var (
	errNoLength   = errors.New("response without Content-Length")
	errHeadTooBig = errors.New("response head larger than the client's buffer")
	errTrailing   = errors.New("bytes after the response (nothing was pipelined)")
)

// parseResponse looks at b, the bytes a client has received since its last
// complete response, and returns the length of the response at its front
// once all of it is there (0 while it is incomplete). It checks the status
// line, takes the body length from Content-Length and compares the body
// with the expected one. It does not allocate unless it fails.
func parseResponse(b []byte) (int, error) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		if len(b) >= respBufSize {
			return 0, errHeadTooBig
		}
		return 0, nil
	}
	head := b[:end]
	if !bytes.HasPrefix(head, []byte("HTTP/1.1 200 ")) {
		line, _, _ := bytes.Cut(head, []byte("\r\n"))
		return 0, fmt.Errorf("status line %q", line)
	}
	length := -1
	for rest := head; len(rest) > 0; {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || !bytes.EqualFold(name, []byte("Content-Length")) {
			continue
		}
		n, ok := atoi(bytes.TrimSpace(value))
		if !ok {
			return 0, fmt.Errorf("Content-Length %q", value)
		}
		length = n
	}
	if length < 0 {
		return 0, errNoLength
	}
	total := end + 4 + length
	if len(b) < total {
		return 0, nil
	}
	if got := b[end+4 : total]; !bytes.Equal(got, body) {
		return 0, fmt.Errorf("body %q, want %q", got, body)
	}
	return total, nil
}

// atoi parses a small decimal number without allocating.
func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
