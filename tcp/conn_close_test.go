package tcp

import (
	"errors"
	"io"
	"testing"
	"time"
)

// RFC 9293 figure 12, normal close, from the side that closes first:
// ESTABLISHED -> FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT -> CLOSED, the
// close future completing with TIME-WAIT and OnClosed after 2*MSL.
func TestActiveClose(t *testing.T) {
	cfg := scriptConfig()
	cfg.TimeWait = 4 * time.Second
	s := connected(t, cfg)
	closed := errors.New("not called")
	s.c.OnClosed(func(err error) { closed = err })
	s.write([]byte("bye"))
	if err := s.c.Close(); err != nil {
		t.Fatal(err)
	}
	s.state(FinWait1)
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: FIN | PSHACK, Window: 1000, Payload: []byte("bye")})
	if _, err := s.c.Write([]byte("more")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: %v, want ErrClosed", err)
	}
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 5, Flags: ACK, Window: 1000})
	s.state(FinWait2)
	s.recvNothing()
	if s.c.CloseFuture().Done() {
		t.Fatal("CloseFuture done before the peer's FIN")
	}
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 5, Flags: FINACK, Window: 1000})
	s.state(TimeWait)
	// The FIN took a sequence number and the window stays where it was:
	// one more byte free is below the SWS threshold.
	s.recv(Repr{Seq: localISS + 5, Ack: remoteISS + 2, Flags: ACK, Window: 999})
	if f := s.c.CloseFuture(); !f.Done() || f.Err() != nil {
		t.Fatalf("CloseFuture done=%v err=%v at TIME-WAIT", f.Done(), f.Err())
	}
	if at := s.c.PollAt(); at != s.now.Add(4*time.Second) {
		t.Fatalf("TIME-WAIT ends in %v, want 4s", at.Sub(s.now))
	}
	s.advance(4*time.Second - 1)
	s.state(TimeWait)
	s.advance(1)
	s.state(Closed)
	if closed != nil || s.c.Err() != nil {
		t.Fatalf("OnClosed(%v), Err %v, want nil", closed, s.c.Err())
	}
	if s.c.PollAt() != never {
		t.Fatal("a closed connection still has a deadline")
	}
}

// RFC 9293 figure 12 from the other side: ESTABLISHED -> CLOSE-WAIT ->
// LAST-ACK -> CLOSED, reading to io.EOF in between.
func TestPassiveClose(t *testing.T) {
	s := connected(t, scriptConfig())
	peerClosed := false
	s.c.OnPeerClosed(func() { peerClosed = true })
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: FIN | PSHACK, Window: 1000, Payload: []byte("last")})
	s.state(CloseWait)
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 6, Flags: ACK, Window: 995})
	if !peerClosed {
		t.Fatal("OnPeerClosed not called")
	}
	s.read([]byte("last"))
	if _, err := s.c.Read(make([]byte, 8)); err != io.EOF {
		t.Fatalf("Read after the FIN: %v, want io.EOF", err)
	}
	s.write([]byte("reply")) // CLOSE-WAIT still sends
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 6, Flags: PSHACK, Window: 995, Payload: []byte("reply")})
	s.c.Close()
	s.state(LastAck)
	s.recv(Repr{Seq: localISS + 6, Ack: remoteISS + 6, Flags: FINACK, Window: 995})
	s.send(Repr{Seq: remoteISS + 6, Ack: localISS + 6, Flags: ACK, Window: 1000})
	s.state(LastAck) // the FIN is not acknowledged yet
	s.send(Repr{Seq: remoteISS + 6, Ack: localISS + 7, Flags: ACK, Window: 1000})
	s.state(Closed)
	if s.c.Err() != nil || !s.c.CloseFuture().Done() {
		t.Fatalf("Err %v, CloseFuture done %v", s.c.Err(), s.c.CloseFuture().Done())
	}
}

// RFC 9293 figure 13: simultaneous close. FIN-WAIT-1 -> CLOSING on the
// peer's FIN, -> TIME-WAIT on the ACK of ours.
func TestSimultaneousClose(t *testing.T) {
	s := connected(t, scriptConfig())
	s.c.Close()
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: FINACK, Window: 1000})
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: FINACK, Window: 1000})
	s.state(Closing)
	s.recv(Repr{Seq: localISS + 2, Ack: remoteISS + 2, Flags: ACK, Window: 999})
	s.send(Repr{Seq: remoteISS + 2, Ack: localISS + 2, Flags: ACK, Window: 1000})
	s.state(TimeWait)
	s.recvNothing()
}

// FIN-WAIT-1 straight to TIME-WAIT: the peer's FIN acknowledges ours.
func TestFinWait1ToTimeWait(t *testing.T) {
	s := connected(t, scriptConfig())
	s.c.Close()
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: FINACK, Window: 1000})
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 2, Flags: FINACK, Window: 1000})
	s.state(TimeWait)
	s.recv(Repr{Seq: localISS + 2, Ack: remoteISS + 2, Flags: ACK, Window: 999})
}

// A lost FIN is sent again by the retransmission timer.
func TestFinRetransmitted(t *testing.T) {
	s := connected(t, scriptConfig())
	s.c.Close()
	fin := Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: FINACK, Window: 1000}
	s.recv(fin)
	s.advance(rto)
	s.recv(fin)
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 2, Flags: ACK, Window: 1000})
	s.state(FinWait2)
	if at := s.c.PollAt(); at != never {
		t.Fatalf("FIN-WAIT-2 with a deadline %v", at)
	}
}

// In TIME-WAIT a retransmitted FIN is acknowledged again and restarts
// the 2*MSL timer (RFC 9293 3.10.7.4, eighth).
func TestTimeWaitFinAgain(t *testing.T) {
	cfg := scriptConfig()
	cfg.TimeWait = 4 * time.Second
	s := connected(t, cfg)
	s.c.Close()
	s.output()
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 2, Flags: FINACK, Window: 1000})
	ack := Repr{Seq: localISS + 2, Ack: remoteISS + 2, Flags: ACK, Window: 999}
	s.recv(ack)
	s.advance(3 * time.Second)
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 2, Flags: FINACK, Window: 1000})
	s.recv(ack)
	s.advance(3 * time.Second)
	s.state(TimeWait)
	s.advance(time.Second)
	s.state(Closed)
}

// A FIN that arrives beyond a hole is held until the hole fills.
func TestFinOutOfOrder(t *testing.T) {
	s := connected(t, scriptConfig())
	r := remoteISS + 1
	s.send(Repr{Seq: r + 5, Ack: localISS + 1, Flags: FINACK, Window: 1000, Payload: []byte("world")})
	s.recv(Repr{Seq: localISS + 1, Ack: r, Flags: ACK, Window: 1000})
	s.state(Established)
	s.send(Repr{Seq: r, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: []byte("hello")})
	s.state(CloseWait)
	s.recv(Repr{Seq: localISS + 1, Ack: r + 11, Flags: ACK, Window: 989})
	s.read([]byte("helloworld"))
	if _, err := s.c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("Read: %v, want io.EOF", err)
	}
}

// CloseWrite is a half close: the FIN goes, data still comes in.
func TestHalfClose(t *testing.T) {
	s := connected(t, scriptConfig())
	s.c.CloseWrite()
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: FINACK, Window: 1000})
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 2, Flags: PSHACK, Window: 1000, Payload: []byte("still")})
	s.state(FinWait2)
	s.recv(Repr{Seq: localISS + 2, Ack: remoteISS + 6, Flags: ACK, Window: 995})
	s.read([]byte("still"))
}

// Close with data unread resets the connection (RFC 2525 2.17), and so
// does data arriving after Close.
func TestCloseResetsUnreadData(t *testing.T) {
	s := connected(t, scriptConfig())
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: PSHACK, Window: 1000, Payload: []byte("unread")})
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 7, Flags: ACK, Window: 994})
	s.c.Close()
	s.state(Closed)
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 7, Flags: RSTACK})
	if !errors.Is(s.c.Err(), ErrAborted) {
		t.Fatalf("Err %v, want ErrAborted", s.c.Err())
	}

	s = connected(t, scriptConfig())
	s.c.Close()
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: FINACK, Window: 1000})
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 2, Flags: PSHACK, Window: 1000, Payload: []byte("late")})
	s.state(Closed)
	s.recv(Repr{Seq: localISS + 2, Ack: remoteISS + 1, Flags: RSTACK})
}

// Abort sends a reset in the synchronized states and closes with
// ErrAborted (RFC 9293 3.10.5).
func TestAbort(t *testing.T) {
	s := connected(t, scriptConfig())
	s.write([]byte("pending"))
	s.c.Abort()
	s.state(Closed)
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: RSTACK})
	s.recvNothing()
	if !errors.Is(s.c.Err(), ErrAborted) {
		t.Fatalf("Err %v", s.c.Err())
	}
	if _, err := s.c.Write([]byte("x")); !errors.Is(err, ErrAborted) {
		t.Fatalf("Write after Abort: %v", err)
	}
	// A closed connection answers segments with resets (RFC 9293 3.10.7.1).
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: []byte("x")})
	s.recv(Repr{Seq: localISS + 1, Flags: RST})
}

// Close in SYN-SENT ends the attempt at once; in SYN-RECEIVED the FIN
// waits for the handshake.
func TestCloseDuringHandshake(t *testing.T) {
	s := newScript(t, scriptConfig())
	s.c.Connect(s.now, scriptLocal, scriptRemote, localISS)
	s.output()
	s.c.Close()
	s.state(Closed)
	s.recvNothing()
	if err := s.c.ConnectFuture().Err(); !errors.Is(err, ErrClosed) {
		t.Fatalf("ConnectFuture: %v", err)
	}

	s = newScript(t, scriptConfig())
	syn := Repr{Seq: remoteISS, Flags: SYN, Window: 1000, Options: mssOpt(100)}
	s.c.AcceptSYN(s.now, scriptLocal, scriptRemote, &syn, localISS)
	s.output()
	s.c.Close()
	s.state(SynReceived)
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: ACK, Window: 1000})
	s.state(FinWait1)
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: FINACK, Window: 1000})
}

// With TIME-WAIT off, the ACK of the peer's FIN still goes out before the
// connection closes, when the stack polls timers before output as it
// does: the peer leaves LAST-ACK at once instead of waiting for its
// retransmission timer and a reset.
func TestNoTimeWaitStillAcksFIN(t *testing.T) {
	p := newPair(t, Config{TimeWait: -1, DelayedAck: -1})
	p.a.Close()
	p.flush() // FIN from a, ACK from b
	p.b.Close()
	n, ok := p.b.Output(p.now, p.buf[:], p.bAddr.Addr(), p.aAddr.Addr())
	if !ok {
		t.Fatal("b sent no FIN")
	}
	p.deliver(p.a, p.buf[:n])
	p.a.Poll(p.now) // the stack's order: timers first, then output
	n, ok = p.a.Output(p.now, p.buf[:], p.aAddr.Addr(), p.bAddr.Addr())
	if !ok {
		t.Fatal("the ACK of the peer's FIN was dropped")
	}
	p.deliver(p.b, p.buf[:n])
	if p.b.State() != Closed || p.b.Err() != nil {
		t.Fatalf("peer in %v (%v), want CLOSED after the final ACK", p.b.State(), p.b.Err())
	}
	p.a.Poll(p.now)
	if p.a.State() != Closed {
		t.Fatalf("a in %v, want CLOSED with TIME-WAIT off", p.a.State())
	}
}
