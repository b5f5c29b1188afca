package tcp

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// Scripted exchanges in the manner of RFC 9293's figures and smoltcp's
// send!/recv! tests: the test plays the peer, feeds the Conn one segment
// at a time, and compares each segment the Conn sends, field by field,
// with the one the RFC says it must send.

var (
	scriptLocal  = netip.MustParseAddrPort("192.0.2.1:49152")
	scriptRemote = netip.MustParseAddrPort("198.51.100.7:80")
)

// The two initial sequence numbers of every script: ours near the top of
// the sequence space, so every script also crosses the 2^32 wrap. They
// are variables so that sums wrap as sequence numbers do.
var (
	localISS  Seq = 0xffff_ff00
	remoteISS Seq = 5000
)

// script drives one Conn in virtual time.
type script struct {
	t   *testing.T
	c   *Conn
	now reactor.Instant
	buf [2048]byte
}

// scriptConfig is the plain TCP of RFC 9293: no options, small buffers so
// windows are easy to follow, an MSS of 100, every segment acknowledged at
// once. Tests switch on what they examine.
func scriptConfig() Config {
	return Config{
		RxBuffer:           make([]byte, 1000),
		TxBuffer:           make([]byte, 1000),
		MSS:                100,
		DisableSACK:        true,
		DisableTimestamps:  true,
		DisableWindowScale: true,
		DelayedAck:         -1,
	}
}

func newScript(t *testing.T, cfg Config) *script {
	t.Helper()
	return &script{t: t, c: NewConn(cfg), now: reactor.Instant(time.Second)}
}

// advance moves virtual time on by d and polls the timers.
func (s *script) advance(d time.Duration) {
	s.now = s.now.Add(d)
	s.c.Poll(s.now)
}

// send delivers seg from the peer.
func (s *script) send(seg Repr) {
	s.t.Helper()
	s.c.Input(s.now, &seg)
}

// output returns the next segment the Conn sends, parsed back from the
// wire bytes after checking checksum, ports and header.
func (s *script) output() (Repr, bool) {
	s.t.Helper()
	n, ok := s.c.Output(s.now, s.buf[:], scriptLocal.Addr(), scriptRemote.Addr())
	if !ok {
		if n != 0 {
			s.t.Fatalf("Output returned %d bytes and ok=false", n)
		}
		return Repr{}, false
	}
	p, err := wire.NewTCPPacket(s.buf[:n])
	if err != nil {
		s.t.Fatalf("Output wrote a bad segment: %v", err)
	}
	if !p.VerifyChecksum(scriptLocal.Addr(), scriptRemote.Addr()) {
		s.t.Fatalf("Output wrote a bad checksum")
	}
	if p.SrcPort() != scriptLocal.Port() || p.DstPort() != scriptRemote.Port() {
		s.t.Fatalf("ports %d->%d, want %d->%d", p.SrcPort(), p.DstPort(), scriptLocal.Port(), scriptRemote.Port())
	}
	var r Repr
	if err := r.Parse(p); err != nil {
		s.t.Fatalf("Output wrote bad options: %v", err)
	}
	r.Payload = bytes.Clone(r.Payload)
	return r, true
}

// recv expects the Conn to send exactly want next.
func (s *script) recv(want Repr) {
	s.t.Helper()
	got, ok := s.output()
	if !ok {
		s.t.Fatalf("at %v in %v: sent nothing, want %v", s.now, s.c.State(), fmtRepr(&want))
	}
	if !sameRepr(&got, &want) {
		s.t.Fatalf("at %v in %v:\n got %v\nwant %v", s.now, s.c.State(), fmtRepr(&got), fmtRepr(&want))
	}
}

// recvNothing expects the Conn to have nothing to send.
func (s *script) recvNothing() {
	s.t.Helper()
	if got, ok := s.output(); ok {
		s.t.Fatalf("at %v in %v: sent %v, want nothing", s.now, s.c.State(), fmtRepr(&got))
	}
}

// state expects the connection state.
func (s *script) state(want State) {
	s.t.Helper()
	if got := s.c.State(); got != want {
		s.t.Fatalf("at %v: state %v, want %v", s.now, got, want)
	}
}

// write queues p and expects all of it to be taken.
func (s *script) write(p []byte) {
	s.t.Helper()
	if n, err := s.c.Write(p); n != len(p) || err != nil {
		s.t.Fatalf("Write(%d bytes) = %d, %v", len(p), n, err)
	}
}

// read expects the next len(want) readable bytes to be want.
func (s *script) read(want []byte) {
	s.t.Helper()
	got := make([]byte, len(want))
	n, err := s.c.Read(got)
	if err != nil && len(want) > 0 {
		s.t.Fatalf("Read: %v", err)
	}
	if !bytes.Equal(got[:n], want) {
		s.t.Fatalf("Read %q, want %q", got[:n], want)
	}
}

func sameRepr(a, b *Repr) bool {
	return a.Seq == b.Seq && a.Ack == b.Ack && a.Flags == b.Flags && a.Window == b.Window &&
		a.Urgent == b.Urgent && a.Options == b.Options && bytes.Equal(a.Payload, b.Payload)
}

func fmtRepr(r *Repr) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v seq=%d ack=%d win=%d", r.Flags, r.Seq, r.Ack, r.Window)
	o := &r.Options
	if o.HasMSS {
		fmt.Fprintf(&b, " mss=%d", o.MSS)
	}
	if o.HasWindowScale {
		fmt.Fprintf(&b, " ws=%d", o.WindowScale)
	}
	if o.SACKPermitted {
		b.WriteString(" sackOK")
	}
	if o.HasTimestamps {
		fmt.Fprintf(&b, " ts=%d/%d", o.TSVal, o.TSEcr)
	}
	for _, blk := range o.SACK[:o.NumSACK] {
		fmt.Fprintf(&b, " sack=%d-%d", blk.Left, blk.Right)
	}
	if r.Urgent != 0 {
		fmt.Fprintf(&b, " urg=%d", r.Urgent)
	}
	fmt.Fprintf(&b, " len=%d", len(r.Payload))
	if len(r.Payload) > 0 && len(r.Payload) <= 16 {
		fmt.Fprintf(&b, " %q", r.Payload)
	}
	return b.String()
}

// Flag sets, for scripts that read like the RFC's figures.
const (
	SYN    = wire.TCPSyn
	ACK    = wire.TCPAck
	FIN    = wire.TCPFin
	RST    = wire.TCPRst
	PSH    = wire.TCPPsh
	SYNACK = SYN | ACK
	FINACK = FIN | ACK
	RSTACK = RST | ACK
	PSHACK = PSH | ACK
)

func mssOpt(mss uint16) wire.TCPOptions { return wire.TCPOptions{MSS: mss, HasMSS: true} }

// handshakeRTT is how long the SYN-ACK takes in connected: that one RTT
// sample makes SRTT 100 ms and RTTVAR 50 ms, so the RTO is
// 100 + 4*50 = 300 ms (RFC 6298 2.2).
const handshakeRTT = 100 * time.Millisecond

// connected returns a script whose Conn completed an active open: our SYN
// (ISS localISS) was answered after handshakeRTT by a SYN-ACK with ISS
// remoteISS, an MSS of 100 and a window of 1000. Both sides' next sequence
// numbers are then localISS+1 and remoteISS+1.
func connected(t *testing.T, cfg Config) *script {
	t.Helper()
	s := newScript(t, cfg)
	if err := s.c.Connect(s.now, scriptLocal, scriptRemote, localISS); err != nil {
		t.Fatal(err)
	}
	s.recv(Repr{Seq: localISS, Flags: SYN, Window: 1000, Options: mssOpt(100)})
	s.now = s.now.Add(handshakeRTT)
	s.send(Repr{Seq: remoteISS, Ack: localISS + 1, Flags: SYNACK, Window: 1000, Options: mssOpt(100)})
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: ACK, Window: 1000})
	s.state(Established)
	return s
}

// accepted returns a script whose Conn completed a passive open from the
// peer's SYN (ISS remoteISS, MSS 100, window 1000).
func accepted(t *testing.T, cfg Config) *script {
	t.Helper()
	s := newScript(t, cfg)
	syn := Repr{Seq: remoteISS, Flags: SYN, Window: 1000, Options: mssOpt(100)}
	if err := s.c.AcceptSYN(s.now, scriptLocal, scriptRemote, &syn, localISS); err != nil {
		t.Fatal(err)
	}
	s.recv(Repr{Seq: localISS, Ack: remoteISS + 1, Flags: SYNACK, Window: 1000, Options: mssOpt(100)})
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: ACK, Window: 1000})
	s.state(Established)
	s.recvNothing()
	return s
}

// seqPayload returns n bytes whose values follow their sequence number
// from start, so any misplaced byte shows.
func seqPayload(start Seq, n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(uint32(start) + uint32(i)*7)
	}
	return p
}

const never = reactor.Never
