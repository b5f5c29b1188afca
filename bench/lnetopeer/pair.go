package lnetopeer

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/soypat/lneto/ethernet"
	"github.com/soypat/lneto/tcp"
	"github.com/soypat/lneto/x/xnet"
)

// PairConfig sizes a Pair. Zero fields take the defaults.
type PairConfig struct {
	// BufferSize is each connection's receive and send ring (default
	// DefaultBufferSize, at most MaxRxBuffer).
	BufferSize int
	// MTU is the IP MTU (default DefaultMTU).
	MTU int
	// NoLossRecovery leaves both connections without lneto's
	// retransmission timer (on by default, as Peer's are).
	NoLossRecovery bool
}

// Pair is two lneto stacks back to back, A the client and B the server, on
// the caller's goroutine: each frame A's stack writes into one buffer is
// handed straight to B's, and back, the way lneto's own benchmarks exchange
// frames. There is no device, no clock and no loss: it measures lneto alone.
// Its clock for lneto's timers is a counter that moves 1 µs per frame, so
// the retransmission timer sees plausible round trips and never fires.
//
// A Pair is not safe for concurrent use. After New, Connect, Transfer,
// RoundTrip, Close and ConnectClose allocate nothing (see the tests).
type Pair struct {
	a, b   xnet.StackAsync
	ca, cb tcp.Conn
	ra, rb tcp.RTO
	frame  []byte
	sink   []byte // where the receiver's Read copies to
	src    []byte // what the sender writes
	addrB  netip.AddrPort
	lport  uint16
	now    int64

	// drop, if set (tests only), loses the frames it reports true for:
	// toB says which way the frame goes.
	drop func(toB bool, frame []byte) bool
	// bareRead, if set (tests only), reads with lneto's Read alone,
	// without lnetoRead's workaround.
	bareRead bool

	// Frames counts frames moved between the stacks, both ways.
	Frames uint64
}

// Pair addresses and ports.
var (
	pairAddrA = [4]byte{10, 0, 1, 1}
	pairAddrB = [4]byte{10, 0, 1, 2}
	pairMACA  = [6]byte{0x02, 0, 0, 0, 1, 1}
	pairMACB  = [6]byte{0x02, 0, 0, 0, 1, 2}
)

const (
	pairServerPort = 80
	pairClientPort = 40000
	// pairStepLimit bounds the exchanges of one operation, so a stall in
	// lneto is an error rather than a hang.
	pairStepLimit = 1 << 20
)

// errStalled is returned when the stacks stop moving frames before an
// operation completes.
var errStalled = errors.New("lnetopeer: lneto pair stalled")

// NewPair returns two lneto stacks wired back to back, not yet connected.
func NewPair(cfg PairConfig) (*Pair, error) {
	if cfg.BufferSize <= 0 {
		cfg.BufferSize = DefaultBufferSize
	}
	if cfg.BufferSize > MaxRxBuffer {
		return nil, errors.New("lnetopeer: BufferSize larger than lneto's 65535-byte window")
	}
	if cfg.MTU <= 0 {
		cfg.MTU = DefaultMTU
	}
	p := &Pair{
		frame: make([]byte, cfg.MTU+ethernet.MaxOverheadSize),
		sink:  make([]byte, cfg.BufferSize),
		src:   make([]byte, cfg.BufferSize),
		addrB: netip.AddrPortFrom(netip.AddrFrom4(pairAddrB), pairServerPort),
		lport: pairClientPort,
	}
	for i := range p.src {
		p.src[i] = byte(i*7 + i>>8)
	}
	mk := func(s *xnet.StackAsync, name string, seed int64, addr [4]byte, mac, peer [6]byte) error {
		err := s.Reset(xnet.StackConfig{
			Hostname:          name,
			RandSeed:          seed,
			StaticAddress4:    addr,
			HardwareAddress:   mac,
			MaxActiveTCPPorts: 1,
			MTU:               uint16(cfg.MTU),
		})
		s.SetGatewayHardwareAddr(peer)
		return err
	}
	if err := mk(&p.a, "pairA1", 1, pairAddrA, pairMACA, pairMACB); err != nil {
		return nil, err
	}
	if err := mk(&p.b, "pairB2", 2, pairAddrB, pairMACB, pairMACA); err != nil {
		return nil, err
	}
	segs := (cfg.BufferSize + cfg.MTU - 41) / (cfg.MTU - 40)
	nanotime := func() int64 { return p.now }
	for _, c := range []struct {
		c   *tcp.Conn
		rto *tcp.RTO
	}{{&p.ca, &p.ra}, {&p.cb, &p.rb}} {
		lc := tcp.ConnConfig{
			RxBuf:             make([]byte, cfg.BufferSize),
			TxBuf:             make([]byte, cfg.BufferSize),
			TxPacketQueueSize: segs,
			RWBackoff:         yieldBackoff,
		}
		if !cfg.NoLossRecovery {
			lc.LossRecovery, lc.Nanotime = c.rto, nanotime
		}
		if err := c.c.Configure(lc); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Client and Server return the two connections, for inspection.
func (p *Pair) Client() *tcp.Conn { return &p.ca }
func (p *Pair) Server() *tcp.Conn { return &p.cb }

// drain hands every frame from's stack has to send to to's stack and
// reports how many there were.
func (p *Pair) drain(from, to *xnet.StackAsync) (int, error) {
	moved := 0
	for {
		n, err := from.EgressEthernet(p.frame)
		if err != nil {
			return moved, err
		}
		if n == 0 {
			return moved, nil
		}
		p.now += 1000
		moved++
		p.Frames++
		if p.drop != nil && p.drop(to == &p.b, p.frame[:n]) {
			continue
		}
		// lneto reports frames it drops (duplicates, window probes) as
		// errors; between two healthy stacks there should be none, but a
		// drop is not a failure of the exchange.
		_ = to.IngressEthernet(p.frame[:n])
	}
}

// step moves frames A->B then B->A once and reports whether any moved.
func (p *Pair) step() (bool, error) {
	n1, err := p.drain(&p.a, &p.b)
	if err != nil {
		return false, err
	}
	n2, err := p.drain(&p.b, &p.a)
	return n1+n2 > 0, err
}

// until exchanges frames, running work (which reports whether it made
// progress) before each exchange, until done reports true; it fails if
// neither the stacks nor work make progress first.
func (p *Pair) until(work func() (bool, error), done func() bool) error {
	for i := 0; i < pairStepLimit; i++ {
		progress := false
		if work != nil {
			var err error
			if progress, err = work(); err != nil {
				return err
			}
		}
		if done() {
			return nil
		}
		moved, err := p.step()
		if err != nil {
			return err
		}
		if !moved && !progress {
			return errStalled
		}
	}
	return errStalled
}

// Connect opens a connection from A to B (B listening, A dialing) and runs
// the handshake.
func (p *Pair) Connect() error {
	if err := p.b.ListenTCP4(&p.cb, pairServerPort); err != nil {
		return err
	}
	if err := p.a.DialTCP4(&p.ca, p.lport, pairAddrB, pairServerPort); err != nil {
		return err
	}
	return p.until(nil, func() bool {
		return p.ca.State() == tcp.StateEstablished && p.cb.State() == tcp.StateEstablished
	})
}

// Close closes the connection from A's side and runs the close until both
// ends are closed; B closes as soon as it sees A's FIN (lneto does that by
// itself when it has nothing left to send).
func (p *Pair) Close() error {
	if err := p.ca.Close(); err != nil {
		return err
	}
	err := p.until(nil, func() bool {
		return p.ca.State().IsClosed() && p.cb.State().IsClosed()
	})
	if err != nil {
		return fmt.Errorf("%w: close: client %v, server %v", err, p.ca.State(), p.cb.State())
	}
	return nil
}

// ConnectClose opens and closes one connection.
func (p *Pair) ConnectClose() error {
	if err := p.Connect(); err != nil {
		return err
	}
	return p.Close()
}

// Transfer moves n bytes from A to B over the open connection: A writes as
// its ring has room, B reads (into a sink) as data arrives.
func (p *Pair) Transfer(n int) error {
	return p.flow(&p.ca, &p.cb, p.src, p.sink, n)
}

// TransferBack moves n bytes from B to A.
func (p *Pair) TransferBack(n int) error {
	return p.flow(&p.cb, &p.ca, p.src, p.sink, n)
}

// Send writes src from A and returns once B's application has read all of
// it into dst, which must be at least as long.
func (p *Pair) Send(src, dst []byte) error {
	if len(dst) < len(src) {
		return errShortDst
	}
	return p.flow(&p.ca, &p.cb, src, dst, len(src))
}

var errShortDst = errors.New("lnetopeer: destination shorter than source")

// flow moves n bytes from one end to the other, written from src and read
// into dst, each used over and over as a ring when n exceeds it.
func (p *Pair) flow(from, to *tcp.Conn, src, dst []byte, n int) error {
	sent, got := 0, 0
	return p.until(func() (bool, error) {
		s0, g0 := sent, got
		for sent < n {
			off := sent % len(src)
			w := min(n-sent, len(src)-off, from.FreeOutput())
			if w == 0 {
				break
			}
			m, err := from.Write(src[off : off+w])
			if err != nil {
				return false, err
			}
			sent += m
		}
		for got < n {
			off := got % len(dst)
			m, err := p.read(to, dst[off:min(len(dst), off+n-got)])
			if err != nil {
				return false, err
			}
			if m == 0 {
				break
			}
			got += m
		}
		return sent != s0 || got != g0, nil
	}, func() bool { return got == n })
}

// Echo sends req from A; B's application writes back whatever it reads, as
// its send ring has room; Echo returns once A's application has read the
// echo into resp, which must be at least as long as req.
func (p *Pair) Echo(req, resp []byte) error {
	if len(resp) < len(req) {
		return errShortDst
	}
	n := len(req)
	sent, got := 0, 0
	return p.until(func() (bool, error) {
		s0, g0 := sent, got
		if sent < n {
			if w := min(n-sent, p.ca.FreeOutput()); w > 0 {
				m, err := p.ca.Write(req[sent : sent+w])
				if err != nil {
					return false, err
				}
				sent += m
			}
		}
		echoed := false
		for {
			room := min(p.cb.FreeOutput(), len(p.sink))
			if room == 0 {
				break
			}
			m, err := p.read(&p.cb, p.sink[:room])
			if err != nil {
				return false, err
			}
			if m == 0 {
				break
			}
			if _, err := p.cb.Write(p.sink[:m]); err != nil {
				return false, err
			}
			echoed = true
		}
		for got < n {
			m, err := p.read(&p.ca, resp[got:n])
			if err != nil {
				return false, err
			}
			if m == 0 {
				break
			}
			got += m
		}
		return echoed || sent != s0 || got != g0, nil
	}, func() bool { return got == n })
}

// RoundTrip sends a req-byte request from A to B, and once B has read all
// of it, a resp-byte response from B to A; it returns when A has read the
// response.
func (p *Pair) RoundTrip(req, resp int) error {
	if err := p.Transfer(req); err != nil {
		return err
	}
	return p.TransferBack(resp)
}

// CheckTransfer moves n bytes of a known pattern A to B and verifies every
// byte; it is Transfer with a check, for tests.
func (p *Pair) CheckTransfer(n int) error {
	sent, got := 0, 0
	var bad error
	return p.until(func() (bool, error) {
		s0, g0 := sent, got
		if sent < n {
			w := min(n-sent, p.ca.FreeOutput(), len(p.src))
			for i := 0; i < w; i++ {
				p.src[i] = pattern(sent + i)
			}
			if w > 0 {
				m, err := p.ca.Write(p.src[:w])
				if err != nil {
					return false, err
				}
				sent += m
			}
		}
		for {
			m, err := p.read(&p.cb, p.sink)
			if err != nil {
				return false, err
			}
			if m == 0 {
				break
			}
			for i, c := range p.sink[:m] {
				if c != pattern(got+i) && bad == nil {
					bad = fmt.Errorf("lnetopeer: byte %d is %#x, want %#x", got+i, c, pattern(got+i))
				}
			}
			got += m
		}
		return sent != s0 || got != g0, bad
	}, func() bool { return got == n })
}

// read reads what c has, working around lneto's reassembly bug (see
// lnetoRead) unless a test asked for the bare Read.
func (p *Pair) read(c *tcp.Conn, b []byte) (int, error) {
	if p.bareRead {
		if c.BufferedInput() == 0 {
			return 0, nil
		}
		return c.Read(b)
	}
	return lnetoRead(c, b)
}

func pattern(i int) byte { return byte(i*131 + i>>9) }
