package tcpbench

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

func init() { register("legation", legationTransport{}) }

// legationTransport is two legation stacks joined by hal/loopback (MTU 1500,
// no offload: every checksum is computed and verified), both on one reactor
// with a VirtualClock and driven by the op on the benchmark's goroutine: no
// goroutine and no lock in the data path. Connections take tcp.Config's
// defaults (16 KiB rings, SACK, timestamps, window scaling, delayed ACKs)
// except Nagle's algorithm, which is off (NoDelay) as it is for the others:
// Go's net package sets TCP_NODELAY on every kernel socket, and gVisor's TCP
// leaves Nagle off unless TCPDelayEnabled is set. With Nagle on, the
// sub-MSS tail of every 64 KiB op (65536 = 45*1448 + 376) waits for the
// ACK that the receiver delays, 40 ms, in one op of four. The listener
// gives accepted connections the same configuration.
//
// Virtual time stands still while the CPU works and jumps over idle waits
// (a delayed ACK, a retransmission timeout), which a real clock would spend.
// So that a stall cannot hide, BenchmarkTCPBulk and the others report the
// virtual time that passed as virtual-ns/op; it should stay near zero.
type legationTransport struct{}

func (legationTransport) mtu() int { return loopback.DefaultMTU - 14 }

// legationConfig is the configuration of both ends of every connection.
var legationConfig = tcp.Config{NoDelay: true}

var (
	legationClientAddr = netip.MustParseAddr("10.0.0.1")
	legationServerAddr = netip.MustParseAddr("10.0.0.2")
)

const (
	benchPort = 5001
	// stallLimit is how much virtual time an op may take before it counts
	// as stalled.
	stallLimit = 10 * time.Second
)

// legationNet is the two stacks and their reactor.
type legationNet struct {
	r      *reactor.Reactor
	clk    *reactor.VirtualClock
	cli    *stack.Stack
	srv    *stack.Stack
	ln     *stack.TCPListener
	virtNs int64 // virtual time spent in ops, for virtual-ns/op
}

func newLegationNet(tb testing.TB) *legationNet {
	devA, devB := loopback.NewPair(loopback.Config{})
	clk := reactor.NewVirtualClock(0)
	r := reactor.New(clk)
	a, err := stack.New(devA, stack.Config{Addr: netip.PrefixFrom(legationClientAddr, 24), Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	b, err := stack.New(devB, stack.Config{Addr: netip.PrefixFrom(legationServerAddr, 24), Seed: 2})
	if err != nil {
		tb.Fatal(err)
	}
	a.Spawn(r)
	b.Spawn(r)
	ln, err := b.ListenTCP(benchPort, stack.ListenConfig{Conn: legationConfig})
	if err != nil {
		tb.Fatal(err)
	}
	n := &legationNet{r: r, clk: clk, cli: a, srv: b, ln: ln}
	if b, ok := tb.(*testing.B); ok {
		tb.Cleanup(func() {
			b.ReportMetric(float64(n.virtNs)/float64(max(b.N, 1)), "virtual-ns/op")
		})
	}
	return n
}

// run turns the reactor until cond holds.
func (n *legationNet) run(cond func() bool) error {
	start := n.clk.Now()
	ok := n.r.RunUntil(stallLimit, cond)
	n.virtNs += int64(n.clk.Now().Sub(start))
	if !ok {
		return errStalled
	}
	return nil
}

var errStalled = errors.New("stalled: no progress within 10 s of virtual time")

// establish opens one connection and returns both ends.
func (n *legationNet) establish(tb testing.TB, cfg tcp.Config) (cli, srv *tcp.Conn) {
	cli, err := n.cli.DialTCP(netip.AddrPortFrom(legationServerAddr, benchPort), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	err = n.run(func() bool {
		if srv == nil {
			srv, _ = n.ln.Accept()
		}
		return srv != nil && cli.ConnectFuture().Done()
	})
	if err != nil || cli.ConnectFuture().Err() != nil {
		tb.Fatalf("connect: %v %v", err, cli.ConnectFuture().Err())
	}
	n.virtNs = 0
	return cli, srv
}

// legationBulk sends src from cli and reads it at srv into dst.
type legationBulk struct {
	n          *legationNet
	cli, srv   *tcp.Conn
	src, dst   []byte
	sent, got  int
	transferOK func() bool
}

func (legationTransport) bulk(tb testing.TB, src, dst []byte) func() error {
	n := newLegationNet(tb)
	x := &legationBulk{n: n, src: src, dst: dst}
	x.cli, x.srv = n.establish(tb, legationConfig)
	x.transferOK = x.pump // one method value, made once: the op allocates nothing
	return x.op
}

func (x *legationBulk) op() error {
	x.sent, x.got = 0, 0
	if x.pump() {
		return nil
	}
	if err := x.n.run(x.transferOK); err != nil {
		return fmt.Errorf("bulk: sent %d, received %d of %d: %w", x.sent, x.got, len(x.src), err)
	}
	return nil
}

// pump writes what the send ring takes and reads what has arrived, and
// reports whether the server has it all.
func (x *legationBulk) pump() bool {
	for x.sent < len(x.src) {
		n, _ := x.cli.Write(x.src[x.sent:])
		if n == 0 {
			break
		}
		x.sent += n
	}
	for x.got < len(x.dst) {
		n, _ := x.srv.Read(x.dst[x.got:])
		if n == 0 {
			break
		}
		x.got += n
	}
	return x.got == len(x.dst)
}

// legationPingPong sends req from cli; srv echoes it.
type legationPingPong struct {
	n         *legationNet
	cli, srv  *tcp.Conn
	req, resp []byte
	echo      []byte
	sent, got int
	done      func() bool
}

func (legationTransport) pingPong(tb testing.TB, req, resp []byte) func() error {
	n := newLegationNet(tb)
	x := &legationPingPong{n: n, req: req, resp: resp, echo: make([]byte, len(req))}
	x.cli, x.srv = n.establish(tb, legationConfig)
	x.done = x.pump
	return x.op
}

func (x *legationPingPong) op() error {
	x.sent, x.got = 0, 0
	if x.pump() {
		return nil
	}
	if err := x.n.run(x.done); err != nil {
		return fmt.Errorf("ping-pong: sent %d, received %d of %d: %w", x.sent, x.got, len(x.req), err)
	}
	return nil
}

func (x *legationPingPong) pump() bool {
	if x.sent < len(x.req) {
		n, _ := x.cli.Write(x.req[x.sent:])
		x.sent += n
	}
	// The server echoes whatever it has, as far as its send ring takes it.
	for {
		first, second, err := x.srv.WriteLease()
		room := len(first) + len(second)
		if err != nil || room == 0 {
			break
		}
		n, _ := x.srv.Read(x.echo[:min(room, len(x.echo))])
		if n == 0 {
			break
		}
		x.srv.Write(x.echo[:n])
	}
	for x.got < len(x.resp) {
		n, _ := x.cli.Read(x.resp[x.got:])
		if n == 0 {
			break
		}
		x.got += n
	}
	return x.got == len(x.resp)
}

// legationConnect opens and closes one connection per op.
type legationConnect struct {
	n        *legationNet
	cfg      tcp.Config
	cli, srv *tcp.Conn
	closed   bool // the client has called Close
	done     bool // the server saw EOF and closed
	cond     func() bool
	scratch  [64]byte
}

func (legationTransport) connect(tb testing.TB) func() error {
	n := newLegationNet(tb)
	// The client skips TIME-WAIT, which tcp.Config offers for benchmarks
	// that reuse ports: in virtual time no op waits long enough for 60 s of
	// TIME-WAIT to pass, so closed connections would pile up in the table
	// (every poll walks it) and use up the ephemeral ports.
	cfg := legationConfig
	cfg.TimeWait = -1
	x := &legationConnect{n: n, cfg: cfg}
	x.cond = x.pump
	return x.op
}

func (x *legationConnect) op() error {
	cli, err := x.n.cli.DialTCP(netip.AddrPortFrom(legationServerAddr, benchPort), x.cfg)
	if err != nil {
		return err
	}
	x.cli, x.srv, x.closed, x.done = cli, nil, false, false
	if err := x.n.run(x.cond); err != nil {
		return fmt.Errorf("connect: client %v (%v), server %v: %w", cli.State(), cli.Err(), x.srv != nil, err)
	}
	return nil
}

func (x *legationConnect) pump() bool {
	if x.srv == nil {
		x.srv, _ = x.n.ln.Accept()
	}
	if !x.closed && x.cli.ConnectFuture().Done() {
		if err := x.cli.ConnectFuture().Err(); err != nil {
			return false // the run reports the stall; Err says why
		}
		x.cli.Close()
		x.closed = true
	}
	if x.srv != nil && !x.done {
		if _, err := x.srv.Read(x.scratch[:]); errors.Is(err, io.EOF) {
			x.srv.Close()
			x.done = true
		}
	}
	return x.done
}
