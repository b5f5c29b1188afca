package tcp

import (
	"errors"
	"testing"
	"time"

	"github.com/seed947b3480/legation/wire"
)

// connectedSACK is connected with SACK negotiated (and nothing else).
func connectedSACK(t *testing.T, cfg Config) *script {
	t.Helper()
	cfg.DisableSACK = false
	s := newScript(t, cfg)
	s.c.Connect(s.now, scriptLocal, scriptRemote, localISS)
	s.recv(Repr{Seq: localISS, Flags: SYN, Window: 1000, Options: wire.TCPOptions{MSS: 100, HasMSS: true, SACKPermitted: true}})
	s.send(Repr{Seq: remoteISS, Ack: localISS + 1, Flags: SYNACK, Window: 1000, Options: wire.TCPOptions{MSS: 100, HasMSS: true, SACKPermitted: true}})
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: ACK, Window: 1000})
	return s
}

// rto is the RTO after connected's handshake.
const rto = 300 * time.Millisecond

func sackOpt(blocks ...Seq) wire.TCPOptions {
	var o wire.TCPOptions
	for i := 0; i+1 < len(blocks); i += 2 {
		o.SACK[o.NumSACK] = wire.SACKBlock{Left: uint32(blocks[i]), Right: uint32(blocks[i+1])}
		o.NumSACK++
	}
	return o
}

// Data is cut at the MSS; the PSH flag marks the last queued byte. Nagle's
// algorithm (RFC 9293 3.7.4) in Minshall's variant, as Linux has it: the
// short tail of a write goes out at once behind full segments, but a
// further short segment waits while that one is unacknowledged, and goes
// with the ACK.
func TestSendSegmentsAndNagle(t *testing.T) {
	s := connected(t, scriptConfig())
	data := seqPayload(localISS+1, 280)
	s.write(data[:250])
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: ACK, Window: 1000, Payload: data[:100]})
	s.recv(Repr{Seq: localISS + 101, Ack: remoteISS + 1, Flags: ACK, Window: 1000, Payload: data[100:200]})
	s.recv(Repr{Seq: localISS + 201, Ack: remoteISS + 1, Flags: PSHACK, Window: 1000, Payload: data[200:250]})
	s.write(data[250:])
	s.recvNothing() // a short segment is unacknowledged
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 201, Flags: ACK, Window: 1000})
	s.recvNothing() // ...still
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 251, Flags: ACK, Window: 1000})
	s.recv(Repr{Seq: localISS + 251, Ack: remoteISS + 1, Flags: PSHACK, Window: 1000, Payload: data[250:]})
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 281, Flags: ACK, Window: 1000})
	if s.c.SendQueued() != 0 {
		t.Fatalf("%d bytes still queued after the last ACK", s.c.SendQueued())
	}
	if at := s.c.PollAt(); at != never {
		t.Fatalf("PollAt %v with everything acknowledged", at)
	}
}

// NoDelay sends the short segment at once.
func TestSendNoDelay(t *testing.T) {
	cfg := scriptConfig()
	cfg.NoDelay = true
	s := connected(t, cfg)
	data := seqPayload(localISS+1, 250)
	s.write(data[:100])
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: PSHACK, Window: 1000, Payload: data[:100]})
	s.write(data[100:])
	s.recv(Repr{Seq: localISS + 101, Ack: remoteISS + 1, Flags: ACK, Window: 1000, Payload: data[100:200]})
	s.recv(Repr{Seq: localISS + 201, Ack: remoteISS + 1, Flags: PSHACK, Window: 1000, Payload: data[200:]})
}

// In-order data is acknowledged with the window it leaves, and read.
func TestReceiveInOrder(t *testing.T) {
	s := connected(t, scriptConfig())
	data := seqPayload(remoteISS+1, 300)
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: PSHACK, Window: 1000, Payload: data[:100]})
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 101, Flags: ACK, Window: 900})
	s.send(Repr{Seq: remoteISS + 101, Ack: localISS + 1, Flags: PSHACK, Window: 1000, Payload: data[100:300]})
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 301, Flags: ACK, Window: 700})
	s.read(data)
	// The window could grow by 300 but has not doubled: no update of its own.
	s.recvNothing()
	if _, err := s.c.Read(make([]byte, 10)); !errors.Is(err, ErrWouldBlock) {
		t.Fatalf("Read with nothing buffered: %v, want ErrWouldBlock", err)
	}
}

// Delayed ACKs (RFC 9293 3.8.6.3, RFC 5681 4.2): one segment waits for
// the timer, a second is acknowledged at once, and data to send takes the
// ACK along.
func TestDelayedAck(t *testing.T) {
	cfg := scriptConfig()
	cfg.DelayedAck = 40 * time.Millisecond
	s := connected(t, cfg)
	data := seqPayload(remoteISS+1, 400)
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: data[:100]})
	s.recvNothing()
	if at := s.c.PollAt(); at != s.now.Add(40*time.Millisecond) {
		t.Fatalf("delayed ACK due %v from now, want 40ms", at.Sub(s.now))
	}
	s.advance(39 * time.Millisecond)
	s.recvNothing()
	s.advance(time.Millisecond)
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 101, Flags: ACK, Window: 900})

	s.send(Repr{Seq: remoteISS + 101, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: data[100:200]})
	s.recvNothing()
	s.send(Repr{Seq: remoteISS + 201, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: data[200:300]})
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 301, Flags: ACK, Window: 700})

	s.send(Repr{Seq: remoteISS + 301, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: data[300:400]})
	s.write([]byte("reply"))
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 401, Flags: PSHACK, Window: 600, Payload: []byte("reply")})
	s.recvNothing()
	if at := s.c.PollAt(); at != s.now.Add(rto) {
		t.Fatalf("PollAt %v from now, want only the RTO", at.Sub(s.now))
	}
}

// Out-of-order data is kept and acknowledged at once with SACK blocks
// (RFC 2018), most recent first; filling the hole delivers it all.
func TestOutOfOrderWithSACK(t *testing.T) {
	s := connectedSACK(t, scriptConfig())
	r := remoteISS + 1
	data := seqPayload(r, 500)
	s.send(Repr{Seq: r + 100, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: data[100:200]})
	s.recv(Repr{Seq: localISS + 1, Ack: r, Flags: ACK, Window: 1000, Options: sackOpt(r+100, r+200)})
	s.send(Repr{Seq: r + 300, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: data[300:400]})
	s.recv(Repr{Seq: localISS + 1, Ack: r, Flags: ACK, Window: 1000, Options: sackOpt(r+300, r+400, r+100, r+200)})
	if n := s.c.Buffered(); n != 0 {
		t.Fatalf("%d bytes readable before the hole is filled", n)
	}
	s.send(Repr{Seq: r, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: data[:100]})
	s.recv(Repr{Seq: localISS + 1, Ack: r + 200, Flags: ACK, Window: 800, Options: sackOpt(r+300, r+400)})
	s.send(Repr{Seq: r + 200, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: data[200:300]})
	s.recv(Repr{Seq: localISS + 1, Ack: r + 400, Flags: ACK, Window: 600})
	s.read(data[:400])
}

// Duplicate and overlapping data is trimmed: no byte is delivered twice,
// and the duplicate draws an immediate ACK.
func TestDuplicateData(t *testing.T) {
	s := connected(t, scriptConfig())
	r := remoteISS + 1
	data := seqPayload(r, 300)
	s.send(Repr{Seq: r, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: data[:200]})
	s.recv(Repr{Seq: localISS + 1, Ack: r + 200, Flags: ACK, Window: 800})
	s.send(Repr{Seq: r, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: data[:100]})
	s.recv(Repr{Seq: localISS + 1, Ack: r + 200, Flags: ACK, Window: 800})
	s.send(Repr{Seq: r + 150, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: data[150:300]})
	s.recv(Repr{Seq: localISS + 1, Ack: r + 300, Flags: ACK, Window: 700})
	s.read(data)
}

// The receive window closes as the buffer fills and reopens only by the
// SWS threshold, min(half the buffer, the MSS) = 100 bytes (RFC 9293
// 3.8.6.2.2). A segment at a zero window is dropped but acknowledged.
func TestReceiveWindowZeroAndReopen(t *testing.T) {
	s := connected(t, scriptConfig())
	r := remoteISS + 1
	data := seqPayload(r, 1100)
	for i := 0; i < 10; i++ {
		s.send(Repr{Seq: r.Add(uint32(100 * i)), Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: data[100*i : 100*i+100]})
		s.recv(Repr{Seq: localISS + 1, Ack: r.Add(uint32(100*i + 100)), Flags: ACK, Window: uint16(900 - 100*i)})
	}
	s.send(Repr{Seq: r + 1000, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: data[1000:1001]})
	s.recv(Repr{Seq: localISS + 1, Ack: r + 1000, Flags: ACK, Window: 0})
	s.read(data[:60])
	s.recvNothing() // 60 bytes free: below the threshold
	s.read(data[60:100])
	s.recv(Repr{Seq: localISS + 1, Ack: r + 1000, Flags: ACK, Window: 100})
	s.send(Repr{Seq: r + 1000, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: data[1000:1100]})
	s.recv(Repr{Seq: localISS + 1, Ack: r + 1100, Flags: ACK, Window: 0})
}

// Data beyond the window is trimmed to it.
func TestReceiveBeyondWindowTrimmed(t *testing.T) {
	s := connected(t, scriptConfig())
	r := remoteISS + 1
	data := seqPayload(r, 1000)
	s.send(Repr{Seq: r, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: data[:900]})
	s.recv(Repr{Seq: localISS + 1, Ack: r + 900, Flags: ACK, Window: 100})
	s.send(Repr{Seq: r + 900, Ack: localISS + 1, Flags: FINACK, Window: 1000, Payload: append(data[900:1000:1000], "beyond"...)})
	s.recv(Repr{Seq: localISS + 1, Ack: r + 1000, Flags: ACK, Window: 0})
	s.state(Established) // the FIN lay beyond the window
	s.read(data)
}

// Zero-window probing (RFC 9293 3.8.6.1): with the peer's window shut and
// data queued, probes go out after the RTO and back off; each answered
// probe keeps the connection; an opened window releases the data.
func TestZeroWindowProbe(t *testing.T) {
	s := connected(t, scriptConfig())
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: ACK, Window: 0})
	s.write([]byte("hello"))
	s.recvNothing()
	probe := Repr{Seq: localISS, Ack: remoteISS + 1, Flags: ACK, Window: 1000}
	for _, wait := range []time.Duration{rto, 2 * rto, 4 * rto} {
		if at := s.c.PollAt(); at != s.now.Add(wait) {
			t.Fatalf("probe due in %v, want %v", at.Sub(s.now), wait)
		}
		s.advance(wait)
		s.recv(probe)
		s.recvNothing()
		s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: ACK, Window: 0})
		s.recvNothing()
	}
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: ACK, Window: 1000})
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: PSHACK, Window: 1000, Payload: []byte("hello")})
}

// Sender SWS avoidance (RFC 9293 3.8.6.2.1): a window far below the
// largest one offered is not used for a small segment at once; the
// persist timer (the RFC's override timeout) sends it after all.
func TestSenderSWSAvoidance(t *testing.T) {
	cfg := scriptConfig()
	cfg.NoDelay = true
	s := connected(t, cfg)
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: ACK, Window: 30})
	data := seqPayload(localISS+1, 250)
	s.write(data)
	s.recvNothing()
	s.advance(rto)
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: ACK, Window: 1000, Payload: data[:30]})
	s.recvNothing()
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 31, Flags: ACK, Window: 1000})
	s.recv(Repr{Seq: localISS + 31, Ack: remoteISS + 1, Flags: ACK, Window: 1000, Payload: data[30:130]})
	s.recv(Repr{Seq: localISS + 131, Ack: remoteISS + 1, Flags: ACK, Window: 1000, Payload: data[130:230]})
	s.recv(Repr{Seq: localISS + 231, Ack: remoteISS + 1, Flags: PSHACK, Window: 1000, Payload: data[230:]})
}

// RFC 6298: the RTO doubles at each expiry, and the segment is sent again
// each time; Karn's rule keeps the backed-off RTO after an ACK that may
// answer a retransmission, until a segment sent once is acknowledged.
func TestRetransmissionTimeout(t *testing.T) {
	s := connected(t, scriptConfig())
	seg := Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: PSHACK, Window: 1000, Payload: []byte("data")}
	s.write(seg.Payload)
	s.recv(seg)
	for _, wait := range []time.Duration{rto, 2 * rto, 4 * rto} {
		if at := s.c.PollAt(); at != s.now.Add(wait) {
			t.Fatalf("RTO in %v, want %v", at.Sub(s.now), wait)
		}
		s.advance(wait)
		s.recv(seg)
		s.recvNothing()
	}
	s.now = s.now.Add(100 * time.Millisecond)
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 5, Flags: ACK, Window: 1000})
	if at := s.c.PollAt(); at != never {
		t.Fatalf("timer still armed: %v", at)
	}
	// No sample: the next segment waits the RTO backed off three times.
	s.write([]byte("more"))
	s.recv(Repr{Seq: localISS + 5, Ack: remoteISS + 1, Flags: PSHACK, Window: 1000, Payload: []byte("more")})
	if at := s.c.PollAt(); at != s.now.Add(8*rto) {
		t.Fatalf("RTO after Karn: %v, want %v", at.Sub(s.now), 8*rto)
	}
	// Acknowledged after 100 ms, never retransmitted: a sample equal to
	// SRTT, so SRTT stays 100 ms and RTTVAR decays to 3/4 of 50 ms:
	// RTO = 100 + 4*37.5 = 250 ms.
	s.now = s.now.Add(100 * time.Millisecond)
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 9, Flags: ACK, Window: 1000})
	s.write([]byte("again"))
	s.recv(Repr{Seq: localISS + 9, Ack: remoteISS + 1, Flags: PSHACK, Window: 1000, Payload: []byte("again")})
	if at := s.c.PollAt(); at != s.now.Add(250*time.Millisecond) {
		t.Fatalf("RTO from a 100ms sample: %v, want 250ms", at.Sub(s.now))
	}
}

// After a timeout everything outstanding is sent again from SND.UNA in
// slow start from one segment (RFC 5681 3.1: cwnd = 1 SMSS).
func TestRetransmissionGoBackN(t *testing.T) {
	cfg := scriptConfig()
	cfg.NoDelay = true
	s := connected(t, cfg)
	data := seqPayload(localISS+1, 300)
	s.write(data)
	for i := 0; i < 3; i++ {
		flags := ACK
		if i == 2 {
			flags = PSHACK
		}
		s.recv(Repr{Seq: localISS.Add(uint32(1 + 100*i)), Ack: remoteISS + 1, Flags: flags, Window: 1000, Payload: data[100*i : 100*i+100]})
	}
	s.advance(rto)
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: ACK, Window: 1000, Payload: data[:100]})
	s.recvNothing() // cwnd is one segment
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 101, Flags: ACK, Window: 1000})
	s.recv(Repr{Seq: localISS + 101, Ack: remoteISS + 1, Flags: ACK, Window: 1000, Payload: data[100:200]})
	s.recv(Repr{Seq: localISS + 201, Ack: remoteISS + 1, Flags: PSHACK, Window: 1000, Payload: data[200:]})
	// The first copies arrive after all: the ACK may cover what SND.NXT
	// had been pulled back over.
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 301, Flags: ACK, Window: 1000})
	if s.c.SendQueued() != 0 || s.c.PollAt() != never {
		t.Fatalf("queued %d, PollAt %v after the full ACK", s.c.SendQueued(), s.c.PollAt())
	}
}

// Fast retransmit and NewReno fast recovery (RFC 5681 3.2, RFC 6582):
// the third duplicate ACK resends the first unacknowledged segment at
// once; a partial ACK resends the next hole.
func TestFastRetransmitNewReno(t *testing.T) {
	cfg := scriptConfig()
	cfg.NoDelay = true
	s := connected(t, cfg)
	data := seqPayload(localISS+1, 500)
	s.write(data)
	for i := 0; i < 5; i++ {
		s.output()
	}
	s.recvNothing()
	dup := Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: ACK, Window: 1000}
	s.send(dup)
	s.send(dup)
	s.recvNothing()
	s.send(dup)
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: ACK, Window: 1000, Payload: data[:100]})
	s.recvNothing()
	// Segments 1 and 3 were lost: the ACK after the retransmission is partial.
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 201, Flags: ACK, Window: 1000})
	s.recv(Repr{Seq: localISS + 201, Ack: remoteISS + 1, Flags: ACK, Window: 1000, Payload: data[200:300]})
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 501, Flags: ACK, Window: 1000})
	s.recvNothing()
	if s.c.cc.State() == FastRecovery {
		t.Fatal("still in fast recovery after the full ACK")
	}
}

// A duplicate ACK that carries data, or changes the window, is not one
// (RFC 5681 section 2): three of them start no fast retransmit.
func TestNotDuplicateAcks(t *testing.T) {
	cfg := scriptConfig()
	cfg.NoDelay = true
	s := connected(t, cfg)
	s.write(seqPayload(localISS+1, 300))
	for i := 0; i < 3; i++ {
		s.output()
	}
	r := remoteISS + 1
	for i := 0; i < 3; i++ {
		s.send(Repr{Seq: r, Ack: localISS + 1, Flags: ACK, Window: 1000, Payload: []byte("x")})
		r++
		s.recv(Repr{Seq: localISS + 301, Ack: r, Flags: ACK, Window: uint16(1000 - (r - remoteISS - 1))})
	}
	for w := uint16(900); w > 600; w -= 100 {
		s.send(Repr{Seq: r, Ack: localISS + 1, Flags: ACK, Window: w})
		s.recvNothing()
	}
}

// SACK-based loss recovery (RFC 6675): blocks reporting three segments
// above a hole make it lost; its retransmission goes out at once, then the
// next lost hole, with the pipe within cwnd.
func TestSACKRecovery(t *testing.T) {
	cfg := scriptConfig()
	cfg.NoDelay = true
	s := connectedSACK(t, cfg)
	l := localISS + 1
	data := seqPayload(l, 700)
	s.write(data)
	for i := 0; i < 7; i++ {
		s.output()
	}
	// Segments 0 and 2 are lost; 1, 3, 4, 5 arrive, each reported.
	s.send(Repr{Seq: remoteISS + 1, Ack: l, Flags: ACK, Window: 1000, Options: sackOpt(l+100, l+200)})
	s.send(Repr{Seq: remoteISS + 1, Ack: l, Flags: ACK, Window: 1000, Options: sackOpt(l+300, l+400, l+100, l+200)})
	s.recvNothing()
	s.send(Repr{Seq: remoteISS + 1, Ack: l, Flags: ACK, Window: 1000, Options: sackOpt(l+300, l+500, l+100, l+200)})
	s.recv(Repr{Seq: l, Ack: remoteISS + 1, Flags: ACK, Window: 1000, Payload: data[:100]})
	s.send(Repr{Seq: remoteISS + 1, Ack: l, Flags: ACK, Window: 1000, Options: sackOpt(l+300, l+600, l+100, l+200)})
	s.recv(Repr{Seq: l + 200, Ack: remoteISS + 1, Flags: ACK, Window: 1000, Payload: data[200:300]})
	s.send(Repr{Seq: remoteISS + 1, Ack: l + 200, Flags: ACK, Window: 1000, Options: sackOpt(l+300, l+600)})
	s.send(Repr{Seq: remoteISS + 1, Ack: l + 700, Flags: ACK, Window: 1000})
	s.recvNothing()
	if s.c.inRecovery() {
		t.Fatal("still recovering after everything was acknowledged")
	}
}

// The user timeout (RFC 9293 3.8.4): data unacknowledged for UserTimeout
// ends the connection.
func TestUserTimeout(t *testing.T) {
	cfg := scriptConfig()
	cfg.UserTimeout = 10 * time.Second
	s := connected(t, cfg)
	start := s.now
	s.write([]byte("data"))
	for s.c.State() != Closed {
		for {
			if _, ok := s.output(); !ok {
				break
			}
		}
		s.now = s.c.PollAt()
		s.c.Poll(s.now)
	}
	if s.now != start.Add(10*time.Second) || !errors.Is(s.c.Err(), ErrUserTimeout) {
		t.Fatalf("closed at +%v with %v, want +10s ErrUserTimeout", s.now.Sub(start), s.c.Err())
	}
	if _, err := s.c.Write([]byte("x")); !errors.Is(err, ErrUserTimeout) {
		t.Fatalf("Write after the timeout: %v", err)
	}
}

// Keep-alive (RFC 9293 3.8.4): after KeepAlive of silence a probe
// <SEQ=SND.NXT-1> goes out every KeepAliveInterval; an answer resets the
// count, KeepAliveCount unanswered ones end the connection.
func TestKeepAlive(t *testing.T) {
	cfg := scriptConfig()
	cfg.KeepAlive = 10 * time.Second
	cfg.KeepAliveInterval = 2 * time.Second
	cfg.KeepAliveCount = 3
	s := connected(t, cfg)
	probe := Repr{Seq: localISS, Ack: remoteISS + 1, Flags: ACK, Window: 1000}
	if at := s.c.PollAt(); at != s.now.Add(10*time.Second) {
		t.Fatalf("first probe due in %v, want 10s", at.Sub(s.now))
	}
	s.advance(10 * time.Second)
	s.recv(probe)
	s.advance(2 * time.Second)
	s.recv(probe)
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: ACK, Window: 1000})
	s.recvNothing()
	if at := s.c.PollAt(); at != s.now.Add(10*time.Second) {
		t.Fatalf("after an answer the next probe is due in %v, want 10s", at.Sub(s.now))
	}
	s.advance(10 * time.Second)
	for i := 0; i < 3; i++ {
		s.recv(probe)
		s.advance(2 * time.Second)
	}
	s.state(Closed)
	if !errors.Is(s.c.Err(), ErrKeepAliveTimeout) {
		t.Fatalf("Err %v, want ErrKeepAliveTimeout", s.c.Err())
	}
}
