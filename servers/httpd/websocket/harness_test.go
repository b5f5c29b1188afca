package websocket

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/hal/loopback"
	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/stack"
	"github.com/seed947b3480/legation/tcp"
)

// The harness: two legation stacks over the in-memory link on a virtual
// clock. The server stack accepts on port 80 and hands each connection to a
// Group (after reading an HTTP-looking request head, when the test asks for
// one); the client stack dials and runs the tiny client below, which
// writes masked frames and parses the server's.

var (
	srvAddr = netip.MustParseAddr("10.0.0.1")
	cliAddr = netip.MustParseAddr("10.0.0.2")
)

const wsPort = 80

type env struct {
	t      testing.TB
	r      *reactor.Reactor
	clk    *reactor.VirtualClock
	srv    *stack.Stack
	cli    *stack.Stack
	l      *stack.TCPListener
	g      *Group
	conns  []*Conn // adopted, in order
	closes []closeEvent
	// readHead makes the server read an HTTP request head before Adopt
	// and pass what follows it as leftover.
	readHead bool
}

type closeEvent struct {
	c      *Conn
	code   CloseCode
	reason string
	at     reactor.Instant
}

type envOptions struct {
	listen   stack.ListenConfig
	readHead bool
}

// newEnv starts the two stacks and a Group with cfg and h. h's OnOpen and
// OnClose are wrapped to record connections and closes.
func newEnv(t testing.TB, cfg Config, h Handler, opt envOptions) *env {
	t.Helper()
	devS, devC := loopback.NewPair(loopback.Config{})
	clk := reactor.NewVirtualClock(0)
	r := reactor.New(clk)
	srv, err := stack.New(devS, stack.Config{Addr: netip.PrefixFrom(srvAddr, 24), Seed: 1, GratuitousARPs: -1})
	if err != nil {
		t.Fatal(err)
	}
	cli, err := stack.New(devC, stack.Config{Addr: netip.PrefixFrom(cliAddr, 24), Seed: 2, GratuitousARPs: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv.Spawn(r)
	cli.Spawn(r)
	e := &env{t: t, r: r, clk: clk, srv: srv, cli: cli, readHead: opt.readHead}
	if cfg.Clock == nil {
		cfg.Clock = clk
	}
	open, closed := h.OnOpen, h.OnClose
	h.OnOpen = func(c *Conn) {
		e.conns = append(e.conns, c)
		if open != nil {
			open(c)
		}
	}
	h.OnClose = func(c *Conn, code CloseCode, reason []byte) {
		e.closes = append(e.closes, closeEvent{c, code, string(reason), clk.Now()})
		if closed != nil {
			closed(c, code, reason)
		}
	}
	e.g = NewGroup(cfg, h)
	task := r.Spawn(reactor.TaskFunc(e.g.Poll))
	e.g.SetWaker(task)
	l, err := srv.ListenTCP(wsPort, opt.listen)
	if err != nil {
		t.Fatal(err)
	}
	e.l = l
	l.OnAccept(func() {
		for {
			tc, ok := l.Accept()
			if !ok {
				return
			}
			if e.readHead {
				e.adoptAfterHead(tc)
			} else {
				e.g.Adopt(srv.Now(), tc, nil)
			}
		}
	})
	return e
}

// adoptAfterHead reads up to the end of an HTTP request head, as httpd
// does, in pieces of at most 64 bytes so that what it has read past the
// head is a leftover of a few bytes: the start of the first frames. If the
// head carries a Sec-WebSocket-Key it answers with the 101 first.
func (e *env) adoptAfterHead(tc *tcp.Conn) {
	var head []byte
	var buf [64]byte
	tc.OnReadable(func() {
		for {
			n, _ := tc.Read(buf[:])
			if n == 0 {
				return
			}
			head = append(head, buf[:n]...)
			if i := bytes.Index(head, []byte("\r\n\r\n")); i >= 0 {
				tc.OnReadable(nil)
				const field = "\r\nSec-WebSocket-Key: "
				if j := bytes.Index(head[:i+2], []byte(field)); j >= 0 {
					key := head[j+len(field):]
					key = key[:bytes.IndexByte(key, '\r')]
					if !ValidKey(key) {
						e.t.Errorf("invalid key %q", key)
					}
					tc.Write(AppendUpgradeResponse(nil, key))
				}
				e.g.Adopt(e.srv.Now(), tc, head[i+4:])
				return
			}
		}
	})
}

// run turns the reactor until cond holds, at most limit of virtual time.
func (e *env) run(limit time.Duration, cond func() bool) bool {
	return e.r.RunUntil(limit, cond)
}

// mustRun is run that fails the test when cond does not come true.
func (e *env) mustRun(what string, cond func() bool) {
	e.t.Helper()
	if !e.run(time.Minute, cond) {
		e.t.Fatalf("%s: did not happen within a minute of virtual time", what)
	}
}

// client is the test's WebSocket client: masked frames out, the server's
// frames parsed back, pings answered, the closing handshake echoed.
type client struct {
	e  *env
	c  *tcp.Conn
	in []byte // received, not yet parsed
	// out holds bytes queued for the TCP send ring.
	out []byte
	key uint32 // the next masking key, a xorshift sequence

	// What arrived.
	msgs     []message
	onMsg    func(text bool, data []byte) // instead of recording in msgs
	frag     []byte
	fragOp   Opcode
	pings    [][]byte
	pongs    [][]byte
	gotClose bool
	code     CloseCode
	reason   string
	closeAt  reactor.Instant
	eof      bool
	err      error // the TCP error that ended the connection
	badFrame string
	// Behaviour.
	noPong    bool // do not answer pings
	noClose   bool // do not answer a close frame
	noRead    bool // leave received bytes in the TCP ring
	sentClose bool
	// head, when set, is the HTTP response head the server sends before
	// its frames: pull reads it first, up to the blank line.
	expectHead bool
	head       []byte
}

type message struct {
	text bool
	data []byte
}

// dial connects a client and waits until the server has adopted it.
func (e *env) dial() *client {
	e.t.Helper()
	return e.dialConfig(tcp.Config{})
}

func (e *env) dialConfig(cfg tcp.Config) *client {
	e.t.Helper()
	return e.dialTo(wsPort, cfg)
}

func (e *env) dialPort(port uint16) *client {
	e.t.Helper()
	return e.dialTo(port, tcp.Config{})
}

// stackListen is a listener configuration whose connections borrow their
// rings from pool.
func stackListen(pool *tcp.BufferPool) stack.ListenConfig {
	return stack.ListenConfig{Pool: pool}
}

func (e *env) dialTo(port uint16, cfg tcp.Config) *client {
	e.t.Helper()
	tc, err := e.cli.DialTCP(netip.AddrPortFrom(srvAddr, port), cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	k := &client{e: e, c: tc, key: 0x9E3779B9 + uint32(len(e.conns))*7919, in: make([]byte, 0, 64<<10), out: make([]byte, 0, 64<<10)}
	tc.OnReadable(k.pull)
	tc.OnWritable(k.flush)
	tc.OnPeerClosed(func() { k.pull(); k.eof = true; k.c.Close() })
	tc.OnClosed(func(err error) { k.err = err })
	adopted := len(e.conns)
	if !e.readHead {
		e.mustRun("adopt", func() bool { return len(e.conns) > adopted || k.err != nil })
	} else {
		e.mustRun("connect", func() bool { return tc.State() == tcp.Established || k.err != nil })
	}
	return k
}

// server returns the server side of the i-th adopted connection.
func (e *env) server(i int) *Conn { return e.conns[i] }

func (k *client) nextKey() [4]byte {
	k.key ^= k.key << 13
	k.key ^= k.key >> 17
	k.key ^= k.key << 5
	var m [4]byte
	binary.LittleEndian.PutUint32(m[:], k.key)
	return m
}

// frame queues a masked frame and sends what fits.
func (k *client) frame(op Opcode, fin bool, payload []byte) {
	h := FrameHeader{Fin: fin, Opcode: op, Masked: true, Mask: k.nextKey(), Length: uint64(len(payload))}
	k.out = AppendFrameHeader(k.out, h)
	start := len(k.out)
	k.out = append(k.out, payload...)
	MaskBytes(h.Mask, 0, k.out[start:])
	k.flush()
}

// raw queues bytes as they are.
func (k *client) raw(b []byte) {
	k.out = append(k.out, b...)
	k.flush()
}

func (k *client) send(text bool, msg []byte) { k.frame(dataOpcode(text), true, msg) }

func (k *client) close(code CloseCode, reason string) {
	var p []byte
	if code != 0 {
		p = binary.BigEndian.AppendUint16(nil, uint16(code))
		p = append(p, reason...)
	}
	k.sentClose = true
	k.frame(OpClose, true, p)
}

// flush writes as much of out as the TCP send ring takes.
func (k *client) flush() {
	if len(k.out) == 0 {
		return
	}
	n, _ := k.c.Write(k.out)
	if n > 0 {
		k.out = k.out[:copy(k.out, k.out[n:])]
	}
}

// pull reads what arrived and parses every whole frame.
func (k *client) pull() {
	if k.noRead {
		return
	}
	for {
		if cap(k.in)-len(k.in) < 4096 {
			k.in = append(k.in, make([]byte, 64<<10)...)[:len(k.in)]
		}
		n, _ := k.c.Read(k.in[len(k.in):cap(k.in)])
		if n == 0 {
			break
		}
		k.in = k.in[:len(k.in)+n]
	}
	if k.expectHead {
		i := bytes.Index(k.in, []byte("\r\n\r\n"))
		if i < 0 {
			return
		}
		k.head = append([]byte(nil), k.in[:i+4]...)
		k.in = k.in[:copy(k.in, k.in[i+4:])]
		k.expectHead = false
	}
	off := 0
	for {
		h, n, err := ParseFrameHeader(k.in[off:])
		if err == ErrNeedMore {
			break
		}
		if err != nil || h.Masked {
			k.badFrame = "server frame: " + err.Error()
			if err == nil {
				k.badFrame = "server frame masked"
			}
			off = len(k.in)
			break
		}
		if uint64(len(k.in)-off-n) < h.Length {
			break
		}
		p := k.in[off+n : off+n+int(h.Length)]
		off += n + int(h.Length)
		k.handle(h, p)
	}
	k.in = k.in[:copy(k.in, k.in[off:])]
}

// handle acts on one frame from the server.
func (k *client) handle(h FrameHeader, p []byte) {
	switch h.Opcode {
	case OpPing:
		k.pings = append(k.pings, append([]byte(nil), p...))
		if !k.noPong && !k.sentClose {
			k.frame(OpPong, true, p)
		}
	case OpPong:
		k.pongs = append(k.pongs, append([]byte(nil), p...))
	case OpClose:
		k.gotClose, k.closeAt = true, k.e.clk.Now()
		k.code = CloseNoStatus
		if len(p) >= 2 {
			k.code, k.reason = CloseCode(binary.BigEndian.Uint16(p)), string(p[2:])
		}
		if !k.noClose && !k.sentClose {
			k.close(k.code, "")
		}
	case OpText, OpBinary:
		k.fragOp = h.Opcode
		k.frag = append(k.frag[:0], p...)
		if h.Fin {
			k.message()
		}
	case OpContinuation:
		k.frag = append(k.frag, p...)
		if h.Fin {
			k.message()
		}
	}
}

func (k *client) message() {
	text := k.fragOp == OpText
	if k.onMsg != nil {
		k.onMsg(text, k.frag)
		return
	}
	k.msgs = append(k.msgs, message{text, append([]byte(nil), k.frag...)})
}

// ended reports whether the client has seen the end of the server's side.
func (k *client) ended() bool { return k.eof || k.err != nil }

// echoHandler echoes every message, in order: with Send when it fits in
// the send ring at once, else from a queue of copies, with SendPart.
func echoHandler() Handler {
	type queued struct {
		text bool
		buf  []byte
	}
	type pending struct {
		q   []queued
		off int // bytes of q[0] sent
	}
	pump := func(c *Conn) {
		p := c.Value().(*pending)
		for len(p.q) > 0 {
			m := &p.q[0]
			n, err := c.SendPart(m.text, m.buf[p.off:], true)
			p.off += n
			if err != nil {
				return
			}
			if p.off == len(m.buf) && !c.sendOpen {
				p.q, p.off = p.q[1:], 0
			}
		}
	}
	return Handler{
		OnOpen: func(c *Conn) { c.SetValue(&pending{}) },
		OnMessage: func(c *Conn, text bool, msg []byte) {
			p := c.Value().(*pending)
			if len(p.q) == 0 && c.Send(text, msg) == nil {
				return
			}
			p.q = append(p.q, queued{text, append([]byte(nil), msg...)})
			pump(c)
		},
		OnWritable: pump,
	}
}
