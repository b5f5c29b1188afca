package lnetopeer

import (
	"errors"
	"net/netip"
	"time"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/reactor"
	"github.com/soypat/lneto/x/xnet"
)

// Defaults of Config.
const (
	// DefaultMTU is the IP MTU lneto is configured with: Ethernet's 1500.
	DefaultMTU = 1500
	// DefaultMaxConns is how many TCP ports the lneto stack holds open.
	DefaultMaxConns = 4
	// DefaultFramesPerPoll bounds the frames Poll takes in, and separately
	// sends, per call, as legation's stack bounds its own.
	DefaultFramesPerPoll = 32
)

// Control-segment retry: lneto leaves retransmitting a SYN or SYN-ACK to its
// caller. These follow RFC 6298's initial RTO of 1 s with doubling, capped
// where lneto's StackRetrying users typically give up.
const (
	controlRetryFirst = time.Second
	controlRetryMax   = 8 * time.Second
)

// Config sets up a Peer.
type Config struct {
	// Addr is lneto's static IPv4 address.
	Addr netip.Addr
	// Neighbor is the hardware address every IPv4 frame is sent to: the
	// legation stack's MAC. lneto then needs no ARP of its own (it still
	// answers legation's ARP requests), as in lneto's own tests.
	Neighbor hal.HardwareAddr
	// MTU is the IP MTU (default DefaultMTU); it must fit the device's frame.
	MTU int
	// MaxConns bounds open TCP ports (default DefaultMaxConns).
	MaxConns int
	// Seed seeds lneto's random choices (ISNs); zero means 1.
	Seed int64
	// FramesPerPoll bounds the work of one Poll (default DefaultFramesPerPoll).
	FramesPerPoll int
}

// Stats counts what the Peer moved.
type Stats struct {
	RxFrames, TxFrames uint64
	// RxErrors counts frames lneto refused (not for it, out of window,
	// malformed...): lneto reports these as errors from IngressEthernet.
	RxErrors uint64
	// TxErrors counts errors lneto returned while building a frame.
	TxErrors uint64
	// TxBlocked counts polls that found the device without transmit room.
	TxBlocked uint64
	// ControlRetries counts SYN and SYN-ACK retransmissions the Peer asked
	// lneto for.
	ControlRetries uint64
	// LastRxErr and LastTxErr are the latest such errors, for diagnosis.
	LastRxErr, LastTxErr error
}

// Peer is one lneto stack over one hal.Device, polled as a reactor.Task.
// Everything runs on the reactor goroutine.
type Peer struct {
	dev     hal.Device
	clocked hal.Clocked
	st      xnet.StackAsync
	cfg     Config
	clock   reactor.Clock // reads the time for lneto's timers; nil before Spawn
	now     reactor.Instant
	handle  *reactor.Handle
	conns   []*Conn
	onPoll  func()
	n       Stats
}

var _ reactor.Task = (*Peer)(nil)

// New returns a Peer over dev. It does not run until spawned (Spawn) or polled.
func New(dev hal.Device, cfg Config) (*Peer, error) {
	if !cfg.Addr.Is4() {
		return nil, errors.New("lnetopeer: Config.Addr must be an IPv4 address")
	}
	if cfg.MTU <= 0 {
		cfg.MTU = DefaultMTU
	}
	if cfg.MTU+14 > dev.Capabilities().MTU {
		return nil, errors.New("lnetopeer: MTU does not fit the device's frames")
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	if cfg.FramesPerPoll <= 0 {
		cfg.FramesPerPoll = DefaultFramesPerPoll
	}
	p := &Peer{dev: dev, cfg: cfg}
	p.clocked, _ = dev.(hal.Clocked)
	err := p.st.Reset(xnet.StackConfig{
		Hostname:          "lneto1",
		RandSeed:          cfg.Seed,
		StaticAddress4:    cfg.Addr.As4(),
		HardwareAddress:   dev.HardwareAddr(),
		MaxActiveTCPPorts: uint16(cfg.MaxConns),
		MTU:               uint16(cfg.MTU),
	})
	if err != nil {
		return nil, err
	}
	// No subnet configured: every destination is "off-link" for lneto and
	// goes to the gateway MAC, which is the legation stack.
	p.st.SetGatewayHardwareAddr(cfg.Neighbor)
	return p, nil
}

// Stack returns the lneto stack, for anything Peer does not wrap.
func (p *Peer) Stack() *xnet.StackAsync { return &p.st }

// Stats returns a copy of the Peer's counters.
func (p *Peer) Stats() Stats { return p.n }

// Spawn adds the Peer to r and makes the device wake it. lneto's timers then
// read r's clock.
func (p *Peer) Spawn(r *reactor.Reactor) *reactor.Handle {
	p.clock = r.Clock()
	p.handle = r.Spawn(p)
	p.dev.SetWaker(p.handle)
	return p.handle
}

// Wake has the reactor poll the Peer soon: lneto has no way to tell anyone
// that a user call gave it something to send, so Conn calls this after each.
func (p *Peer) Wake() {
	if p.handle != nil {
		p.handle.Wake()
	}
}

// OnPoll registers fn to run on every Poll, after received frames are taken
// in and before lneto is asked what to send: lneto has no readable or
// writable callbacks, so this is where an application reads what arrived and
// writes more, and what it writes goes out in the same poll.
func (p *Peer) OnPoll(fn func()) { p.onPoll = fn }

// nanotime is lneto's clock: the reactor's if spawned, else the instant of
// the latest Poll.
func (p *Peer) nanotime() int64 {
	if p.clock != nil {
		return int64(p.clock.Now())
	}
	return int64(p.now)
}

// Poll takes in the frames waiting on the device and sends what lneto has
// to send, frame by frame: after each received frame lneto is asked for
// everything it has to send (an ACK per data segment, as lneto intends: it
// has no delayed ACK), the way a device loop on a microcontroller drives it.
// It also retries control segments lneto is waiting on. It answers when it
// next needs to run: lneto's earliest retransmission deadline, a control
// retry, or the device's own (hal.Clocked) deadline.
func (p *Peer) Poll(now reactor.Instant) reactor.Instant {
	p.now = now
	next := reactor.Never
	if p.clocked != nil {
		if n, ok := p.clocked.Tick(int64(now)); ok {
			next = reactor.Instant(n)
		}
	}
	rx, tx := 0, 0
	more := false
	for {
		got := false
		if f, ok := p.dev.Receive(); ok {
			got = true
			rx++
			p.n.RxFrames++
			p.watch(f, true)
			if err := p.st.IngressEthernet(f); err != nil {
				p.n.RxErrors++
				p.n.LastRxErr = err
			}
			p.dev.ReleaseRx()
			p.observe()
		}
		if p.onPoll != nil {
			p.onPoll()
		}
		ctl := reactor.Never
		for _, c := range p.conns {
			ctl = reactor.Min(ctl, c.control(now, &p.n))
		}
		full := !p.send(&tx)
		if !got || full || rx == p.cfg.FramesPerPoll {
			next = reactor.Min(next, ctl)
			more = tx == p.cfg.FramesPerPoll || rx == p.cfg.FramesPerPoll
			break
		}
	}
	for _, c := range p.conns {
		if d := c.c.InternalHandler().NextDeadline(); d != 0 {
			// A deadline still due after the sends above had its chance:
			// either the device had no room (it wakes us when it has) or
			// lneto skips its timer in that state (TIME-WAIT, closed).
			if at := reactor.Instant(d); now.Before(at) {
				next = reactor.Min(next, at)
			}
		}
	}
	if more {
		return now
	}
	return next
}

// send asks lneto for frames until it has none, the device has no room or
// the poll's budget (counted in *tx) is spent; it reports false in the last
// two cases.
func (p *Peer) send(tx *int) bool {
	for *tx < p.cfg.FramesPerPoll {
		buf, ok := p.dev.Transmit()
		if !ok {
			// The device wakes us when room frees up.
			p.n.TxBlocked++
			return false
		}
		n, err := p.st.EgressEthernet(buf)
		if err != nil {
			p.n.TxErrors++
			p.n.LastTxErr = err
		}
		if n > 0 {
			p.watch(buf[:n], false)
		}
		p.dev.Commit(n)
		if n == 0 {
			return true
		}
		*tx++
		p.n.TxFrames++
		p.observe()
	}
	return false
}

// observe records each connection's latest open state, so a connection that
// lneto drops without a word can be told from one that closed.
func (p *Peer) observe() {
	for _, c := range p.conns {
		c.observe()
	}
}

// watch notes resets to or from a connection's port, for the same purpose.
func (p *Peer) watch(frame []byte, in bool) {
	if len(frame) < 14+20+20 || frame[12] != 0x08 || frame[13] != 0x00 || frame[14+9] != 6 {
		return
	}
	ihl := int(frame[14]&0xf) * 4
	if ihl < 20 || 14+ihl+20 > len(frame) {
		return
	}
	tcp := frame[14+ihl:]
	if tcp[13]&0x04 == 0 { // RST
		return
	}
	port := uint16(tcp[2])<<8 | uint16(tcp[3]) // destination
	if !in {
		port = uint16(tcp[0])<<8 | uint16(tcp[1]) // source
	}
	for _, c := range p.conns {
		if c.port == port {
			if in {
				c.rstIn = true
			} else {
				c.rstOut = true
			}
		}
	}
}
