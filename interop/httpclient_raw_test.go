package interop

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/seed947b3480/legation/internal/netnstest"
)

// The raw peer of the HTTP client interop tests: kernel TCP sockets that
// misbehave in ways net/http's server never would.

// hcRaw is a raw kernel TCP listener on the kernel side that reads one
// request head per connection and answers by its path with what no sane
// server sends:
//
//	/reset/head        a reset as soon as the head has arrived
//	/reset/body        a head of Content-Length 1 MiB and 16 KiB of body,
//	                   then, once the client has acknowledged them, a reset
//	/truncated         Content-Length 1000, 100 bytes, then a FIN
//	/garbage/status    an SSH banner and binary junk instead of a status line
//	/garbage/binary    4 KiB of binary junk
//	/garbage/header    a header line with no colon
//	/garbage/length    Content-Length: 12abc
//	/garbage/dup-length two Content-Length fields that disagree
//	/garbage/chunk     a chunk size that is not hex
//	/huge/header       1 MiB of header fields and no end of the head
//	/huge/line         a status line of 1 MiB and no end
//	/many/headers      5000 short header fields, then a valid empty body
//	/garbage/cl-te     both Content-Length and Transfer-Encoding (the
//	                   request smuggling shape, RFC 9112 6.3)
//	/http10            an HTTP/1.0 response, its 100000-byte body (hcBody)
//	                   delimited by the server's FIN
//	/eof-body          the same as HTTP/1.1 without Content-Length
//	/fin-after         a valid keep-alive answer ("ok"), then a FIN
//	/rst-after         a valid keep-alive answer ("ok"), then, once the
//	                   client has acknowledged it, a reset
//	anything else      404 with an empty body
//
// After a garbage answer it keeps the connection open until the client
// closes it, so what the client reports is about the bytes, not a FIN.
type hcRaw struct {
	base    string
	accepts atomic.Int64
	// heads receives each request head as it arrived.
	heads chan string

	mu      sync.Mutex
	conns   map[net.Conn]bool
	closing bool
	errs    []error
	wg      sync.WaitGroup
}

func hcStartRaw(t *testing.T, ns *netnstest.NS) *hcRaw {
	t.Helper()
	ln := hcListen(t, ns, 0)
	r := &hcRaw{base: "http://" + ln.Addr().String(), heads: make(chan string, 64), conns: map[net.Conn]bool{}}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			c, err := ln.AcceptTCP()
			if err != nil {
				return
			}
			r.accepts.Add(1)
			if !r.track(c) {
				c.Close()
				return
			}
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				defer r.untrack(c)
				r.serve(c)
			}()
		}
	}()
	t.Cleanup(func() {
		r.mu.Lock()
		r.closing = true
		for c := range r.conns {
			c.Close()
		}
		r.mu.Unlock()
		ln.Close()
		r.wg.Wait()
		for _, err := range r.errs {
			t.Errorf("raw peer: %v", err)
		}
	})
	return r
}

func (r *hcRaw) url(path string) string { return r.base + path }

func (r *hcRaw) track(c net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return false
	}
	r.conns[c] = true
	return true
}

func (r *hcRaw) untrack(c net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.conns, c)
	c.Close()
}

func (r *hcRaw) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closing {
		r.errs = append(r.errs, err)
	}
}

// hcReadHead reads a request head (up to its empty line, at most 64 KiB)
// and returns it and the request's path.
func hcReadHead(br *bufio.Reader) (head, path string, err error) {
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return b.String(), "", fmt.Errorf("request head %q: %w", b.String(), err)
		}
		b.WriteString(line)
		if b.Len() > 64<<10 {
			return "", "", errors.New("request head over 64 KiB")
		}
		if line == "\r\n" {
			break
		}
	}
	head = b.String()
	f := strings.Fields(strings.SplitN(head, "\r\n", 2)[0])
	if len(f) != 3 || !strings.HasPrefix(f[2], "HTTP/1.") {
		return head, "", fmt.Errorf("request line %q", f)
	}
	return head, hcTargetPath(f[1]), nil
}

// hcTargetPath strips an absolute-form target and a query to the bare path.
func hcTargetPath(target string) string {
	if i := strings.Index(target, "://"); i >= 0 {
		rest := target[i+3:]
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			return "/"
		}
		target = rest[j:]
	}
	p, _, _ := strings.Cut(target, "?")
	return p
}

func (r *hcRaw) serve(c *net.TCPConn) {
	c.SetDeadline(time.Now().Add(60 * time.Second))
	br := bufio.NewReader(c)
	head, path, err := hcReadHead(br)
	if err != nil {
		r.fail(err)
		return
	}
	select {
	case r.heads <- head:
	default:
	}
	write := func(s string) bool {
		_, err := io.WriteString(c, s)
		return err == nil
	}
	switch path {
	case "/reset/head":
		c.SetLinger(0)
		return
	case "/reset/body":
		if !write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1048576\r\n\r\n") {
			return
		}
		if _, err := c.Write(hcBody(16 << 10)); err != nil {
			return
		}
		// The reset must come after the client has the head and some
		// body: with SO_LINGER 0 the kernel drops whatever it has not
		// sent, so wait until everything is sent and acknowledged.
		hcAwaitAcked(c, 10*time.Second)
		c.SetLinger(0)
		return
	case "/truncated":
		if write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n") {
			c.Write(hcBody(100))
			c.CloseWrite()
		}
	case "/garbage/status":
		if !write("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n") {
			return
		}
		c.Write(pseudoRandom(512, 9))
	case "/garbage/binary":
		c.Write(pseudoRandom(4096, 10))
	case "/garbage/header":
		write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nthis line has no colon\r\n\r\nok")
	case "/garbage/length":
		write("HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\nhello, world")
	case "/garbage/dup-length":
		write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!")
	case "/garbage/chunk":
		write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\nmore\r\n")
	case "/huge/header":
		if !write("HTTP/1.1 200 OK\r\n") {
			return
		}
		filler := strings.Repeat("a", 1000)
		bw := bufio.NewWriterSize(c, 64<<10)
		for i := 0; i < 1<<10; i++ {
			if _, err := fmt.Fprintf(bw, "X-Filler-%05d: %s\r\n", i, filler); err != nil {
				return
			}
		}
		bw.Flush()
	case "/huge/line":
		if !write("HTTP/1.1 200 ") {
			return
		}
		line := bytes.Repeat([]byte{'A'}, 64<<10)
		for i := 0; i < 16; i++ {
			if _, err := c.Write(line); err != nil {
				return
			}
		}
	case "/garbage/cl-te":
		write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
	case "/http10", "/eof-body":
		status := "HTTP/1.1 200 OK\r\n"
		if path == "/http10" {
			status = "HTTP/1.0 200 OK\r\n"
		}
		if write(status + "Content-Type: application/octet-stream\r\n\r\n") {
			c.Write(hcBody(100000))
			c.CloseWrite()
		}
	case "/fin-after", "/rst-after":
		if !write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") {
			return
		}
		if path == "/fin-after" {
			c.CloseWrite()
			break
		}
		hcAwaitAcked(c, 10*time.Second)
		c.SetLinger(0)
		return
	case "/many/headers":
		var b strings.Builder
		b.WriteString("HTTP/1.1 200 OK\r\n")
		for i := 0; i < 5000; i++ {
			fmt.Fprintf(&b, "X-H%d: v\r\n", i)
		}
		b.WriteString("Content-Length: 0\r\n\r\n")
		write(b.String())
	default:
		write("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
	}
	// Hold the connection until the client lets go of it.
	io.Copy(io.Discard, br)
}

// hcAwaitAcked waits (bounded, polling TCP_INFO every millisecond) until
// everything written on c has been sent and acknowledged.
func hcAwaitAcked(c *net.TCPConn, limit time.Duration) {
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		var ti *unix.TCPInfo
		rc.Control(func(fd uintptr) { ti, _ = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) })
		if ti == nil || ti.Unacked == 0 && ti.Notsent_bytes == 0 {
			return
		}
		<-time.After(time.Millisecond)
	}
}
