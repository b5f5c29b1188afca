package netconn_test

import (
	"context"
	"io"
	"testing"

	"github.com/seed947b3480/legation/netconn"
	"github.com/seed947b3480/legation/tcp"
)

// BenchmarkStream moves 64 KiB per op from A to B through a Write and the
// ReadFull of it: the throughput of the reactor round trips plus both
// stacks' TCP over the in-memory link.
func BenchmarkStream(b *testing.B) {
	ha, hb := newPair(b, netconn.Config{})
	c, s := pipe(b, ha, hb)
	msg := randomBytes(64<<10, 5)
	buf := make([]byte, len(msg))
	go func() {
		for {
			if _, err := io.ReadFull(s, buf); err != nil {
				return
			}
		}
	}()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDialAcceptClose is the cost of a connection's life: a dial, the
// accept of it, the server's close and the client's close after EOF. The
// server closes first, so TIME-WAIT (skipped here) falls on its side and
// the client never reuses a port the server still holds.
func BenchmarkDialAcceptClose(b *testing.B) {
	ha, hb := newPair(b, netconn.Config{TCP: tcp.Config{TimeWait: -1}})
	l, err := hb.net.Listen("tcp", ":80")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	ctx := context.Background()
	var one [1]byte
	b.ReportAllocs()
	for b.Loop() {
		c, err := ha.net.DialContext(ctx, "tcp", "10.0.0.2:80")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Read(one[:]); err != io.EOF {
			b.Fatalf("Read: %v, want EOF", err)
		}
		c.Close()
	}
}
