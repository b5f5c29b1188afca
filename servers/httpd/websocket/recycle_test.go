package websocket

import (
	"testing"
	"unsafe"
)

// With Config.Recycle, connections one after another share one record:
// each is echoed, closed by the client and reported to OnClose, and the
// next is adopted into the same Conn, its state fresh.
func TestRecycleReusesRecords(t *testing.T) {
	e := newEnv(t, Config{Recycle: true}, echoHandler(), envOptions{})
	for i := range 20 {
		k := e.dial()
		got := 0
		k.onMsg = func(text bool, data []byte) {
			if text && string(data) == "hello" {
				got++
			}
		}
		k.send(true, []byte("hello"))
		e.mustRun("echo", func() bool { return got == 1 })
		k.close(CloseNormal, "bye")
		e.mustRun("closed", func() bool { return len(e.closes) == i+1 && k.ended() })
		k.c.Release()
		if c := e.closes[i]; c.code != CloseNormal || c.reason != "bye" {
			t.Fatalf("connection %d closed with %v %q", i, c.code, c.reason)
		}
	}
	for i, c := range e.conns {
		if c != e.conns[0] {
			t.Fatalf("connection %d has record %p, the first %p: not recycled", i, c, e.conns[0])
		}
	}
	if st := e.g.Stats(); st.Adopted != 20 || st.Closed != 20 || st.Open != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// Without Recycle every connection keeps its own record, which stays
// valid (and closed) for as long as the application holds it.
func TestNoRecycleByDefault(t *testing.T) {
	e := newEnv(t, Config{}, echoHandler(), envOptions{})
	for i := range 3 {
		k := e.dial()
		e.mustRun("open", func() bool { return len(e.conns) == i+1 })
		k.close(CloseNormal, "")
		e.mustRun("closed", func() bool { return len(e.closes) == i+1 })
	}
	if e.conns[0] == e.conns[1] || e.conns[1] == e.conns[2] {
		t.Fatal("records reused without Recycle")
	}
	if err := e.conns[0].Send(true, []byte("x")); err == nil {
		t.Fatal("Send on a closed connection succeeded")
	}
}

// The record is a Conn with its four callbacks; the Conn must come first
// for recOf.
func TestConnRecLayout(t *testing.T) {
	if off := unsafe.Offsetof(connRec{}.Conn); off != 0 {
		t.Fatalf("Conn at offset %d in connRec", off)
	}
}
