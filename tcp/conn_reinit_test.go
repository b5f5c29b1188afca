package tcp

import (
	"errors"
	"net/netip"
	"testing"
	"unsafe"

	"github.com/seed947b3480/legation/reactor"
)

// Reinit turns a finished connection into a fresh one in place: closed,
// no error, no events, pending futures, the same reassembly table, and
// no allocation when the buffers are supplied.
func TestConnReinit(t *testing.T) {
	rx, tx := make([]byte, 1024), make([]byte, 1024)
	cfg := Config{RxBuffer: rx, TxBuffer: tx}
	c := NewConn(cfg)
	fut := c.ConnectFuture()
	local := netip.MustParseAddrPort("10.0.0.1:40000")
	remote := netip.MustParseAddrPort("10.0.0.2:80")
	now := reactor.Instant(1e12)
	if err := c.Connect(now, local, remote, 1000); err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("queued"))
	c.Abort()
	if c.State() != Closed || !fut.Done() || !errors.Is(fut.Err(), ErrAborted) {
		t.Fatalf("before: state %v, future done=%v err=%v", c.State(), fut.Done(), fut.Err())
	}
	spans := &c.asm.spans[0]

	c.Reinit(cfg)
	if c.State() != Closed || c.Err() != nil || c.SendQueued() != 0 || c.Buffered() != 0 || c.events != 0 || c.happened != 0 {
		t.Fatalf("after Reinit: state %v err %v queued %d", c.State(), c.Err(), c.SendQueued())
	}
	if c.ConnectFuture() != fut || fut.Done() {
		t.Fatal("Reinit did not reset the connection's own future")
	}
	if &c.asm.spans[0] != spans || c.asm.Limit() != DefaultAssemblerRanges {
		t.Fatal("Reinit did not reuse the reassembly table")
	}
	if err := c.Connect(now, local, remote, 2000); err != nil {
		t.Fatalf("Connect on a reinitialised connection: %v", err)
	}

	allocs := testing.AllocsPerRun(100, func() {
		c.Abort()
		c.Reinit(cfg)
		if c.Connect(now, local, remote, 3000) != nil {
			t.Fatal("connect failed")
		}
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per Reinit and Connect", allocs)
	}
	if c.RecordBytes() <= int(unsafeSizeofConn()) {
		t.Fatalf("RecordBytes %d leaves out the table and futures", c.RecordBytes())
	}
}

func unsafeSizeofConn() uintptr { return unsafe.Sizeof(Conn{}) }
