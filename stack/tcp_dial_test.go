package stack

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/tcp"
)

// A dial after the stack has been idle for longer than the connect
// timeout starts from the time it is, not from the last poll: it connects
// rather than timing out at once.
func TestTCPDialAfterIdle(t *testing.T) {
	p := newPair(t, Config{})
	tcpEchoServer(t, p.b, 7)
	p.r.RunFor(0)
	p.clk.Advance(2 * time.Minute) // no poll runs: nothing is due
	c, err := p.a.DialTCP(netip.AddrPortFrom(addrB, 7), tcp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if !p.r.RunUntil(5*time.Second, func() bool { return c.ConnectFuture().Done() }) || c.ConnectFuture().Err() != nil {
		t.Fatalf("dial after idle: done=%v err=%v", c.ConnectFuture().Done(), c.ConnectFuture().Err())
	}
}
