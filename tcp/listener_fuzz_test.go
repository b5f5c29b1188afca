package tcp

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// FuzzListener throws arbitrary segments from a handful of sources at a
// small listener, with time passing, Resend and Accept between them, and
// checks that nothing panics and the tables stay within their bounds:
// handshakes within SYNBacklog, ready connections within AcceptBacklog,
// every record reachable by its source exactly once, and every Accept a
// connection in ESTABLISHED.
//
// Each segment is 12 bytes: source (low 3 bits), flags, seq (4), ack (4),
// options selector, action (time step / Accept).
func FuzzListener(f *testing.F) {
	// A SYN, its retransmission, then an ACK from the same source.
	f.Add([]byte{
		0, byte(wire.TCPSyn), 0, 0, 0, 100, 0, 0, 0, 0, 1, 0,
		0, byte(wire.TCPSyn), 0, 0, 0, 100, 0, 0, 0, 0, 1, 1,
		0, byte(wire.TCPAck), 0, 0, 0, 101, 0, 0, 0, 1, 0, 2,
	})
	// A flood from eight sources, then resets and a forged cookie ACK.
	var flood []byte
	for i := 0; i < 8; i++ {
		flood = append(flood, byte(i), byte(wire.TCPSyn), 0, 0, 1, byte(i), 0, 0, 0, 0, 3, 0)
	}
	flood = append(flood, 3, byte(wire.TCPRst), 0, 0, 1, 4, 0, 0, 0, 0, 0, 1)
	flood = append(flood, 7, byte(wire.TCPAck|wire.TCPFin), 0, 0, 9, 9, 1, 2, 3, 4, 2, 2)
	f.Add(flood)
	f.Fuzz(func(t *testing.T, in []byte) {
		h := &lnHarness{
			t:   t,
			l:   NewListener(ListenerConfig{SYNBacklog: 3, AcceptBacklog: 2, SYNACKRetries: 2}, NewISNGeneratorKey([16]byte{1}), NewSYNCookiesKey([16]byte{2})),
			now: reactor.Instant(100 * time.Second),
		}
		// A SYN-ACK's ISS, so the fuzzer can complete handshakes: the ACK
		// field of a segment is taken as an offset from the last one seen.
		var lastISS Seq
		for ; len(in) >= 12; in = in[12:] {
			src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, in[0] & 7}), 40000+uint16(in[0]&7))
			seg := Repr{
				Flags:   wire.TCPFlags(in[1]),
				Seq:     Seq(binary.BigEndian.Uint32(in[2:])),
				Ack:     lastISS + Seq(binary.BigEndian.Uint32(in[6:])),
				Window:  1000,
				Payload: make([]byte, int(in[10]>>4)),
			}
			if in[10]&1 != 0 {
				seg.Options.MSS, seg.Options.HasMSS = uint16(in[10])*8, true
			}
			if in[10]&2 != 0 {
				seg.Options.HasTimestamps, seg.Options.TSVal, seg.Options.TSEcr = true, 5, uint32(in[11])
			}
			if in[10]&4 != 0 {
				seg.Options.HasWindowScale, seg.Options.WindowScale = true, in[11]
				seg.Options.SACKPermitted = true
			}
			reply, send, _ := h.l.Input(h.now, lnAddr, src, &seg)
			if send && reply.Flags&wire.TCPSyn != 0 {
				lastISS = reply.Seq
				if reply.Ack != seg.Seq+1 {
					t.Fatalf("SYN-ACK acknowledges %d for SYN %d", reply.Ack, seg.Seq)
				}
			}
			switch in[11] % 4 {
			case 1:
				h.now = h.now.Add(time.Duration(in[11]) * 100 * time.Millisecond)
				for {
					if _, _, ok := h.l.Resend(h.now); !ok {
						break
					}
				}
			case 2:
				if c, ok := h.l.Accept(h.now, lnAddr.Addr(), lnAddr.Port(), make([]byte, 256), make([]byte, 256)); ok {
					if c.State() != Established {
						t.Fatalf("accepted a connection in %v", c.State())
					}
					var buf [1600]byte
					c.Output(h.now, buf[:], lnAddr.Addr(), src.Addr())
				}
			}
			h.checkInvariants()
		}
	})
}

// checkInvariants checks the listener's tables against each other.
func (h *lnHarness) checkInvariants() {
	l := h.l
	syn, used := 0, 0
	for i := range l.recs {
		r := &l.recs[i]
		if r.opts&optUsed == 0 {
			continue
		}
		used++
		if r.opts&optEstablished == 0 {
			syn++
		}
		if j, ok := l.byRemote[r.remote]; !ok || int(j) != i {
			h.t.Fatalf("record %d for %v not indexed", i, r.remote)
		}
	}
	if syn != l.synCount || syn > l.cfg.SYNBacklog {
		h.t.Fatalf("%d handshakes, count says %d, backlog %d", syn, l.synCount, l.cfg.SYNBacklog)
	}
	if len(l.acceptQ) > l.cfg.AcceptBacklog || used != syn+len(l.acceptQ) {
		h.t.Fatalf("%d ready of backlog %d; %d records used", len(l.acceptQ), l.cfg.AcceptBacklog, used)
	}
	if used != len(l.byRemote) || used+len(l.free) != len(l.recs) {
		h.t.Fatalf("%d used, %d indexed, %d free of %d", used, len(l.byRemote), len(l.free), len(l.recs))
	}
}
