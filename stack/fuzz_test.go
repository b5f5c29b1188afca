package stack

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/udp"
	"github.com/seed947b3480/legation/wire"
)

// A fuzz input is a sequence of records, each [advance][len16][frame]:
// advance is virtual time to let pass before the frame, in 10 ms units (so
// ARP retries, entry aging and reassembly timeouts fire within an input),
// and len16 the big-endian length of the frame, which may be 0 or larger
// than the MTU. A short last record takes what is left.
const fuzzRecordHeader = 3

func encodeRecords(advance []byte, frames [][]byte) []byte {
	var b []byte
	for i, f := range frames {
		b = append(b, advance[i%len(advance)])
		b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
		b = append(b, f...)
	}
	return b
}

// nextRecord splits the first record off in.
func nextRecord(in []byte) (advance time.Duration, frame, rest []byte, ok bool) {
	if len(in) < fuzzRecordHeader {
		return 0, nil, nil, false
	}
	advance = time.Duration(in[0]) * 10 * time.Millisecond
	n := min(int(binary.BigEndian.Uint16(in[1:3])), len(in)-fuzzRecordHeader)
	return advance, in[fuzzRecordHeader : fuzzRecordHeader+n], in[fuzzRecordHeader+n:], true
}

// fuzzConfig has short timers and small tables so that an input of a few
// frames reaches every limit.
var fuzzConfig = Config{
	Addr:                netip.PrefixFrom(addrA, 24),
	Gateway:             addrG,
	ARPCacheSize:        4,
	ARPEntryTTL:         2 * time.Second,
	ARPRetryInterval:    100 * time.Millisecond,
	ARPRetries:          2,
	ARPPendingPackets:   3,
	GratuitousARPs:      1,
	ReassemblySlots:     2,
	ReassemblyMaxSize:   4096,
	ReassemblyTimeout:   time.Second,
	MaxFramesPerPoll:    4,
	ICMPErrorsPerSecond: 10,
	Seed:                1,
}

// ingressReasons are the drop reasons of the receive path, each frame
// counting at most one of them. The others (ARP failure, rate limits, no
// route, timeouts, device room) belong to sending and timers.
var ingressReasons = []DropReason{
	DropTruncated, DropOversize, DropBadVersion, DropBadHeaderLen, DropBadLength,
	DropBadChecksum, DropMartianSource, DropNotForUs, DropUnknownEtherType,
	DropUnknownProtocol, DropARPUnsupported, DropARPMalformed, DropFragmentOverlap,
	DropReassemblyFull, DropReassemblyTooBig, DropUnconfigured, DropSocketFull,
	DropICMPUnhandled, DropBroadcastSource, DropNoSocket,
}

func ingressDrops(c *Counters) uint64 {
	var n uint64
	for _, r := range ingressReasons {
		n += c.Drops[r]
	}
	return n
}

// checkSent fails unless every frame the stack sent is one a peer can take:
// from our MAC, within the MTU and the Ethernet minimum, and, for IPv4,
// from our address with a correct header checksum and consistent length.
func checkSent(t *testing.T, dev *scriptDev) {
	t.Helper()
	for _, f := range dev.take() {
		if len(f) < 60 || len(f) > dev.mtu {
			t.Fatalf("sent a frame of %d bytes", len(f))
		}
		eth := wire.EthernetFrame(f)
		if eth.Src() != macA {
			t.Fatalf("sent from %v", eth.Src())
		}
		switch eth.EtherType() {
		case wire.EtherTypeARP:
			if _, err := wire.NewARPPacket(eth.Payload()); err != nil {
				t.Fatalf("sent a bad ARP packet: %v", err)
			}
		case wire.EtherTypeIPv4:
			ip, err := wire.NewIPv4Packet(eth.Payload())
			if err != nil || !ip.VerifyChecksum() || ip.Src() != addrA {
				t.Fatalf("sent a bad IPv4 packet (%v): % x", err, f[:min(len(f), 34)])
			}
		default:
			t.Fatalf("sent EtherType %#x", eth.EtherType())
		}
	}
}

// FuzzStackInput feeds arbitrary frames, at arbitrary virtual times, to a
// configured stack with a UDP echo socket open, and checks that it never
// panics or spins, counts every frame, consumes or drops each exactly once,
// sends only well-formed frames, and gives back every bounded resource
// (pending slots, reassembly slots, socket rings) once time passes.
func FuzzStackInput(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte) {
		dev := newScriptDev(1514)
		s, err := New(dev, fuzzConfig)
		if err != nil {
			t.Fatal(err)
		}
		sock := s.NewUDPSocket(udp.Config{RxBuffer: make([]byte, 8192), RxSlots: 8, TxBuffer: make([]byte, 8192), TxSlots: 8})
		if err := sock.Bind(netip.AddrPortFrom(netip.Addr{}, 7)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 4096)
		sock.OnReadable(func() {
			for {
				n, from, _, err := sock.RecvFrom(buf)
				if err != nil {
					return
				}
				_ = sock.SendTo(buf[:n], from) // a full ring is the peer's problem
			}
		})

		var now reactor.Instant
		fed := uint64(0)
		for rest := in; ; {
			adv, frame, r, ok := nextRecord(rest)
			if !ok {
				break
			}
			rest = r
			now = now.Add(adv)
			// Timers first, so the frame's own effect can be told apart.
			settles(t, s, now)
			checkSent(t, dev)

			before := s.Counters()
			delivered := sock.Stats().RxDatagrams
			dev.rx = append(dev.rx, frame)
			fed++
			settles(t, s, now)
			checkSent(t, dev)
			after := s.Counters()

			if after.RxFrames != before.RxFrames+1 {
				t.Fatalf("frame %d: RxFrames went from %d to %d", fed, before.RxFrames, after.RxFrames)
			}
			dropped := ingressDrops(&after) - ingressDrops(&before)
			consumed := after.RxARP > before.RxARP || after.RxFragments > before.RxFragments ||
				after.RxICMP > before.RxICMP || sock.Stats().RxDatagrams > delivered
			if dropped > 1 || dropped == 0 && !consumed {
				t.Fatalf("frame %d (% x): %d receive drops, consumed=%v; drops %v",
					fed, frame[:min(len(frame), 42)], dropped, consumed, dropsOf(after))
			}
		}

		// Let every timer run out: the stack must end idle with all its
		// bounded resources free.
		for i := 0; ; i++ {
			next := settles(t, s, now)
			checkSent(t, dev)
			if next == reactor.Never {
				break
			}
			if i == 10000 {
				t.Fatalf("still busy at %v, next poll %v", now, next)
			}
			now = next
		}
		c := s.Counters()
		if c.RxFrames != fed {
			t.Fatalf("RxFrames %d, fed %d", c.RxFrames, fed)
		}
		var sum uint64
		for _, n := range c.Drops {
			sum += n
		}
		if sum != c.Dropped {
			t.Fatalf("Dropped %d, reasons add up to %d", c.Dropped, sum)
		}
		if free := s.freePending(); free != len(s.pending) {
			t.Fatalf("%d of %d pending slots still held", len(s.pending)-free, len(s.pending))
		}
		for i := range s.frag.slots {
			if s.frag.slots[i].used {
				t.Fatalf("reassembly slot %d still held", i)
			}
		}
		if _, _, queued := sock.PeekSend(); queued || s.udpSend.len() != 0 {
			t.Fatal("datagrams still queued to send")
		}
	})
}
