package gvisorpeer

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/fault"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
	"gvisor.dev/gvisor/pkg/tcpip/adapters/gonet"
)

// sweep is the loss rates and, for each, what each side sends: big enough
// for congestion control to matter and for the loss to hit every recovery
// path many times, small enough that the whole sweep (its cases run in
// parallel) stays within seconds. At 5% and 10% loss legation's sender, with
// its default 16 KiB send ring, spends most of its time in retransmission
// timeouts: a flight of a few segments seldom draws three duplicate ACKs,
// and ACKs lost with the data stretch the timer, while gVisor's sender,
// with RACK and tail loss probes, delivers the other direction ten or more
// times sooner. So those move less.
var sweep = []struct {
	loss float64
	size int
}{
	{0, 4 << 20},
	{0.01, 4 << 20},
	{0.05, 512 << 10},
	{0.10, 128 << 10},
}

// legationEnd is one connection on the legation side that sends out and
// collects everything the peer sends, in callbacks on the reactor
// goroutine, then closes and reports on result.
type legationEnd struct {
	c             *tcp.Conn
	out, in, buf  []byte
	sent          int
	eof, finSent  bool
	closing, done bool
	result        chan error
	// eofAt is when the peer's data was all in; stats the connection's
	// counters at the end.
	eofAt time.Time
	stats tcp.Stats
}

func newLegationEnd(out []byte) *legationEnd {
	return &legationEnd{out: out, in: make([]byte, 0, len(out)), buf: make([]byte, 16<<10), result: make(chan error, 1)}
}

func (e *legationEnd) attach(c *tcp.Conn) {
	e.c = c
	c.OnWritable(e.push)
	c.OnReadable(e.pull)
	c.OnPeerClosed(e.pull)
	c.OnClosed(func(err error) {
		if err != nil {
			e.finish(fmt.Errorf("legation connection closed: %w", err))
		}
	})
	e.push()
	e.pull()
}

func (e *legationEnd) push() {
	for !e.done && e.sent < len(e.out) {
		n, _ := e.c.Write(e.out[e.sent:])
		if n == 0 {
			return // the writable callback comes back; errors arrive through OnClosed
		}
		e.sent += n
	}
	if !e.done && !e.finSent {
		e.finSent = true
		if err := e.c.CloseWrite(); err != nil {
			e.finish(fmt.Errorf("CloseWrite: %w", err))
			return
		}
		e.maybeClose()
	}
}

func (e *legationEnd) pull() {
	// Once reported, the test goroutine owns e: later callbacks (a
	// readable event after the close) must not touch it.
	for !e.done {
		n, err := e.c.Read(e.buf)
		if n > 0 {
			e.in = append(e.in, e.buf[:n]...)
		}
		if errors.Is(err, io.EOF) {
			if !e.eof {
				e.eofAt = time.Now()
			}
			e.eof = true
			e.maybeClose()
			return
		}
		if err != nil {
			return
		}
	}
}

// maybeClose closes once both FINs have been exchanged, and reports when
// the graceful close completes.
func (e *legationEnd) maybeClose() {
	if !e.eof || !e.finSent || e.closing {
		return
	}
	e.closing = true
	e.c.Close()
	e.c.CloseFuture().OnComplete(func(_ struct{}, err error) { e.finish(err) })
}

func (e *legationEnd) finish(err error) {
	if !e.done {
		e.done = true
		if e.c != nil {
			e.stats = e.c.Stats()
		}
		e.result <- err
	}
}

// gvisorEnd sends out over conn while reading everything the peer sends,
// then closes.
func gvisorEnd(conn *gonet.TCPConn, out []byte, deadline time.Time) ([]byte, error) {
	conn.SetDeadline(deadline)
	werr := make(chan error, 1)
	go func() {
		_, err := conn.Write(out)
		if err == nil {
			err = conn.CloseWrite()
		}
		werr <- err
	}()
	in, rerr := io.ReadAll(conn)
	err := <-werr
	conn.Close()
	if rerr != nil {
		return in, fmt.Errorf("gVisor read: %w", rerr)
	}
	if err != nil {
		return in, fmt.Errorf("gVisor write: %w", err)
	}
	return in, nil
}

// TestTCPBothWays moves data each way at once over one connection between
// legation and gVisor, legation as client and as server, over a link that
// loses 0, 1, 5 and 10% of the frames in each direction (hal/fault around
// the legation side's device), and checks both streams by SHA-256; each side
// closes once it has sent everything and read the other's FIN, and
// legation's graceful close must complete.
func TestTCPBothWays(t *testing.T) {
	for _, sw := range sweep {
		for _, role := range []string{"client", "server"} {
			t.Run(fmt.Sprintf("loss=%g%%/legation=%s", sw.loss*100, role), func(t *testing.T) {
				t.Parallel()
				testTCPBothWays(t, sw.loss, sw.size, role == "client")
			})
		}
	}
}

func testTCPBothWays(t *testing.T, loss float64, size int, legationClient bool) {
	seed := uint64(loss*1000) + 1
	h := newHarness(t, fault.Config{Loss: loss, Seed: seed})
	toGVisor, wantG := randomData(size, seed*2)
	toLegation, wantL := randomData(size, seed*2+1)
	deadline, _ := h.ctx.Deadline()
	start := time.Now()

	le := newLegationEnd(toGVisor)
	type gres struct {
		in  []byte
		err error
		at  time.Time // when gVisor had read everything
	}
	gdone := make(chan gres, 1)
	const port = 5001
	if legationClient {
		l, err := h.peer.ListenTCP(port)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			c, err := l.Accept()
			if err != nil {
				gdone <- gres{err: err}
				return
			}
			in, err := gvisorEnd(c.(*gonet.TCPConn), toLegation, deadline)
			gdone <- gres{in, err, time.Now()}
		}()
		h.do(func() {
			c, err := h.s.DialTCP(netip.AddrPortFrom(gvisorAddr, port), tcp.Config{})
			if err != nil {
				le.finish(err)
				return
			}
			c.ConnectFuture().OnComplete(func(_ struct{}, err error) {
				if err != nil {
					le.finish(fmt.Errorf("connect: %w", err))
				}
			})
			le.attach(c)
		})
	} else {
		h.do(func() {
			l, err := h.s.ListenTCP(port, stack.ListenConfig{})
			if err != nil {
				le.finish(err)
				return
			}
			l.OnAccept(func() {
				if c, ok := l.Accept(); ok && le.c == nil {
					le.attach(c)
				}
			})
		})
		go func() {
			c, err := h.peer.DialTCP(h.ctx, netip.AddrPortFrom(legationAddr, port))
			if err != nil {
				gdone <- gres{err: fmt.Errorf("gVisor dial: %w", err)}
				return
			}
			in, err := gvisorEnd(c, toLegation, deadline)
			gdone <- gres{in, err, time.Now()}
		}()
	}

	// Wait for both sides; a failure on either ends the wait.
	var g gres
	var lerr error
	for gotG, gotL := false, false; !gotG || !gotL; {
		select {
		case g = <-gdone:
			gotG = true
			if g.err != nil {
				t.Fatalf("gVisor side: %v after %d bytes; %s", g.err, len(g.in), h.report())
			}
		case lerr = <-le.result:
			gotL = true
			if lerr != nil {
				t.Fatalf("legation side: %v; %s", lerr, h.report())
			}
		case <-h.ctx.Done():
			t.Fatalf("did not finish (gVisor side done %v, legation side done %v): %s", gotG, gotL, h.report())
		}
	}
	el := time.Since(start)
	if got := sha256.Sum256(g.in); got != wantG || len(g.in) != size {
		t.Errorf("gVisor received %d bytes, SHA-256 %x, want %d bytes %x", len(g.in), got[:8], size, wantG[:8])
	}
	// le.in was written on the reactor goroutine before le.result was sent.
	if got := sha256.Sum256(le.in); got != wantL || len(le.in) != size {
		t.Errorf("legation received %d bytes, SHA-256 %x, want %d bytes %x", len(le.in), got[:8], size, wantL[:8])
	}
	t.Logf("%d KiB each way in %v (%.1f Mbit/s each way); to legation in %v, to gVisor in %v; legation conn %+v; %s",
		size>>10, el.Round(time.Millisecond), float64(size*8)/el.Seconds()/1e6,
		le.eofAt.Sub(start).Round(time.Millisecond), g.at.Sub(start).Round(time.Millisecond), le.stats, h.report())
}
