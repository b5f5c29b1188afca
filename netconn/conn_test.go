package netconn_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/seed947b3480/legation/netconn"
	"github.com/seed947b3480/legation/tcp"
)

// pipe returns a connection dialed from a and the one b accepted for it.
func pipe(t testing.TB, a, b *host) (client, server net.Conn) {
	t.Helper()
	l, err := b.net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			t.Error(err)
		}
		accepted <- c
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client, err = a.net.DialContext(ctx, "tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-accepted
	if server == nil {
		t.FailNow()
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}).Read(b)
	return b
}

func TestAddrs(t *testing.T) {
	a, b := newPair(t, netconn.Config{})
	c, s := pipe(t, a, b)
	if got := c.RemoteAddr().(*net.TCPAddr).AddrPort(); got.Addr() != addrB {
		t.Errorf("client RemoteAddr %v", got)
	}
	if c.LocalAddr().String() != s.RemoteAddr().String() || s.LocalAddr().String() != c.RemoteAddr().String() {
		t.Errorf("ends disagree: client %v->%v, server %v->%v", c.LocalAddr(), c.RemoteAddr(), s.LocalAddr(), s.RemoteAddr())
	}
}

// Half-close: the client sends its data and a FIN, reads the server's
// whole answer afterwards; the server answers only after EOF.
func TestHalfClose(t *testing.T) {
	a, b := newPair(t, netconn.Config{})
	c, s := pipe(t, a, b)
	req := randomBytes(1<<20, 1)
	go func() {
		got, err := io.ReadAll(s)
		if err != nil {
			t.Error(err)
		}
		sum := sha256.Sum256(got)
		// The answer: the request's hash and the request back, after EOF.
		s.Write(sum[:])
		s.Write(got)
		s.Close()
	}()
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	if err := c.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("x")); err == nil {
		t.Error("Write after CloseWrite succeeded")
	} else if !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Write after CloseWrite: %v, want EPIPE", err)
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(req)
	if len(got) != 32+len(req) || !bytes.Equal(got[:32], want[:]) || !bytes.Equal(got[32:], req) {
		t.Fatalf("answer of %d bytes does not match the request of %d", len(got), len(req))
	}
}

// Close right after a large Write loses nothing: the peer reads every
// byte, then EOF.
func TestCloseAfterWriteDelivers(t *testing.T) {
	a, b := newPair(t, netconn.Config{})
	c, s := pipe(t, a, b)
	data := randomBytes(4<<20, 2)
	go func() {
		if _, err := c.Write(data); err != nil {
			t.Error(err)
		}
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	}()
	h := sha256.New()
	n, err := io.Copy(h, s)
	if err != nil || n != int64(len(data)) || !bytes.Equal(h.Sum(nil), sha(data)) {
		t.Fatalf("read %d of %d bytes, %v; hash match %v", n, len(data), err, bytes.Equal(h.Sum(nil), sha(data)))
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: %v, want net.ErrClosed", err)
	}
}

func sha(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}

func TestReadDeadline(t *testing.T) {
	a, b := newPair(t, netconn.Config{})
	c, s := pipe(t, a, b)
	buf := make([]byte, 16)

	// A deadline that passes fails the Read with a timeout.
	start := time.Now()
	c.SetReadDeadline(start.Add(50 * time.Millisecond))
	n, err := c.Read(buf)
	el := time.Since(start)
	var ne net.Error
	if n != 0 || !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past deadline: %d, %v; want a timeout", n, err)
	}
	if el < 50*time.Millisecond {
		t.Errorf("timed out after %v, before the deadline", el)
	}
	// Expired, it fails at once, until it is moved.
	if _, err := c.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("second Read: %v", err)
	}
	c.SetReadDeadline(time.Time{})
	go s.Write([]byte("hello"))
	n, err = c.Read(buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("Read after clearing the deadline: %q, %v", buf[:n], err)
	}

	// Moving the deadline into the past wakes a waiting Read.
	errc := make(chan error, 1)
	go func() {
		_, err := c.Read(buf)
		errc <- err
	}()
	c.SetReadDeadline(time.Unix(1, 0))
	if err := <-errc; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read woken by a past deadline: %v", err)
	}

	// A write deadline leaves reads alone and the connection usable.
	c.SetReadDeadline(time.Time{})
	c.SetWriteDeadline(time.Unix(1, 0))
	if _, err := c.Write([]byte("x")); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Write past deadline: %v", err)
	}
	go s.Write([]byte("again"))
	if n, err := c.Read(buf); err != nil || string(buf[:n]) != "again" {
		t.Fatalf("Read: %q, %v", buf[:n], err)
	}
}

// A Write blocked on a peer that does not read times out at its deadline
// with part of the data queued, and Write works again afterwards.
func TestWriteDeadline(t *testing.T) {
	a, b := newPair(t, netconn.Config{})
	c, s := pipe(t, a, b)
	data := randomBytes(1<<20, 3)
	c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	n, err := c.Write(data)
	if !errors.Is(err, os.ErrDeadlineExceeded) || n == 0 || n >= len(data) {
		t.Fatalf("Write to a stalled peer: %d bytes, %v", n, err)
	}
	c.SetWriteDeadline(time.Time{})
	go func() {
		c.Write(data[n:])
		c.Close()
	}()
	got, err := io.ReadAll(s)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d of %d bytes (%v)", len(got), len(data), err)
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	a, b := newPair(t, netconn.Config{})
	c, _ := pipe(t, a, b)
	errc := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 10))
		errc <- err
	}()
	c.Close()
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read on a closed Conn: %v, want net.ErrClosed", err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write on a closed Conn: %v", err)
	}
}

// Closing with unread data resets the connection; the peer's calls then
// fail with an error that is both ECONNRESET and tcp.ErrReset.
func TestReset(t *testing.T) {
	a, b := newPair(t, netconn.Config{})
	c, s := pipe(t, a, b)
	if _, err := c.Write([]byte("never read")); err != nil {
		t.Fatal(err)
	}
	// Wait until the data has arrived, so Close finds it unread.
	s.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := s.Read(make([]byte, 1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := c.Read(make([]byte, 10))
	if !errors.Is(err, syscall.ECONNRESET) || !errors.Is(err, tcp.ErrReset) {
		t.Fatalf("Read after the peer reset: %v", err)
	}
}

func TestDialRefused(t *testing.T) {
	a, _ := newPair(t, netconn.Config{})
	_, err := a.net.Dial("tcp", "10.0.0.2:9")
	if !errors.Is(err, syscall.ECONNREFUSED) || !errors.Is(err, tcp.ErrRefused) {
		t.Fatalf("Dial to a closed port: %v", err)
	}
}

// A dial to an address that never answers retransmits its SYN until the
// context ends, then fails with the context's error.
func TestDialContextUnanswered(t *testing.T) {
	a, _ := newPair(t, netconn.Config{})
	before := a.counters().TxTCP
	// 1.5 s covers the first SYN and its retransmission after the 1 s RTO.
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := a.net.DialContext(ctx, "tcp", "192.0.2.1:80")
	el := time.Since(start)
	var ne net.Error
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Dial: %v, want the context's deadline", err)
	}
	if el < 1500*time.Millisecond || el > 3*time.Second {
		t.Errorf("Dial returned after %v", el)
	}
	if syns := a.counters().TxTCP - before; syns < 2 {
		t.Errorf("%d SYNs sent, want a retransmission", syns)
	}

	// Cancelling aborts at once.
	ctx, cancel = context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := a.net.DialContext(ctx, "tcp", "192.0.2.1:80")
		errc <- err
	}()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Dial: %v", err)
	}
}

func TestListenerClose(t *testing.T) {
	_, b := newPair(t, netconn.Config{})
	l, err := b.net.Listen("tcp", ":8080")
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Addr().String(); got != "10.0.0.2:8080" {
		t.Errorf("Addr %s", got)
	}
	if _, err := b.net.Listen("tcp", ":8080"); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("second Listen on the port: %v", err)
	}
	l.(*netconn.Listener).SetDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := l.Accept(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Accept past deadline: %v", err)
	}
	l.(*netconn.Listener).SetDeadline(time.Time{})
	errc := make(chan error, 1)
	go func() {
		_, err := l.Accept()
		errc <- err
	}()
	l.Close()
	if err := <-errc; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept on a closed listener: %v", err)
	}
	// The port is free once Close returns.
	l2, err := b.net.Listen("tcp", "10.0.0.2:8080")
	if err != nil {
		t.Fatal(err)
	}
	l2.Close()
}
