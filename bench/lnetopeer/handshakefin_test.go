package lnetopeer

import (
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/fault"
	ltcp "github.com/seed947b3480/legation/tcp"
	"github.com/soypat/lneto/tcp"
)

// A client that closes its sending side as soon as it is connected (it has
// nothing to say, only to hear) may send its FIN on the segment that
// completes the handshake: legation does, and RFC 9293 3.10.7.4 has a
// SYN-RECEIVED server take the ACK, enter ESTABLISHED and go on to process
// the FIN ("eighth, check the FIN bit") into CLOSE-WAIT. lneto
// (tcp/control_rcvhandlers.go rcvSynRcvd) enters ESTABLISHED and ignores
// the FIN, while its receive sequence still moves past it
// (tcp/control.go Recv: rcv.NXT += seg.LEN()), so it acknowledges a FIN it
// never acts on: it never sees end of stream, and after its own close waits
// in FIN-WAIT-2 for a FIN that already came.
func TestLnetoBugIgnoresFINOnHandshakeACK(t *testing.T) {
	n := newNet(t, fault.Config{})
	lc, err := n.lneto.NewConn(ConnConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := lc.Listen(8080); err != nil {
		t.Fatal(err)
	}
	c, err := n.leg.DialTCP(netip.AddrPortFrom(lnetoAddr, 8080), ltcp.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c.ConnectFuture().OnComplete(func(_ struct{}, err error) {
		if err == nil {
			c.CloseWrite()
		}
	})
	// Run until legation's FIN is acknowledged.
	if !n.runUntil(10*time.Second, func() bool { return c.State() == ltcp.FinWait2 }) {
		t.Fatalf("legation %v, lneto %v: legation's FIN was not acknowledged", c.State(), lc.State())
	}
	n.runUntil(time.Second, func() bool { return false })
	if _, err := lc.Read(make([]byte, 1)); err == nil && lc.State() == tcp.StateEstablished {
		// lneto acknowledged the FIN and still thinks the stream open.
		lc.Close()
		n.runUntil(time.Minute, func() bool { return false })
		t.Logf("lneto bug reproduced: lneto acknowledged legation's FIN yet stayed ESTABLISHED with no end of stream; "+
			"after its own close it waits in %v, legation is %v", lc.State(), c.State())
		if lc.State() != tcp.StateFinWait2 {
			t.Errorf("lneto is %v after its close; the defect left it in FIN-WAIT-2", lc.State())
		}
		return
	}
	t.Fatalf("lneto is %v: it now takes the FIN on the handshake's ACK; revisit the interop tests", lc.State())
}
