package tcp

import (
	"errors"
	"testing"
	"time"

	"github.com/seed947b3480/legation/wire"
)

func tsOpt(val, ecr uint32) wire.TCPOptions {
	return wire.TCPOptions{HasTimestamps: true, TSVal: val, TSEcr: ecr}
}

// connectedTS is connected with timestamps negotiated; the peer's SYN-ACK
// carries TSval 1000.
func connectedTS(t *testing.T) *script {
	t.Helper()
	cfg := scriptConfig()
	cfg.DisableTimestamps = false
	s := newScript(t, cfg)
	s.c.Connect(s.now, scriptLocal, scriptRemote, localISS)
	synTS := s.tsNow()
	s.recv(Repr{Seq: localISS, Flags: SYN, Window: 1000, Options: wire.TCPOptions{MSS: 100, HasMSS: true, HasTimestamps: true, TSVal: synTS}})
	s.send(Repr{Seq: remoteISS, Ack: localISS + 1, Flags: SYNACK, Window: 1000, Options: wire.TCPOptions{MSS: 100, HasMSS: true, HasTimestamps: true, TSVal: 1000, TSEcr: synTS}})
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: ACK, Window: 1000, Options: tsOpt(s.tsNow(), 1000)})
	return s
}

// RFC 7323 5.3: a segment whose TSval is older than TS.Recent is an old
// duplicate (PAWS): dropped, its data not delivered, and acknowledged.
func TestPAWSRejectsOldSegment(t *testing.T) {
	s := connectedTS(t)
	r, l := remoteISS+1, localISS+1
	s.send(Repr{Seq: r, Ack: l, Flags: PSHACK, Window: 1000, Options: tsOpt(1001, s.tsNow()), Payload: []byte("new")})
	s.recv(Repr{Seq: l, Ack: r + 3, Flags: ACK, Window: 997, Options: tsOpt(s.tsNow(), 1001)})
	// A wrapped-around old segment whose sequence number is acceptable.
	s.send(Repr{Seq: r + 3, Ack: l, Flags: PSHACK, Window: 1000, Options: tsOpt(999, s.tsNow()), Payload: []byte("old")})
	s.recv(Repr{Seq: l, Ack: r + 3, Flags: ACK, Window: 997, Options: tsOpt(s.tsNow(), 1001)})
	s.read([]byte("new"))
	if s.c.Buffered() != 0 {
		t.Fatal("the PAWS-rejected data was delivered")
	}
	// TSvals compare modulo 2^32: 1001 + 2^31 - 1 is newer, not older.
	newer := uint32(1001 + 1<<31 - 1)
	s.send(Repr{Seq: r + 3, Ack: l, Flags: PSHACK, Window: 1000, Options: tsOpt(newer, s.tsNow()), Payload: []byte("ok")})
	s.recv(Repr{Seq: l, Ack: r + 5, Flags: ACK, Window: 995, Options: tsOpt(s.tsNow(), newer)})
}

// PAWS does not apply to resets (RFC 7323 5.3 R1), which RFC 5961 guards.
func TestPAWSIgnoresReset(t *testing.T) {
	s := connectedTS(t)
	s.send(Repr{Seq: remoteISS + 1, Flags: RST, Options: tsOpt(1, 0)})
	s.state(Closed)
	if !errors.Is(s.c.Err(), ErrReset) {
		t.Fatalf("Err %v", s.c.Err())
	}
}

// Once timestamps are negotiated a segment without them is dropped
// silently (RFC 7323 3.2).
func TestTimestampsMissingDropped(t *testing.T) {
	s := connectedTS(t)
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: PSHACK, Window: 1000, Payload: []byte("bare")})
	s.recvNothing()
	if s.c.Buffered() != 0 {
		t.Fatal("data without timestamps was accepted")
	}
}

// RFC 7323 4.3: TS.Recent follows only segments at or before the last ACK
// sent, so an out-of-order segment's TSval is not echoed; the segment
// that fills the hole is.
func TestTSRecentUpdate(t *testing.T) {
	s := connectedTS(t)
	r, l := remoteISS+1, localISS+1
	s.send(Repr{Seq: r + 10, Ack: l, Flags: ACK, Window: 1000, Options: tsOpt(2000, s.tsNow()), Payload: seqPayload(r+10, 10)})
	s.recv(Repr{Seq: l, Ack: r, Flags: ACK, Window: 1000, Options: tsOpt(s.tsNow(), 1000)})
	s.send(Repr{Seq: r, Ack: l, Flags: ACK, Window: 1000, Options: tsOpt(1500, s.tsNow()), Payload: seqPayload(r, 10)})
	s.recv(Repr{Seq: l, Ack: r + 20, Flags: ACK, Window: 980, Options: tsOpt(s.tsNow(), 1500)})
}

// RFC 7323 5.5: TS.Recent idle for more than 24 days is no longer a
// reference; the next segment is accepted whatever its TSval.
func TestTSRecentExpires(t *testing.T) {
	s := connectedTS(t)
	r, l := remoteISS+1, localISS+1
	s.now = s.now.Add(25 * 24 * time.Hour)
	s.send(Repr{Seq: r, Ack: l, Flags: PSHACK, Window: 1000, Options: tsOpt(5, s.tsNow()), Payload: []byte("late")})
	s.recv(Repr{Seq: l, Ack: r + 4, Flags: ACK, Window: 996, Options: tsOpt(s.tsNow(), 5)})
	s.read([]byte("late"))
}

// RTT samples come from echoed timestamps, retransmissions included (RFC
// 7323 4.1): here the second copy's echo measures 50 ms.
func TestTimestampRTTSample(t *testing.T) {
	s := connectedTS(t)
	r, l := remoteISS+1, localISS+1
	s.write([]byte("data"))
	s.recv(Repr{Seq: l, Ack: r, Flags: PSHACK, Window: 1000, Options: tsOpt(s.tsNow(), 1000), Payload: []byte("data")})
	s.advance(rtoAfterZeroRTT)
	resent := s.tsNow()
	s.recv(Repr{Seq: l, Ack: r, Flags: PSHACK, Window: 1000, Options: tsOpt(resent, 1000), Payload: []byte("data")})
	s.now = s.now.Add(50 * time.Millisecond)
	s.send(Repr{Seq: r, Ack: l + 4, Flags: ACK, Window: 1000, Options: tsOpt(1001, resent)})
	// The handshake's sample was 0; then 50 ms: SRTT = 50/8, RTTVAR =
	// 3/4*0 + 1/4*50: RTO = 6.25 + 50 ms, below the 200 ms floor.
	if srtt := s.c.rtt.SRTT(); srtt != 50*time.Millisecond/8 {
		t.Fatalf("SRTT %v, want %v", srtt, 50*time.Millisecond/8)
	}
	if !s.c.rtt.HasSample() || s.c.rtt.Backoffs() != 0 {
		t.Fatal("the timestamp sample did not end the backoff")
	}
}

// rtoAfterZeroRTT is the RTO after a handshake that took no time: the
// 200 ms floor.
const rtoAfterZeroRTT = DefaultMinRTO
