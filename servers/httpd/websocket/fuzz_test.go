package websocket

import (
	"bytes"
	"net/netip"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/tcp"
	"github.com/seed947b3480/legation/wire"
)

// FuzzFrameParser: ParseFrameHeader never panics, never reads past its
// input, and what it accepts re-encodes to exactly the bytes it parsed
// (lengths are refused unless minimal, so the encoding is unique); fed the
// same bytes one at a time, it asks for more until it has enough and then
// gives the same answer. Seeds: testdata/fuzz/FuzzFrameParser (the RFC
// 6455 5.7 headers and one of each refusal).
func FuzzFrameParser(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := ParseFrameHeader(b)
		switch {
		case err == nil:
			if n < 2 || n > len(b) || n > MaxHeaderLen || n != h.Len() {
				t.Fatalf("n=%d for %d bytes, header %+v", n, len(b), h)
			}
			if enc := AppendFrameHeader(nil, h); !bytes.Equal(enc, b[:n]) {
				t.Fatalf("re-encoded % x, parsed % x", enc, b[:n])
			}
			if h.Opcode.IsControl() && (h.Length > MaxControlPayload || !h.Fin) || h.Length>>63 != 0 || !h.Opcode.known() {
				t.Fatalf("accepted %+v", h)
			}
		case err == ErrNeedMore:
			if n != 0 || len(b) >= MaxHeaderLen {
				t.Fatalf("need more with %d bytes", len(b))
			}
		default:
			if _, ok := err.(Error); !ok || err.(Error).CloseCode() != CloseProtocolError || n != 0 {
				t.Fatalf("error %v", err)
			}
		}
		// Byte by byte: more until the same answer.
		for i := 0; i <= len(b); i++ {
			h2, n2, err2 := ParseFrameHeader(b[:i])
			if err2 == ErrNeedMore {
				continue
			}
			if err2 != err || n2 != n || h2 != h {
				t.Fatalf("prefix %d: %+v %d %v, whole: %+v %d %v", i, h2, n2, err2, h, n, err)
			}
			break
		}
	})
}

// FuzzUTF8Validator: fed in two pieces cut anywhere, the validator agrees
// with utf8.Valid on the whole, and refuses a prefix only if it is not the
// prefix of any valid text (a valid text refused in its first piece would
// be a false alarm). Seeds: utf8Samples, in testdata/fuzz.
func FuzzUTF8Validator(f *testing.F) {
	f.Fuzz(func(t *testing.T, s []byte, cut uint8) {
		i := int(cut) % (len(s) + 1)
		var v UTF8Validator
		ok := v.Feed(s[:i]) && v.Feed(s[i:]) && v.Done()
		if ok != utf8.Valid(s) {
			t.Fatalf("%q cut at %d: %v", s, i, ok)
		}
		if utf8.Valid(s) {
			var w UTF8Validator
			if !w.Feed(s[:i]) {
				t.Fatalf("valid %q refused at its prefix of %d", s, i)
			}
		}
	})
}

// pipe is two sans-IO tcp.Conns joined directly, segment by segment: a
// cheaper harness than two stacks, for fuzzing a whole Conn.
type pipe struct {
	cli, srv *tcp.Conn
	now      reactor.Instant
	buf      [1600]byte
}

var (
	pipeCli = netip.MustParseAddrPort("192.0.2.1:40000")
	pipeSrv = netip.MustParseAddrPort("192.0.2.2:80")
)

func newPipe(tb testing.TB, ring int) *pipe {
	cfg := tcp.Config{DelayedAck: -1, TimeWait: -1, MSS: 1460}
	p := &pipe{now: reactor.Instant(time.Hour)}
	cfg.RxBuffer, cfg.TxBuffer = make([]byte, ring), make([]byte, ring)
	p.cli = tcp.NewConn(cfg)
	cfg.RxBuffer, cfg.TxBuffer = make([]byte, ring), make([]byte, ring)
	p.srv = tcp.NewConn(cfg)
	if err := p.cli.Connect(p.now, pipeCli, pipeSrv, 1000); err != nil {
		tb.Fatal(err)
	}
	n, ok := p.cli.Output(p.now, p.buf[:], pipeCli.Addr(), pipeSrv.Addr())
	if !ok {
		tb.Fatal("no SYN")
	}
	var syn tcp.Repr
	if pkt, err := wire.NewTCPPacket(p.buf[:n]); err != nil || syn.Parse(pkt) != nil {
		tb.Fatal("bad SYN")
	}
	if err := p.srv.AcceptSYN(p.now, pipeSrv, pipeCli, &syn, 5000); err != nil {
		tb.Fatal(err)
	}
	p.shuttle()
	if p.srv.State() != tcp.Established {
		tb.Fatalf("server %v", p.srv.State())
	}
	return p
}

// shuttle carries segments both ways until neither side has one to send.
func (p *pipe) shuttle() {
	for moved := true; moved; {
		moved = p.move(p.cli, p.srv, pipeCli, pipeSrv) || p.move(p.srv, p.cli, pipeSrv, pipeCli)
	}
}

func (p *pipe) move(from, to *tcp.Conn, src, dst netip.AddrPort) bool {
	n, ok := from.Output(p.now, p.buf[:], src.Addr(), dst.Addr())
	if !ok {
		return false
	}
	var r tcp.Repr
	pkt, err := wire.NewTCPPacket(p.buf[:n])
	if err == nil && r.Parse(pkt) == nil {
		to.Input(p.now, &r)
	}
	return true
}

// advance moves time on and runs the timers of both sides and of g.
func (p *pipe) advance(d time.Duration, g *Group) {
	p.now = p.now.Add(d)
	p.cli.Poll(p.now)
	p.srv.Poll(p.now)
	g.Poll(p.now)
	p.shuttle()
}

// FuzzConnInput throws arbitrary client bytes at a Conn: the first byte
// says how many of the rest are Adopt's leftover and in what pieces the
// rest arrive; the client answers nothing. Nothing panics; buffers stay
// within MaxMessage and the pool's limit and all go back; every message
// delivered has a valid opcode (and valid UTF-8 if text); what the server
// sends is a well-formed sequence of unmasked frames; and the connection
// ends, one way or another, once the client closes and time passes.
// Seeds: testdata/fuzz/FuzzConnInput, one per behaviour (echo, fragments
// with a ping, close, each kind of refusal).
func FuzzConnInput(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 || len(in) > 1<<16 {
			return
		}
		ctl, in := in[0], in[1:]
		const maxMsg = 1000
		p := newPipe(t, 2048)
		pool := tcp.NewBufferPool(256, 2)
		var h Handler
		h.OnMessage = func(c *Conn, text bool, msg []byte) {
			if len(msg) > maxMsg || text && !utf8.Valid(msg) {
				t.Fatalf("delivered %d bytes, text %v", len(msg), text)
			}
			c.Send(text, msg) // an echo, when there is room
		}
		closed := 0
		h.OnClose = func(c *Conn, code CloseCode, reason []byte) { closed++ }
		g := NewGroup(Config{MaxMessage: maxMsg, Pool: pool, CloseTimeout: time.Second, PingInterval: 2 * time.Second}, h)
		split := min(int(ctl&0x0F)*7, len(in))
		c := g.Adopt(p.now, p.srv, in[:split])
		chunk := 1 + int(ctl>>4)*40
		var out []byte
		var rbuf [512]byte
		read := func() {
			for {
				n, _ := p.cli.Read(rbuf[:])
				if n == 0 {
					return
				}
				out = append(out, rbuf[:n]...)
			}
		}
		check := func() {
			if len(c.mbuf) > maxMsg || c.mlen > maxMsg || g.stats.BuffersInUse < 0 || g.stats.BuffersInUse > 2 {
				t.Fatalf("buffers: %d/%d, in use %d", c.mlen, len(c.mbuf), g.stats.BuffersInUse)
			}
		}
		for rest := in[split:]; len(rest) > 0; {
			n, _ := p.cli.Write(rest[:min(chunk, len(rest))])
			rest = rest[n:]
			p.shuttle()
			read()
			check()
			if n == 0 {
				p.advance(100*time.Millisecond, g)
				if p.cli.State() == tcp.Closed {
					break
				}
			}
		}
		p.cli.CloseWrite()
		for i := 0; i < 100 && c.state != stClosed; i++ {
			p.advance(100*time.Millisecond, g)
			read()
		}
		check()
		if c.state != stClosed || closed != 1 || g.Len() != 0 || g.stats.BuffersInUse != 0 || pool.Stats().Lent != 0 {
			t.Fatalf("after the client's FIN: state %d, OnClose %d times, len %d, buffers %d, pool %+v", c.state, closed, g.Len(), g.stats.BuffersInUse, pool.Stats())
		}
		// The server's output: unmasked frames, each well-formed.
		for off := 0; off < len(out); {
			fh, n, err := ParseFrameHeader(out[off:])
			if err == ErrNeedMore || err == nil && uint64(len(out)-off-n) < fh.Length {
				t.Fatalf("server output ends in a partial frame at %d of %d", off, len(out))
			}
			if err != nil || fh.Masked {
				t.Fatalf("server sent a bad frame at %d: %v %+v", off, err, fh)
			}
			off += n + int(fh.Length)
		}
	})
}
