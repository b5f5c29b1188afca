package tcp

import (
	"errors"
	"testing"
	"time"
)

// RFC 5961 3.2: a reset whose sequence number is exactly RCV.NXT resets
// the connection in every synchronized state.
func TestResetExact(t *testing.T) {
	for _, st := range []State{Established, FinWait1, FinWait2, CloseWait, Closing, LastAck} {
		s := connected(t, scriptConfig())
		s.reach(st)
		var got error = errNotCalled
		s.c.OnClosed(func(err error) { got = err })
		s.send(Repr{Seq: s.c.rcvNxt, Flags: RST})
		s.state(Closed)
		if !errors.Is(got, ErrReset) {
			t.Errorf("%v: OnClosed(%v), want ErrReset", st, got)
		}
		s.recvNothing()
	}
	// In TIME-WAIT the close was already complete.
	s := connected(t, scriptConfig())
	s.reach(TimeWait)
	s.send(Repr{Seq: s.c.rcvNxt, Flags: RST})
	s.state(Closed)
	if s.c.Err() != nil {
		t.Fatalf("TIME-WAIT reset: Err %v, want nil", s.c.Err())
	}
}

var errNotCalled = errors.New("not called")

// windowAfter is the window reach leaves advertised in st: the 1000-byte
// buffer, less the sequence number of the peer's FIN once it came (the
// right edge does not move by less than the SWS threshold).
func windowAfter(st State) uint16 {
	switch st {
	case CloseWait, Closing, LastAck, TimeWait:
		return 999
	}
	return 1000
}

// reach moves an established script's Conn to st by the usual path.
func (s *script) reach(st State) {
	s.t.Helper()
	r, l := remoteISS+1, localISS+1
	switch st {
	case Established:
	case FinWait1:
		s.c.Close()
		s.output()
	case FinWait2:
		s.c.Close()
		s.output()
		s.send(Repr{Seq: r, Ack: l + 1, Flags: ACK, Window: 1000})
	case CloseWait:
		s.send(Repr{Seq: r, Ack: l, Flags: FINACK, Window: 1000})
		s.output()
	case Closing:
		s.c.Close()
		s.output()
		s.send(Repr{Seq: r, Ack: l, Flags: FINACK, Window: 1000})
		s.output()
	case LastAck:
		s.send(Repr{Seq: r, Ack: l, Flags: FINACK, Window: 1000})
		s.output()
		s.c.Close()
		s.output()
	case TimeWait:
		s.c.Close()
		s.output()
		s.send(Repr{Seq: r, Ack: l + 1, Flags: FINACK, Window: 1000})
		s.output()
	}
	s.state(st)
	s.recvNothing()
}

// RFC 5961 3.2: a reset inside the window but not at RCV.NXT draws a
// challenge ACK and changes nothing; an RST outside it is dropped. Only
// the peer, which sees the challenge ACK, can then send the exact reset.
func TestResetInWindowChallenged(t *testing.T) {
	for _, st := range []State{Established, FinWait1, FinWait2, CloseWait, Closing, LastAck, TimeWait} {
		s := connected(t, scriptConfig())
		s.reach(st)
		nxt, una := s.c.rcvNxt, s.c.sndMax
		s.send(Repr{Seq: nxt + 1, Flags: RST})
		s.state(st)
		s.recv(Repr{Seq: una, Ack: nxt, Flags: ACK, Window: windowAfter(st)})
		s.send(Repr{Seq: nxt + 5000, Flags: RST})
		s.send(Repr{Seq: nxt - 1, Flags: RST})
		s.state(st)
		s.recvNothing()
	}
}

// RFC 5961 4.2: a SYN in a synchronized state, in window or not, old or
// new, draws a challenge ACK and is otherwise ignored; data on it is not
// taken.
func TestSYNInSynchronizedState(t *testing.T) {
	for _, st := range []State{Established, FinWait2, CloseWait} {
		s := connected(t, scriptConfig())
		s.reach(st)
		nxt, una := s.c.rcvNxt, s.c.sndMax
		for _, seq := range []Seq{nxt, nxt + 100, nxt + 100000, nxt - 1, remoteISS} {
			s.send(Repr{Seq: seq, Flags: SYN, Window: 1000, Payload: []byte("data")})
			s.recv(Repr{Seq: una, Ack: nxt, Flags: ACK, Window: windowAfter(st)})
			s.state(st)
		}
	}
}

// RFC 5961 5.2: an ACK beyond what was sent, or older than the largest
// window behind SND.UNA, is dropped with an ACK, and the data it carries
// is not accepted.
func TestAckOutsideRange(t *testing.T) {
	s := connected(t, scriptConfig())
	s.write([]byte("abc"))
	s.output()
	r, l := remoteISS+1, localISS+1
	for _, ack := range []Seq{l + 4, l + 1000, l - 1001, l - 100000} {
		s.send(Repr{Seq: r, Ack: ack, Flags: PSHACK, Window: 1000, Payload: []byte("bogus")})
		s.recv(Repr{Seq: l + 3, Ack: r, Flags: ACK, Window: 1000})
	}
	if s.c.Buffered() != 0 {
		t.Fatalf("%d bytes accepted from segments with a bad ACK", s.c.Buffered())
	}
	// An old ACK within MAX.SND.WND is acceptable: its data is taken.
	s.send(Repr{Seq: r, Ack: l - 1000, Flags: PSHACK, Window: 1000, Payload: []byte("fine")})
	s.recv(Repr{Seq: l + 3, Ack: r + 4, Flags: ACK, Window: 996})
}

// Data outside the receive window is never accepted: it draws an ACK
// (RFC 9293 3.10.7.4, RFC 5961 section 6).
func TestDataOutsideWindow(t *testing.T) {
	s := connected(t, scriptConfig())
	r, l := remoteISS+1, localISS+1
	for _, seq := range []Seq{r + 1000, r + 5000, r - 10, r - 100000} {
		s.send(Repr{Seq: seq, Ack: l, Flags: PSHACK, Window: 1000, Payload: []byte("bogus")})
		s.recv(Repr{Seq: l, Ack: r, Flags: ACK, Window: 1000})
	}
	if s.c.Buffered() != 0 || !s.c.asm.Empty() {
		t.Fatal("data outside the window was kept")
	}
}

// RFC 5961 section 7: challenge ACKs are rate-limited.
func TestChallengeACKRateLimit(t *testing.T) {
	s := connected(t, scriptConfig())
	sent := 0
	for i := 0; i < 3*challengeACKLimit; i++ {
		s.send(Repr{Seq: s.c.rcvNxt + 10, Flags: RST})
		if _, ok := s.output(); ok {
			sent++
		}
	}
	if sent != challengeACKLimit {
		t.Fatalf("%d challenge ACKs in one period, want %d", sent, challengeACKLimit)
	}
	s.now = s.now.Add(challengeACKPeriod)
	s.send(Repr{Seq: s.c.rcvNxt + 10, Flags: RST})
	if _, ok := s.output(); !ok {
		t.Fatal("no challenge ACK in the next period")
	}
	s.state(Established)
}

// ResetFor is RFC 9293 3.10.7.1's answer for a segment with no connection.
func TestResetFor(t *testing.T) {
	for _, tc := range []struct {
		in   Repr
		want Repr
		ok   bool
	}{
		{Repr{Seq: 100, Flags: SYN}, Repr{Ack: 101, Flags: RSTACK}, true},
		{Repr{Seq: 100, Flags: FIN, Payload: make([]byte, 10)}, Repr{Ack: 111, Flags: RSTACK}, true},
		{Repr{Seq: 100, Ack: 555, Flags: PSHACK, Payload: []byte("x")}, Repr{Seq: 555, Flags: RST}, true},
		{Repr{Seq: 100, Ack: 555, Flags: RSTACK}, Repr{}, false},
		{Repr{Seq: 100, Flags: RST}, Repr{}, false},
	} {
		got, ok := ResetFor(&tc.in)
		if ok != tc.ok || !sameRepr(&got, &tc.want) {
			t.Errorf("ResetFor(%v) = %v, %v; want %v, %v", fmtRepr(&tc.in), fmtRepr(&got), ok, fmtRepr(&tc.want), tc.ok)
		}
	}
}

// The user timeout also ends zero-window probing the peer stops
// answering, counted from the first unanswered probe as Linux does, but
// not probing it answers (RFC 9293 3.8.6.1).
func TestZeroWindowUserTimeout(t *testing.T) {
	cfg := scriptConfig()
	cfg.UserTimeout = 5 * time.Second
	s := connected(t, cfg)
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: ACK, Window: 0})
	start := s.now
	s.write([]byte("x"))
	// Answered probes for 20 s keep it open.
	for s.now.Sub(start) < 20*time.Second {
		s.now = s.c.PollAt()
		s.c.Poll(s.now)
		s.recv(Repr{Seq: localISS, Ack: remoteISS + 1, Flags: ACK, Window: 1000})
		s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: ACK, Window: 0})
	}
	s.state(Established)
	s.now = s.c.PollAt()
	s.c.Poll(s.now)
	s.recv(Repr{Seq: localISS, Ack: remoteISS + 1, Flags: ACK, Window: 1000})
	unanswered := s.now
	for s.c.State() == Established {
		s.output()
		s.now = s.c.PollAt()
		s.c.Poll(s.now)
	}
	if !errors.Is(s.c.Err(), ErrUserTimeout) || s.now != unanswered.Add(5*time.Second) {
		t.Fatalf("closed %v after the unanswered probe with %v", s.now.Sub(unanswered), s.c.Err())
	}
}
