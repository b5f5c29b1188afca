package tcp

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

var (
	lnAddr  = netip.MustParseAddrPort("192.0.2.1:80")
	cliAddr = netip.MustParseAddrPort("198.51.100.7:40000")
)

// lnHarness puts client Conns in front of a Listener in virtual time.
type lnHarness struct {
	t   *testing.T
	l   *Listener
	now reactor.Instant
	buf [1600]byte
}

func newLn(t *testing.T, cfg ListenerConfig) *lnHarness {
	return &lnHarness{
		t:   t,
		l:   NewListener(cfg, NewISNGeneratorKey([16]byte{1}), NewSYNCookiesKey([16]byte{2})),
		now: reactor.Instant(100 * time.Second),
	}
}

// out returns c's next segment, parsed.
func (h *lnHarness) out(c *Conn, from, to netip.AddrPort) (Repr, bool) {
	n, ok := c.Output(h.now, h.buf[:], from.Addr(), to.Addr())
	if !ok {
		return Repr{}, false
	}
	var r Repr
	if err := r.Parse(wire.TCPPacket(h.buf[:n])); err != nil {
		h.t.Fatal(err)
	}
	r.Payload = bytes.Clone(r.Payload)
	return r, true
}

// dial makes a client from addr and runs its handshake with the listener:
// it reports whether the listener made the connection ready.
func (h *lnHarness) dial(addr netip.AddrPort, cfg Config) (*Conn, bool) {
	h.t.Helper()
	c := NewConn(cfg)
	if err := c.Connect(h.now, addr, lnAddr, Seq(addr.Port())*7919); err != nil {
		h.t.Fatal(err)
	}
	ready := false
	for i := 0; i < 4; i++ {
		seg, ok := h.out(c, addr, lnAddr)
		if !ok {
			break
		}
		reply, send, r := h.l.Input(h.now, lnAddr, addr, &seg)
		ready = ready || r
		if send {
			c.Input(h.now, &reply)
		}
	}
	return c, ready
}

// exchange moves data both ways between a client and an accepted Conn
// until both are quiet.
func (h *lnHarness) exchange(a, b *Conn) {
	for i := 0; i < 1000; i++ {
		moved := false
		if seg, ok := h.out(a, a.local.addrPort(), b.local.addrPort()); ok {
			b.Input(h.now, &seg)
			moved = true
		}
		if seg, ok := h.out(b, b.local.addrPort(), a.local.addrPort()); ok {
			a.Input(h.now, &seg)
			moved = true
		}
		if !moved {
			if a.SendQueued() == 0 && b.SendQueued() == 0 {
				return
			}
			// Delayed ACKs and Nagle wait for a timer.
			h.now = h.now.Add(50 * time.Millisecond)
			a.Poll(h.now)
			b.Poll(h.now)
		}
	}
	h.t.Fatal("no quiet after 1000 rounds")
}

// roundTrip checks data flows both ways over a connection accepted from l.
func (h *lnHarness) roundTrip(cli *Conn) *Conn {
	h.t.Helper()
	srv, ok := h.l.Accept(h.now, lnAddr.Addr(), lnAddr.Port(), nil, nil)
	if !ok {
		h.t.Fatal("nothing to Accept")
	}
	if srv.State() != Established || cli.State() != Established {
		h.t.Fatalf("states %v / %v, want both ESTABLISHED", cli.State(), srv.State())
	}
	msg := bytes.Repeat([]byte("legation"), 1000)
	cli.Write(msg)
	srv.Write(msg[:3000])
	h.exchange(cli, srv)
	got := make([]byte, 10000)
	n, _ := srv.Read(got)
	if !bytes.Equal(got[:n], msg) {
		h.t.Fatalf("server read %d bytes, want %d intact", n, len(msg))
	}
	n, _ = cli.Read(got)
	if !bytes.Equal(got[:n], msg[:3000]) {
		h.t.Fatalf("client read %d bytes, want 3000 intact", n)
	}
	return srv
}

func fullConfig() Config { return Config{MSS: 1460, DelayedAck: -1} }

// The SYN cache: a handshake costs a record, the SYN-ACK carries the
// options the SYN offered, and Accept builds a working connection.
func TestListenerHandshake(t *testing.T) {
	h := newLn(t, ListenerConfig{Conn: Config{MSS: 1460}})
	c := NewConn(fullConfig())
	c.Connect(h.now, cliAddr, lnAddr, 1234)
	syn, _ := h.out(c, cliAddr, lnAddr)
	reply, send, ready := h.l.Input(h.now, lnAddr, cliAddr, &syn)
	if !send || ready || reply.Flags != wire.TCPSyn|wire.TCPAck || reply.Ack != 1235 {
		t.Fatalf("SYN answered with %v send=%v ready=%v", fmtRepr(&reply), send, ready)
	}
	o := reply.Options
	if !o.HasMSS || o.MSS != 1460 || !o.HasWindowScale || !o.SACKPermitted || !o.HasTimestamps || o.TSEcr != syn.Options.TSVal {
		t.Fatalf("SYN-ACK options %+v", o)
	}
	if hs, rd := h.l.Pending(); hs != 1 || rd != 0 {
		t.Fatalf("Pending = %d, %d; want 1, 0", hs, rd)
	}
	if _, ok := h.l.Accept(h.now, lnAddr.Addr(), 80, nil, nil); ok {
		t.Fatal("Accept before the handshake completed")
	}
	c.Input(h.now, &reply)
	ack, _ := h.out(c, cliAddr, lnAddr)
	if _, send, ready := h.l.Input(h.now, lnAddr, cliAddr, &ack); send || !ready {
		t.Fatalf("final ACK: send=%v ready=%v", send, ready)
	}
	if hs, rd := h.l.Pending(); hs != 0 || rd != 1 {
		t.Fatalf("Pending = %d, %d; want 0, 1", hs, rd)
	}
	srv := h.roundTrip(c)
	if !srv.sackOK || !srv.tsOK || !srv.wsOK {
		t.Fatalf("accepted connection lost options: sack=%v ts=%v ws=%v", srv.sackOK, srv.tsOK, srv.wsOK)
	}
	if hs, rd := h.l.Pending(); hs != 0 || rd != 0 || len(h.l.byRemote) != 0 || len(h.l.free) != len(h.l.recs) {
		t.Fatal("Accept left a record behind")
	}
}

// A full SYN queue answers with cookies; the cookie's ACK makes a
// connection with the MSS and (through timestamps) the options intact.
func TestListenerCookies(t *testing.T) {
	bare := Config{MSS: 1460, DelayedAck: -1, DisableSACK: true, DisableTimestamps: true, DisableWindowScale: true}
	for _, cfg := range []Config{fullConfig(), bare} {
		h := newLn(t, ListenerConfig{SYNBacklog: 2, Conn: Config{MSS: 1460}})
		for p := uint16(1); p <= 2; p++ {
			c := NewConn(cfg)
			c.Connect(h.now, netip.AddrPortFrom(cliAddr.Addr(), p), lnAddr, 1)
			syn, _ := h.out(c, netip.AddrPortFrom(cliAddr.Addr(), p), lnAddr)
			h.l.Input(h.now, lnAddr, netip.AddrPortFrom(cliAddr.Addr(), p), &syn) // never completed
		}
		c, ready := h.dial(cliAddr, cfg)
		if !ready {
			t.Fatalf("cookie handshake not completed: %+v", h.l.Stats())
		}
		st := h.l.Stats()
		if st.CookiesSent != 1 || st.CookiesAccepted != 1 {
			t.Fatalf("stats %+v", st)
		}
		srv := h.roundTrip(c)
		if want := !cfg.DisableSACK; srv.sackOK != want || srv.wsOK != want {
			// bare disables every option; fullConfig offers all.
			t.Fatalf("cookie connection options sack=%v ws=%v", srv.sackOK, srv.wsOK)
		}
		if srv.smss+srv.baseOptionsLen32() != 1460 {
			t.Fatalf("cookie connection smss %d", srv.smss)
		}
	}
}

func (c *Conn) baseOptionsLen32() uint32 { return uint32(c.baseOptionsLen()) }

// A forged cookie is refused with a reset and creates nothing.
func TestListenerForgedCookie(t *testing.T) {
	h := newLn(t, ListenerConfig{})
	ack := Repr{Seq: 1000, Ack: 5555, Flags: wire.TCPAck}
	reply, send, ready := h.l.Input(h.now, lnAddr, cliAddr, &ack)
	if !send || ready || reply.Flags != wire.TCPRst || reply.Seq != 5555 {
		t.Fatalf("forged ACK answered %v send=%v ready=%v", fmtRepr(&reply), send, ready)
	}
	if h.l.Stats().CookiesRejected != 1 {
		t.Fatal("not counted")
	}
}

// Cookies off: a full SYN queue drops SYNs silently.
func TestListenerSYNQueueFullNoCookies(t *testing.T) {
	h := newLn(t, ListenerConfig{SYNBacklog: 1, DisableCookies: true})
	for p := uint16(1); p <= 3; p++ {
		syn := Repr{Seq: 1, Flags: wire.TCPSyn}
		_, send, _ := h.l.Input(h.now, lnAddr, netip.AddrPortFrom(cliAddr.Addr(), p), &syn)
		if send != (p == 1) {
			t.Fatalf("SYN %d: send=%v", p, send)
		}
	}
	if st := h.l.Stats(); st.SYNQueueFull != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// A full accept queue drops new SYNs until Accept makes room.
func TestListenerAcceptQueueFull(t *testing.T) {
	h := newLn(t, ListenerConfig{AcceptBacklog: 2})
	for p := uint16(1); p <= 2; p++ {
		if _, ready := h.dial(netip.AddrPortFrom(cliAddr.Addr(), p), fullConfig()); !ready {
			t.Fatalf("connection %d not ready", p)
		}
	}
	syn := Repr{Seq: 1, Flags: wire.TCPSyn}
	if _, send, _ := h.l.Input(h.now, lnAddr, netip.AddrPortFrom(cliAddr.Addr(), 3), &syn); send {
		t.Fatal("SYN answered with the accept queue full")
	}
	if h.l.Stats().AcceptQueueFull != 1 {
		t.Fatal("not counted")
	}
	h.l.Accept(h.now, lnAddr.Addr(), 80, nil, nil)
	if _, ready := h.dial(netip.AddrPortFrom(cliAddr.Addr(), 3), fullConfig()); !ready {
		t.Fatal("no room after Accept")
	}
}

// Lost SYN-ACKs are sent again at 1, 2, 4... s; a handshake never
// completed is abandoned after the last one.
func TestListenerResendAndExpire(t *testing.T) {
	h := newLn(t, ListenerConfig{SYNACKRetries: 3})
	syn := Repr{Seq: 77, Flags: wire.TCPSyn}
	first, _, _ := h.l.Input(h.now, lnAddr, cliAddr, &syn)
	start := h.now
	var at []time.Duration
	for h.now < start.Add(60*time.Second) {
		h.now = h.l.PollAt()
		if h.now == reactor.Never {
			break
		}
		for {
			remote, seg, ok := h.l.Resend(h.now)
			if !ok {
				break
			}
			if remote != cliAddr || seg.Seq != first.Seq || seg.Flags != first.Flags {
				t.Fatalf("resent %v to %v", fmtRepr(&seg), remote)
			}
			at = append(at, h.now.Sub(start))
		}
	}
	want := []time.Duration{time.Second, 3 * time.Second, 7 * time.Second}
	if len(at) != len(want) || at[0] != want[0] || at[1] != want[1] || at[2] != want[2] {
		t.Fatalf("resent at %v, want %v", at, want)
	}
	if st := h.l.Stats(); st.Expired != 1 || len(h.l.byRemote) != 0 {
		t.Fatalf("not expired: %+v", st)
	}
	// A retransmitted SYN is answered with the same SYN-ACK.
	h2 := newLn(t, ListenerConfig{})
	a, _, _ := h2.l.Input(h2.now, lnAddr, cliAddr, &syn)
	b, send, _ := h2.l.Input(h2.now, lnAddr, cliAddr, &syn)
	if !send || a.Seq != b.Seq {
		t.Fatal("retransmitted SYN not answered alike")
	}
}

// RFC 5961 3.2 for the SYN cache: only a reset at exactly RCV.NXT ends a
// record.
func TestListenerReset(t *testing.T) {
	h := newLn(t, ListenerConfig{})
	syn := Repr{Seq: 77, Flags: wire.TCPSyn}
	h.l.Input(h.now, lnAddr, cliAddr, &syn)
	for _, seq := range []Seq{79, 1000, 76} {
		rst := Repr{Seq: seq, Flags: wire.TCPRst}
		h.l.Input(h.now, lnAddr, cliAddr, &rst)
		if hs, _ := h.l.Pending(); hs != 1 {
			t.Fatalf("reset at %d ended the handshake", seq)
		}
	}
	rst := Repr{Seq: 78, Flags: wire.TCPRst}
	h.l.Input(h.now, lnAddr, cliAddr, &rst)
	if hs, _ := h.l.Pending(); hs != 0 || h.l.Stats().Resets != 1 {
		t.Fatal("reset at RCV.NXT did not end the handshake")
	}
}

// An ACK of something the SYN-ACK did not send is answered by a reset.
func TestListenerBadACK(t *testing.T) {
	h := newLn(t, ListenerConfig{})
	syn := Repr{Seq: 77, Flags: wire.TCPSyn}
	sa, _, _ := h.l.Input(h.now, lnAddr, cliAddr, &syn)
	ack := Repr{Seq: 78, Ack: sa.Seq + 5, Flags: wire.TCPAck}
	reply, send, ready := h.l.Input(h.now, lnAddr, cliAddr, &ack)
	if !send || ready || reply.Flags != wire.TCPRst || reply.Seq != sa.Seq+5 {
		t.Fatalf("bad ACK answered %v", fmtRepr(&reply))
	}
}

// Data before Accept is not acknowledged: the client sends it again and
// the accepted connection takes it, acknowledging at once.
func TestListenerEarlyData(t *testing.T) {
	h := newLn(t, ListenerConfig{Conn: Config{MSS: 1460}})
	c, ready := h.dial(cliAddr, fullConfig())
	if !ready {
		t.Fatal("not ready")
	}
	c.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
	seg, _ := h.out(c, cliAddr, lnAddr)
	if _, send, _ := h.l.Input(h.now, lnAddr, cliAddr, &seg); send {
		t.Fatal("early data answered")
	}
	if h.l.Stats().EarlyData != 1 {
		t.Fatal("early data not counted")
	}
	srv, _ := h.l.Accept(h.now, lnAddr.Addr(), 80, nil, nil)
	if ack, ok := h.out(srv, lnAddr, cliAddr); !ok || ack.Ack != c.iss+1 {
		t.Fatalf("no immediate ACK after Accept: %v", fmtRepr(&ack))
	}
	h.now = h.now.Add(2 * time.Second)
	c.Poll(h.now)
	h.exchange(c, srv)
	got := make([]byte, 100)
	if n, _ := srv.Read(got); string(got[:n]) != "GET / HTTP/1.1\r\n\r\n" {
		t.Fatalf("server read %q", got[:n])
	}
}

// Close resets the connections waiting for Accept and frees every record.
func TestListenerClose(t *testing.T) {
	h := newLn(t, ListenerConfig{})
	c, _ := h.dial(cliAddr, fullConfig())
	syn := Repr{Seq: 9, Flags: wire.TCPSyn}
	h.l.Input(h.now, lnAddr, netip.AddrPortFrom(cliAddr.Addr(), 9), &syn)
	n := 0
	h.l.Close(func(remote netip.AddrPort, seg *Repr) {
		n++
		c.Input(h.now, seg)
	})
	if n != 1 || c.State() != Closed {
		t.Fatalf("%d resets; client %v", n, c.State())
	}
	if hs, rd := h.l.Pending(); hs != 0 || rd != 0 || len(h.l.free) != len(h.l.recs) {
		t.Fatal("records left after Close")
	}
}

// A flood of SYNs from spoofed sources costs no memory beyond the table:
// the queue fills, every other SYN is answered by a cookie, and a real
// client still connects.
func TestListenerFlood(t *testing.T) {
	h := newLn(t, ListenerConfig{SYNBacklog: 64})
	i := 0
	flood := func() {
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), uint16(i))
		syn := Repr{Seq: Seq(i), Flags: wire.TCPSyn, Options: mssOpt(1460)}
		h.l.Input(h.now, lnAddr, src, &syn)
		i++
	}
	for i < 99000 {
		flood()
	}
	if n := testing.AllocsPerRun(999, flood); n > 0 {
		t.Errorf("%v allocations per spoofed SYN", n)
	}
	if st := h.l.Stats(); st.CookiesSent != 100000-64 {
		t.Fatalf("stats %+v", st)
	}
	c, ready := h.dial(cliAddr, fullConfig())
	if !ready {
		t.Fatal("real client could not connect during the flood")
	}
	h.roundTrip(c)
}
