package httpd

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/stacktest"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

// Connection records are made up to the peak of open connections and
// reused after: a hundred connections one after another make one record,
// and accepting, serving and closing them allocates nothing on the
// server's side once it exists.
func TestConnRecordsReused(t *testing.T) {
	n := helloServer(t, Config{})
	// Client buffers made once, so that the client allocates as little
	// as it can; what it does allocate (its stack's connection) is the
	// same with or without the server's pool.
	buf := make([]byte, 8192)
	var tc *tcp.Conn
	got := 0
	readable := func() {
		for {
			k, _ := tc.Read(buf[4096:])
			if k == 0 {
				return
			}
			got += k
		}
	}
	req := []byte("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	one := func() {
		var err error
		tc, err = n.cli.DialTCP(netip.AddrPortFrom(serverAddr, 80), tcp.Config{TimeWait: -1, RxBuffer: buf[:2048:2048], TxBuffer: buf[2048:4096:4096]})
		if err != nil {
			t.Fatal(err)
		}
		got = 0
		tc.OnReadable(readable)
		tc.Write(req)
		n.run(time.Second, "answer", func() bool { return tc.State() == tcp.CloseWait || tc.State() == tcp.Closed })
		tc.Release()
		n.run(time.Second, "server side gone", func() bool { return n.srv.Stats().Conns == 0 })
		if got < 60 {
			t.Fatalf("answer of %d bytes", got)
		}
	}
	for range 100 {
		one()
	}
	if n.srv.recs != 1 {
		t.Fatalf("%d records made for connections one at a time, want 1", n.srv.recs)
	}
	if st := n.srv.Stats(); st.Accepted != 100 || st.Requests != 100 {
		t.Fatalf("stats %+v", st)
	}
}

// Preallocate makes MaxActive exchanges and the records asked for, so the
// first connections allocate none; it never makes more than 2*MaxConns.
func TestPreallocate(t *testing.T) {
	n := newTestNet(t, Config{MaxConns: 3, MaxActive: 2})
	n.srv.Preallocate(100)
	if n.srv.recs != 6 || n.srv.made != 2 || len(n.srv.free) != 2 {
		t.Fatalf("records %d, exchanges %d (%d free)", n.srv.recs, n.srv.made, len(n.srv.free))
	}
	n.srv.Handle("GET", "/", func(w *Response, r *Request) { w.Send(200, "text/plain", []byte("ok")) })
	n.start()
	var cs []*client
	for range 3 {
		c := n.dial()
		c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		cs = append(cs, c)
	}
	n.run(time.Second, "answers", func() bool {
		for _, c := range cs {
			if !bytes.HasSuffix(c.got.Bytes(), []byte("ok")) {
				return false
			}
		}
		return true
	})
	if n.srv.recs != 6 || n.srv.made != 2 {
		t.Fatalf("records %d, exchanges %d after three connections", n.srv.recs, n.srv.made)
	}
}

// With stack.Resources the server hands back every TCP record: of
// connections closed in order, and of those the client reset or the
// server aborted, whose records the stack gets back only once released.
// Twenty of each through a stack of 4 records.
func TestConnsReleaseStackRecords(t *testing.T) {
	p := stacktest.NewPair(t,
		stack.Config{Addr: netip.PrefixFrom(serverAddr, 24), Seed: 1,
			Resources: stack.NewResources(stack.Sizes{TCPConns: 4})},
		stack.Config{Addr: netip.PrefixFrom(clientAddr, 24), Seed: 2}, nil)
	n := &testNet{t: t, clk: p.Clock, r: p.R, srvStack: p.A, cli: p.B, srv: New(p.A, Config{HeaderTimeout: time.Second,
		// No TIME-WAIT: a record held there is not one the server kept.
		Listen: stack.ListenConfig{Conn: tcp.Config{TimeWait: -1}}})}
	n.srv.Handle("GET", "/", func(w *Response, r *Request) { w.Send(200, "text/plain", []byte("ok")) })
	n.start()
	for i := range 60 {
		c := n.dial()
		switch i % 3 {
		case 0: // an orderly request and close
			c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			n.run(time.Second, fmt.Sprintf("answer %d (got %q, stats %+v, counters %+v)", i, c.got.Bytes(), n.srv.Stats(), p.A.Counters()), func() bool { return c.eof })
		case 1: // the client resets in the middle of a head
			c.send("GET / HT")
			n.run(time.Second, "head started", func() bool { return n.srv.Stats().Conns == 1 })
			c.tc.Abort()
		case 2: // the head times out: the server closes
			c.send("GET / HT")
			n.run(5*time.Second, "timeout", func() bool { return c.eof || c.closed })
		}
		c.tc.Release()
		n.run(5*time.Second, "server side gone", func() bool { return n.srv.Stats().Conns == 0 })
	}
	if cn := p.A.Counters(); cn.TCPRefused != 0 {
		t.Fatalf("%d SYNs refused: the server kept stack records", cn.TCPRefused)
	}
	if st := n.srv.Stats(); st.Accepted != 60 {
		t.Fatalf("accepted %d of 60", st.Accepted)
	}
}
