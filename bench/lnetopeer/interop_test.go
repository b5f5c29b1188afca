package lnetopeer

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/fault"
	"github.com/seed947b3480/legation/stack"
	ltcp "github.com/seed947b3480/legation/tcp"
	"github.com/soypat/lneto/tcp"
)

// endpoint is one side of a transfer, whichever stack it runs on: it sends
// out (all of it, then closes its sending side) and collects what arrives
// until the peer closes.
type endpoint struct {
	name    string
	out     []byte
	sent    int
	got     []byte
	eof     bool
	closed  bool // the sending side was closed after out
	buf     []byte
	write   func([]byte) (int, error)
	read    func([]byte) (int, error)
	closeTx func()
}

func (e *endpoint) pump() {
	for e.sent < len(e.out) {
		n, err := e.write(e.out[e.sent:])
		if err != nil || n == 0 {
			break
		}
		e.sent += n
	}
	if e.sent == len(e.out) && !e.closed {
		e.closed = true
		e.closeTx()
	}
	for !e.eof {
		n, err := e.read(e.buf)
		e.got = append(e.got, e.buf[:n]...)
		if err == io.EOF {
			e.eof = true
		}
		if n == 0 {
			break
		}
	}
}

// legationEnd wires e to a legation connection's callbacks.
func legationEnd(e *endpoint, c *ltcp.Conn, out []byte) *endpoint {
	*e = endpoint{name: "legation", out: out, buf: make([]byte, 4096)}
	e.write = c.Write
	e.read = func(b []byte) (int, error) {
		n, err := c.Read(b)
		if errors.Is(err, ltcp.ErrWouldBlock) {
			err = nil
		}
		return n, err
	}
	e.closeTx = func() { c.CloseWrite() }
	c.OnWritable(e.pump)
	c.OnReadable(e.pump)
	c.OnPeerClosed(e.pump)
	return e
}

// lnetoEnd wires an endpoint to an lneto Conn; lneto has no callbacks, so
// the Peer runs pump on every poll (Peer.OnPoll).
func lnetoEnd(c *Conn, out []byte) *endpoint {
	return &endpoint{name: "lneto", out: out, buf: make([]byte, 4096), write: c.Write, read: c.Read, closeTx: c.Close}
}

type transferCase struct {
	legationClient bool
	up, down       int // bytes client->server and server->client
	legationRx     int // legation's receive buffer; 0 means its default
	fault          fault.Config
	limit          time.Duration // of virtual time
}

// transfer runs one connection between legation and lneto and checks what
// arrived each way, byte for byte. Whatever happens, every byte delivered
// must be the right one. Beyond that, a failure is tolerated only where it is
// one of lneto's diagnosed defects (lnetobugs_test.go), recognised by what it
// leaves behind: the transfer is then skipped (data incomplete) or noted
// (data complete, close incomplete), never passed silently.
func transfer(t *testing.T, tc transferCase) {
	t.Helper()
	n := newNet(t, tc.fault)
	up := randomData(tc.up, 1)
	down := randomData(tc.down, 2)
	lc, err := n.lneto.NewConn(ConnConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var legEnd, lnEnd *endpoint
	var legConn *ltcp.Conn
	var listener *stack.TCPListener
	const port = 8080
	if tc.legationClient {
		if err := lc.Listen(port); err != nil {
			t.Fatal(err)
		}
		var rx []byte
		if tc.legationRx > 0 {
			rx = make([]byte, tc.legationRx)
		}
		legConn, err = n.leg.DialTCP(netip.AddrPortFrom(lnetoAddr, port), ltcp.Config{RxBuffer: rx})
		if err != nil {
			t.Fatal(err)
		}
		legEnd = legationEnd(new(endpoint), legConn, up)
		lnEnd = lnetoEnd(lc, down)
		legConn.ConnectFuture().OnComplete(func(struct{}, error) { legEnd.pump() })
	} else {
		listener, err = n.leg.ListenTCP(port, stack.ListenConfig{RxBufferSize: tc.legationRx})
		if err != nil {
			t.Fatal(err)
		}
		legEnd = &endpoint{name: "legation"}
		listener.OnAccept(func() {
			c, ok := listener.Accept()
			if !ok || legConn != nil {
				return
			}
			legConn = c
			legationEnd(legEnd, c, down)
			legEnd.pump()
		})
		if err := lc.Dial(40000, netip.AddrPortFrom(legAddr, port)); err != nil {
			t.Fatal(err)
		}
		lnEnd = lnetoEnd(lc, up)
	}
	n.lneto.OnPoll(lnEnd.pump)

	start := n.clk.Now()
	cli, srv := legEnd, lnEnd
	if !tc.legationClient {
		cli, srv = lnEnd, legEnd
	}
	dataDone := func() bool { return len(srv.got) == len(up) && len(cli.got) == len(down) }
	legClosed := func() bool { return legConn != nil && legConn.CloseFuture().Done() }
	done := func() bool {
		return dataDone() && legEnd.eof && lnEnd.eof && legClosed() && lc.State().IsClosed()
	}
	ok := n.runUntil(tc.limit, done)
	virtual := n.clk.Now().Sub(start)

	var legState ltcp.State
	var legErr error
	var legStats ltcp.Stats
	if legConn != nil {
		legState, legErr, legStats = legConn.State(), legConn.Err(), legConn.Stats()
	}
	summary := fmt.Sprintf("%v virtual; legation %v err=%v %+v; lneto %v (last %v) %+v; link %+v",
		virtual, legState, legErr, legStats, lc.State(), lc.LastState(), n.lneto.Stats(), n.fault.Stats())
	if listener != nil {
		summary += fmt.Sprintf("; legation listener %+v", listener.Stats())
	}
	t.Log(summary)

	// Every byte that arrived is the right one, complete or not.
	check := func(dir string, want, got []byte, from netip.Addr) {
		if bytes.Equal(got, want[:min(len(got), len(want))]) && len(got) <= len(want) {
			return
		}
		t.Errorf("%s: the %d bytes received differ from what was sent from byte %d on (SHA-256 %x, want prefix of %x)",
			dir, len(got), firstDiff(got, want), sha256.Sum256(got), sha256.Sum256(want))
		if d := os.Getenv("LNETOPEER_PCAP"); d != "" {
			for _, f := range n.flush {
				f()
			}
			for _, side := range []string{"legation", "lneto"} {
				segs, err := checkWire(d+"/"+sanitize(t.Name())+"."+side+".pcap", from, want)
				t.Logf("  wire at %s's end: %d segments from %v checked, err=%v", side, segs, from, err)
			}
		}
	}
	cliAddr, srvAddr := legAddr, lnetoAddr
	if !tc.legationClient {
		cliAddr, srvAddr = lnetoAddr, legAddr
	}
	check("client->server", up, srv.got, cliAddr)
	check("server->client", down, cli.got, srvAddr)
	if t.Failed() {
		return
	}
	progress := fmt.Sprintf("client->server %d/%d, server->client %d/%d bytes, intact", len(srv.got), len(up), len(cli.got), len(down))

	switch {
	case ok && legErr == nil:
		t.Logf("complete: %s, both sides closed", progress)
	case !dataDone():
		if from, dropped := lc.Dropped(); dropped {
			t.Skipf("lneto v0.3.2 defect: lneto dropped the connection from %v without a reset "+
				"(it refuses ACKs beyond RCV.NXT and aborts after 8 challenge ACKs: TestLnetoBugDropsPureACKsBeyondRcvNxt); %s", from, progress)
		}
		t.Errorf("transfer incomplete after %v: %s; legation %v err=%v, lneto %v", tc.limit, progress, legState, legErr, lc.State())
	case !legEnd.eof && lnetoSentFIN(lc):
		// Everything arrived; lneto's FIN did not and lneto never resends it.
		t.Logf("data complete (%s); close incomplete, lneto v0.3.2 defect: lneto's FIN was lost and is never retransmitted "+
			"(TestLnetoBugNeverRetransmitsFIN); legation waits in %v", progress, legState)
	case ok && errors.Is(legErr, ltcp.ErrUserTimeout) && lnetoClosedNormally(lc):
		// lneto forgot the connection right after its last ACK (it has
		// no TIME-WAIT and does not reset segments for a closed port):
		// that ACK was lost and legation's retransmissions went unanswered.
		t.Logf("data complete (%s); close unclean, lneto v0.3.2 defect: lneto's last ACK was lost and lneto, with no TIME-WAIT, "+
			"never answered legation's retransmission; legation gave up after its user timeout (%v)", progress, legErr)
	default:
		t.Errorf("data complete (%s) but the close failed: legation %v err=%v eof=%v, lneto %v (last %v) eof=%v",
			progress, legState, legErr, legEnd.eof, lc.State(), lc.LastState(), lnEnd.eof)
	}
}

// lnetoSentFIN reports whether lneto's connection got as far as sending its
// FIN: it is, or was last seen, in a state after one.
func lnetoSentFIN(c *Conn) bool {
	switch st := c.LastState(); st {
	case tcp.StateFinWait1, tcp.StateFinWait2, tcp.StateClosing, tcp.StateTimeWait, tcp.StateLastAck:
		return true
	}
	return false
}

// lnetoClosedNormally reports whether lneto's connection went through a
// normal close (LAST-ACK or TIME-WAIT) rather than being dropped.
func lnetoClosedNormally(c *Conn) bool {
	last := c.LastState()
	return c.State().IsClosed() && (last == tcp.StateTimeWait || last == tcp.StateLastAck)
}

// The loss rates of the sweep and the size of each transfer: 256 KiB each
// way keeps the whole sweep well under a second of CPU while crossing the
// 16 KiB windows many times over.
var (
	sweepLoss = []float64{0, 0.01, 0.05, 0.10}
	sweepSize = 256 << 10
)

func sweep(t *testing.T, legationRx int) {
	for _, loss := range sweepLoss {
		for _, legClient := range []bool{true, false} {
			role := "legation-client"
			if !legClient {
				role = "lneto-client"
			}
			t.Run(fmt.Sprintf("loss=%g%%/%s", loss*100, role), func(t *testing.T) {
				transfer(t, transferCase{
					legationClient: legClient,
					up:             sweepSize,
					down:           sweepSize,
					legationRx:     legationRx,
					fault:          fault.Config{Loss: loss, Seed: 3},
					limit:          2 * time.Hour,
				})
			})
		}
	}
}

// TestInterop moves 256 KiB each way at once between legation and lneto,
// each side's default 16 KiB windows, legation as client and as server,
// over a link that loses 0, 1, 5 and 10 % of the frames both ways.
func TestInterop(t *testing.T) { sweep(t, 0) }

// TestInteropWideWindow is TestInterop with legation's receive window four
// times lneto's send buffer, so lneto can never fill it: the pure ACKs lneto
// sends then always fall inside legation's window, and the ACK exchange that
// makes lneto drop the connection at 5 and 10 % loss in TestInterop cannot
// start. Here every transfer must deliver all its data.
func TestInteropWideWindow(t *testing.T) { sweep(t, 64<<10) }
