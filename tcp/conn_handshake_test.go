package tcp

import (
	"errors"
	"testing"
	"time"

	"github.com/seed947b3480/legation/wire"
)

// RFC 9293 figure 6: the basic three-way handshake, from the active side.
func TestActiveOpen(t *testing.T) {
	s := connected(t, scriptConfig())
	f := s.c.ConnectFuture()
	if !f.Done() || f.Err() != nil {
		t.Fatalf("ConnectFuture done=%v err=%v, want done with nil", f.Done(), f.Err())
	}
	s.recvNothing()
	if at := s.c.PollAt(); at != never {
		t.Fatalf("PollAt = %v on an idle connection, want never", at)
	}
}

// RFC 9293 figure 6 from the passive side: SYN-RECEIVED until our SYN is
// acknowledged.
func TestPassiveOpen(t *testing.T) {
	s := newScript(t, scriptConfig())
	syn := Repr{Seq: remoteISS, Flags: SYN, Window: 2000, Options: mssOpt(1460)}
	if err := s.c.AcceptSYN(s.now, scriptLocal, scriptRemote, &syn, localISS); err != nil {
		t.Fatal(err)
	}
	s.state(SynReceived)
	s.recv(Repr{Seq: localISS, Ack: remoteISS + 1, Flags: SYNACK, Window: 1000, Options: mssOpt(100)})
	s.recvNothing()
	if s.c.ConnectFuture().Done() {
		t.Fatal("ConnectFuture done before the handshake completed")
	}
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: ACK, Window: 2000})
	s.state(Established)
	if !s.c.ConnectFuture().Done() {
		t.Fatal("ConnectFuture not done after the handshake")
	}
	s.recvNothing()
}

func TestAcceptSYNRejects(t *testing.T) {
	for _, f := range []wire.TCPFlags{ACK, SYNACK, SYN | RST, SYN | FIN, 0} {
		c := NewConn(scriptConfig())
		syn := Repr{Seq: remoteISS, Flags: f}
		if err := c.AcceptSYN(0, scriptLocal, scriptRemote, &syn, localISS); !errors.Is(err, ErrNotSYN) {
			t.Errorf("AcceptSYN(%v) = %v, want ErrNotSYN", f, err)
		}
	}
	s := connected(t, scriptConfig())
	if err := s.c.Connect(s.now, scriptLocal, scriptRemote, 1); !errors.Is(err, ErrInUse) {
		t.Errorf("second Connect = %v, want ErrInUse", err)
	}
}

// RFC 9293 figure 8: simultaneous open. Each side's SYN crosses the
// other's; each answers with a SYN-ACK; each SYN-ACK's SYN is a duplicate
// that is trimmed away, leaving the ACK that completes the handshake.
func TestSimultaneousOpen(t *testing.T) {
	s := newScript(t, scriptConfig())
	if err := s.c.Connect(s.now, scriptLocal, scriptRemote, localISS); err != nil {
		t.Fatal(err)
	}
	s.recv(Repr{Seq: localISS, Flags: SYN, Window: 1000, Options: mssOpt(100)})
	s.send(Repr{Seq: remoteISS, Flags: SYN, Window: 1000, Options: mssOpt(100)})
	s.state(SynReceived)
	s.recv(Repr{Seq: localISS, Ack: remoteISS + 1, Flags: SYNACK, Window: 1000, Options: mssOpt(100)})
	s.send(Repr{Seq: remoteISS, Ack: localISS + 1, Flags: SYNACK, Window: 1000, Options: mssOpt(100)})
	s.state(Established)
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: ACK, Window: 1000})
	s.recvNothing()
}

// RFC 9293 3.10.7.3: in SYN-SENT, an ACK of something never sent is
// answered by <SEQ=SEG.ACK><CTL=RST> and the attempt goes on; with RST
// set it is dropped.
func TestSynSentUnacceptableAck(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.c.Connect(s.now, scriptLocal, scriptRemote, localISS)
	s.recv(Repr{Seq: localISS, Flags: SYN, Window: 1000, Options: mssOpt(100)})
	for _, ack := range []Seq{localISS, localISS + 2, localISS - 100} {
		s.send(Repr{Seq: remoteISS, Ack: ack, Flags: SYNACK, Window: 1000})
		s.recv(Repr{Seq: ack, Flags: RST})
		s.state(SynSent)
		s.send(Repr{Seq: remoteISS, Ack: ack, Flags: RSTACK})
		s.recvNothing()
		s.state(SynSent)
	}
}

// RFC 9293 3.10.7.3 with RFC 5961 3.2: in SYN-SENT a reset counts only if
// it acknowledges the SYN; then the connection is refused.
func TestSynSentReset(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.c.Connect(s.now, scriptLocal, scriptRemote, localISS)
	s.recv(Repr{Seq: localISS, Flags: SYN, Window: 1000, Options: mssOpt(100)})
	s.send(Repr{Seq: 0, Flags: RST})
	s.state(SynSent)
	s.recvNothing()
	var got error
	s.c.OnClosed(func(err error) { got = err })
	s.send(Repr{Seq: 0, Ack: localISS + 1, Flags: RSTACK})
	s.state(Closed)
	if !errors.Is(got, ErrRefused) || !errors.Is(s.c.Err(), ErrRefused) {
		t.Fatalf("OnClosed(%v), Err %v; want ErrRefused", got, s.c.Err())
	}
	if err := s.c.ConnectFuture().Err(); !errors.Is(err, ErrRefused) {
		t.Fatalf("ConnectFuture error %v, want ErrRefused", err)
	}
	s.recvNothing()
}

// RFC 9293 3.10.7.3: a segment with neither SYN nor RST is dropped in
// SYN-SENT.
func TestSynSentIgnoresPlainSegments(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.c.Connect(s.now, scriptLocal, scriptRemote, localISS)
	s.recv(Repr{Seq: localISS, Flags: SYN, Window: 1000, Options: mssOpt(100)})
	s.send(Repr{Seq: remoteISS, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: []byte("x")})
	s.state(SynSent)
	s.recvNothing()
}

// RFC 6298 5.5 and 5.7: the SYN is retransmitted after 1 s, then 2 s; an
// RTT sample cannot come from a retransmitted SYN (Karn), so data then
// starts with a 3 s RTO.
func TestSynRetransmission(t *testing.T) {
	s := newScript(t, scriptConfig())
	start := s.now
	s.c.Connect(s.now, scriptLocal, scriptRemote, localISS)
	syn := Repr{Seq: localISS, Flags: SYN, Window: 1000, Options: mssOpt(100)}
	s.recv(syn)
	if at := s.c.PollAt(); at != start.Add(time.Second) {
		t.Fatalf("first RTO at %v, want %v", at, start.Add(time.Second))
	}
	s.advance(time.Second - 1)
	s.recvNothing()
	s.advance(1)
	s.recv(syn)
	if at := s.c.PollAt(); at != s.now.Add(2*time.Second) {
		t.Fatalf("second RTO at %v, want 2 s later", at)
	}
	s.advance(2 * time.Second)
	s.recv(syn)
	s.send(Repr{Seq: remoteISS, Ack: localISS + 1, Flags: SYNACK, Window: 1000, Options: mssOpt(100)})
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: ACK, Window: 1000})
	s.write([]byte("hello"))
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: PSHACK, Window: 1000, Payload: []byte("hello")})
	if at := s.c.PollAt(); at != s.now.Add(3*time.Second) {
		t.Fatalf("RTO after a lost SYN: %v, want 3 s from now", at.Sub(s.now))
	}
}

// The connect timeout ends a handshake that never completes.
func TestConnectTimeout(t *testing.T) {
	cfg := scriptConfig()
	cfg.ConnectTimeout = 5 * time.Second
	s := newScript(t, cfg)
	start := s.now
	s.c.Connect(s.now, scriptLocal, scriptRemote, localISS)
	syns := 0
	for s.c.State() == SynSent {
		for {
			if _, ok := s.output(); !ok {
				break
			}
			syns++
		}
		at := s.c.PollAt()
		if at == never || at.Sub(start) > 5*time.Second {
			t.Fatalf("next deadline %v, beyond the connect timeout", at)
		}
		s.now = at
		s.c.Poll(at)
	}
	if s.now != start.Add(5*time.Second) || !errors.Is(s.c.Err(), ErrConnectTimeout) {
		t.Fatalf("closed at +%v with %v, want +5s with ErrConnectTimeout", s.now.Sub(start), s.c.Err())
	}
	if syns != 3 { // at 0, 1 s and 3 s
		t.Fatalf("%d SYNs sent, want 3", syns)
	}
	if err := s.c.ConnectFuture().Err(); !errors.Is(err, ErrConnectTimeout) {
		t.Fatalf("ConnectFuture error %v", err)
	}
}

// In SYN-RECEIVED the peer's SYN again means our SYN-ACK was lost: send
// it again (it is the "ACK" an unacceptable segment draws).
func TestSynReceivedDuplicateSYN(t *testing.T) {
	s := newScript(t, scriptConfig())
	syn := Repr{Seq: remoteISS, Flags: SYN, Window: 1000, Options: mssOpt(100)}
	s.c.AcceptSYN(s.now, scriptLocal, scriptRemote, &syn, localISS)
	synack := Repr{Seq: localISS, Ack: remoteISS + 1, Flags: SYNACK, Window: 1000, Options: mssOpt(100)}
	s.recv(synack)
	s.send(syn)
	s.recv(synack)
	s.state(SynReceived)
	s.advance(time.Second) // and the RTO resends it too
	s.recv(synack)
	s.recvNothing()
}

// RFC 9293 3.10.7.4: in SYN-RECEIVED an unacceptable ACK draws a reset
// <SEQ=SEG.ACK><CTL=RST>; the embryo stays.
func TestSynReceivedBadAck(t *testing.T) {
	s := newScript(t, scriptConfig())
	syn := Repr{Seq: remoteISS, Flags: SYN, Window: 1000, Options: mssOpt(100)}
	s.c.AcceptSYN(s.now, scriptLocal, scriptRemote, &syn, localISS)
	s.recv(Repr{Seq: localISS, Ack: remoteISS + 1, Flags: SYNACK, Window: 1000, Options: mssOpt(100)})
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 7, Flags: ACK, Window: 1000})
	s.recv(Repr{Seq: localISS + 7, Flags: RST})
	s.state(SynReceived)
}

// RFC 9293 3.10.7.4: a reset in SYN-RECEIVED after a passive open ends the
// embryo (the listener goes on listening); after a simultaneous open it
// refuses the connection.
func TestSynReceivedReset(t *testing.T) {
	s := newScript(t, scriptConfig())
	syn := Repr{Seq: remoteISS, Flags: SYN, Window: 1000, Options: mssOpt(100)}
	s.c.AcceptSYN(s.now, scriptLocal, scriptRemote, &syn, localISS)
	s.recv(Repr{Seq: localISS, Ack: remoteISS + 1, Flags: SYNACK, Window: 1000, Options: mssOpt(100)})
	s.send(Repr{Seq: remoteISS + 1, Flags: RST})
	s.state(Closed)
	if !errors.Is(s.c.Err(), ErrReset) {
		t.Fatalf("Err %v, want ErrReset", s.c.Err())
	}

	s = newScript(t, scriptConfig())
	s.c.Connect(s.now, scriptLocal, scriptRemote, localISS)
	s.recv(Repr{Seq: localISS, Flags: SYN, Window: 1000, Options: mssOpt(100)})
	s.send(Repr{Seq: remoteISS, Flags: SYN, Window: 1000})
	s.state(SynReceived)
	s.send(Repr{Seq: remoteISS + 1, Flags: RST})
	s.state(Closed)
	if !errors.Is(s.c.Err(), ErrRefused) {
		t.Fatalf("Err %v, want ErrRefused", s.c.Err())
	}
}

// RFC 9293 3.10.7.4 (fourth, SYN-RECEIVED): a new SYN after a passive open
// returns to LISTEN, which for a Conn means it ends.
func TestSynReceivedNewSYN(t *testing.T) {
	s := newScript(t, scriptConfig())
	syn := Repr{Seq: remoteISS, Flags: SYN, Window: 1000}
	s.c.AcceptSYN(s.now, scriptLocal, scriptRemote, &syn, localISS)
	s.output()
	s.send(Repr{Seq: remoteISS + 100, Flags: SYN, Window: 1000})
	s.state(Closed)
	s.recvNothing()
}
