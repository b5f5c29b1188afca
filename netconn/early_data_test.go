package netconn_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/netconn"
	"github.com/seed947b3480/legation/tcp"
)

// A client's first bytes that arrive before the server's goroutine has
// called Accept are kept, not dropped for the client to send again after
// its retransmission timeout: a Go server that loops "Accept, go handle"
// would otherwise stall 200 ms on many of its connections.
func TestDataBeforeAcceptIsKept(t *testing.T) {
	a, b := newPair(t, netconn.Config{})
	ln, err := b.net.Listen("tcp", ":7070")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	var tc *tcp.Conn
	wrote := false
	a.do(func() {
		tc, err = a.s.DialTCP(netip.AddrPortFrom(addrB, 7070), tcp.Config{NoDelay: true})
		if err == nil {
			tc.ConnectFuture().OnComplete(func(struct{}, error) {
				n, _ := tc.Write([]byte("hello"))
				wrote = n == 5
			})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	// Before anything calls Accept, the server's side acknowledges the
	// data: it was kept. (Dropped, it would stay unacknowledged however
	// often the client sent it again.)
	acked := func() (ok bool) {
		a.do(func() { ok = wrote && tc.SendQueued() == 0 })
		return ok
	}
	for deadline := time.Now().Add(5 * time.Second); !acked(); {
		if time.Now().After(deadline) {
			t.Fatal("the data sent before Accept was never acknowledged")
		}
	}
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 16)
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("Read = %q, %v; want hello", buf[:n], err)
	}
	var st tcp.Stats
	a.do(func() { st = tc.Stats() })
	if st.Retransmits != 0 {
		t.Fatalf("client retransmitted %d times: the early data was dropped", st.Retransmits)
	}
}
