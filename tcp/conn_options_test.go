package tcp

import (
	"testing"
	"time"

	"github.com/seed947b3480/legation/wire"
)

// tsNow is the TSval a Conn with ISS localISS sends at instant now: a
// millisecond clock offset by the ISS.
func (s *script) tsNow() uint32 {
	return uint32(int64(s.now)/int64(time.Millisecond)) + uint32(localISS)
}

// RFC 7323 and RFC 2018 negotiation, all offered and all accepted: the SYN
// offers MSS, window scale, SACK-permitted and timestamps; the window in
// SYN segments is never scaled, every later one is; every later segment
// carries timestamps echoing the peer's; segments shrink by the 12 bytes
// the timestamps take.
func TestOptionsNegotiated(t *testing.T) {
	cfg := scriptConfig()
	cfg.DisableSACK, cfg.DisableTimestamps, cfg.DisableWindowScale = false, false, false
	cfg.RxBuffer = make([]byte, 200_000) // needs a shift of 2: 200000 > 65535<<1
	cfg.NoDelay = true
	s := newScript(t, cfg)
	s.c.Connect(s.now, scriptLocal, scriptRemote, localISS)
	s.recv(Repr{Seq: localISS, Flags: SYN, Window: 65535, Options: wire.TCPOptions{
		MSS: 100, HasMSS: true, WindowScale: 2, HasWindowScale: true, SACKPermitted: true,
		HasTimestamps: true, TSVal: s.tsNow(),
	}})
	synTS := s.tsNow()
	s.now = s.now.Add(20 * time.Millisecond)
	s.send(Repr{Seq: remoteISS, Ack: localISS + 1, Flags: SYNACK, Window: 5000, Options: wire.TCPOptions{
		MSS: 100, HasMSS: true, WindowScale: 3, HasWindowScale: true, SACKPermitted: true,
		HasTimestamps: true, TSVal: 777, TSEcr: synTS,
	}})
	s.state(Established)
	ts := func(val, ecr uint32) wire.TCPOptions {
		return wire.TCPOptions{HasTimestamps: true, TSVal: val, TSEcr: ecr}
	}
	// The free 200000 bytes, scaled by 4.
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: ACK, Window: 50000, Options: ts(s.tsNow(), 777)})

	// The peer's window field is scaled by its shift of 3: 100 means 800.
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: ACK, Window: 100, Options: ts(778, s.tsNow())})
	data := seqPayload(localISS+1, 1000)
	s.write(data)
	// 800 bytes of window in segments of 100-12 = 88 bytes; the last 8
	// wait, by sender SWS avoidance: 8 bytes is far below half the
	// largest window the peer offered.
	seq := localISS + 1
	for sent := 0; sent+88 <= 800; sent += 88 {
		s.recv(Repr{Seq: seq, Ack: remoteISS + 1, Flags: ACK, Window: 50000, Options: ts(s.tsNow(), 778), Payload: data[sent : sent+88]})
		seq = seq.Add(88)
	}
	s.recvNothing()
	// The SYN-ACK's echo was an RTT sample of 20 ms: the RTO is at its
	// 200 ms floor.
	if at := s.c.PollAt(); at != s.now.Add(200*time.Millisecond) {
		t.Fatalf("RTO %v, want 200ms", at.Sub(s.now))
	}
}

// A peer that answers with no options gets none: the default MSS of 536
// (capped by ours), unscaled windows, no timestamps, no SACK.
func TestOptionsRefusedByPeer(t *testing.T) {
	cfg := scriptConfig()
	cfg.DisableSACK, cfg.DisableTimestamps, cfg.DisableWindowScale = false, false, false
	cfg.RxBuffer = make([]byte, 200_000)
	cfg.MSS = 1460
	cfg.NoDelay = true
	s := newScript(t, cfg)
	s.c.Connect(s.now, scriptLocal, scriptRemote, localISS)
	s.recv(Repr{Seq: localISS, Flags: SYN, Window: 65535, Options: wire.TCPOptions{
		MSS: 1460, HasMSS: true, WindowScale: 2, HasWindowScale: true, SACKPermitted: true,
		HasTimestamps: true, TSVal: s.tsNow(),
	}})
	s.send(Repr{Seq: remoteISS, Ack: localISS + 1, Flags: SYNACK, Window: 5000})
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: ACK, Window: 65535})
	data := seqPayload(localISS+1, 600)
	s.write(data)
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: ACK, Window: 65535, Payload: data[:536]})
	s.recv(Repr{Seq: localISS + 537, Ack: remoteISS + 1, Flags: PSHACK, Window: 65535, Payload: data[536:]})
}

// A passive open answers only with what the SYN offered, and applies the
// peer's window scale from the third segment on.
func TestOptionsPassive(t *testing.T) {
	cfg := scriptConfig()
	cfg.DisableSACK, cfg.DisableTimestamps, cfg.DisableWindowScale = false, false, false
	cfg.NoDelay = true
	s := newScript(t, cfg)
	syn := Repr{Seq: remoteISS, Flags: SYN, Window: 4000, Options: wire.TCPOptions{
		MSS: 1000, HasMSS: true, WindowScale: 1, HasWindowScale: true,
	}}
	s.c.AcceptSYN(s.now, scriptLocal, scriptRemote, &syn, localISS)
	// Our 1000-byte buffer needs no scaling: the shift offered is 0.
	s.recv(Repr{Seq: localISS, Ack: remoteISS + 1, Flags: SYNACK, Window: 1000, Options: wire.TCPOptions{
		MSS: 100, HasMSS: true, WindowScale: 0, HasWindowScale: true,
	}})
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 1, Flags: ACK, Window: 60}) // 120 bytes
	s.state(Established)
	data := seqPayload(localISS+1, 300)
	s.write(data)
	s.recv(Repr{Seq: localISS + 1, Ack: remoteISS + 1, Flags: ACK, Window: 1000, Payload: data[:100]})
	s.recvNothing() // the 20 bytes left of the window wait (SWS avoidance)
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 101, Flags: ACK, Window: 60})
	s.recv(Repr{Seq: localISS + 101, Ack: remoteISS + 1, Flags: ACK, Window: 1000, Payload: data[100:200]})
	s.send(Repr{Seq: remoteISS + 1, Ack: localISS + 201, Flags: ACK, Window: 500}) // 1000 bytes
	s.recv(Repr{Seq: localISS + 201, Ack: remoteISS + 1, Flags: PSHACK, Window: 1000, Payload: data[200:]})
}

// windowShift is the smallest scale that covers the buffer.
func TestWindowShift(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want uint8
	}{{0, 0}, {65535, 0}, {65536, 1}, {131070, 1}, {131071, 2}, {1 << 20, 5}, {1 << 30, 14}} {
		if got := windowShift(tc.n); got != tc.want {
			t.Errorf("windowShift(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}
