package tcp

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/seed947b3480/legation/reactor"
	"github.com/seed947b3480/legation/wire"
)

// FuzzConnInput throws arbitrary segments at a Conn in each state and
// checks that nothing panics and that what must hold does: SND.UNA <=
// SND.NXT <= SND.MAX, bounded rings, every output a well-formed segment,
// and the received stream exactly the peer's bytes, in order, each once.
//
// The input's first byte picks the state and the options; the rest is
// read 12 bytes per segment. The fuzzed peer's bytes are a function of
// their sequence number, as a real peer's are, so whatever order and
// overlap the segments come in, only one stream is right.
func FuzzConnInput(f *testing.F) {
	for st := range fuzzStates {
		for _, opts := range []byte{0, 1} {
			f.Add([]byte{byte(st)<<1 | opts})
			// An in-order data segment acknowledging everything, then a FIN.
			f.Add([]byte{byte(st)<<1 | opts,
				byte(ACK | PSH), 0, 0, 0, 20, 0x03, 0xe8, 50, 1, 0, 1, 10,
				byte(FINACK), 0, 50, 0, 20, 0x03, 0xe8, 0, 1, 0, 2, 10})
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		fz := newFuzzConn(t, int(in[0]>>1)%len(fuzzStates), in[0]&1 != 0)
		for in = in[1:]; len(in) >= 12; in = in[12:] {
			fz.step(in[:12])
		}
	})
}

// fuzzStates are the states FuzzConnInput starts from.
var fuzzStates = []State{SynSent, SynReceived, Established, FinWait1, FinWait2, CloseWait, Closing, LastAck, TimeWait}

// fuzzConn is a Conn under fuzzing and what the test knows of its peer.
type fuzzConn struct {
	t       *testing.T
	c       *Conn
	now     reactor.Instant
	opts    bool
	irs     Seq
	irsSet  bool   // the handshake fixed irs
	read    uint32 // bytes read so far
	peerTS  uint32
	buf     [2048]byte
	readBuf [4096]byte
}

// fuzzByte is the fuzzed peer's byte at sequence number s.
func fuzzByte(s Seq) byte { return byte(uint32(s)*7 + uint32(s)>>8) }

func newFuzzConn(t *testing.T, st int, opts bool) *fuzzConn {
	return newFuzzConnPool(t, st, opts, nil)
}

// newFuzzConnPool is newFuzzConn with the rings lent by pool, if not nil.
func newFuzzConnPool(t *testing.T, st int, opts bool, pool *BufferPool) *fuzzConn {
	cfg := Config{
		RxBuffer: make([]byte, 2000), TxBuffer: make([]byte, 2000), MSS: 200,
		DisableSACK: !opts, DisableTimestamps: !opts, DisableWindowScale: !opts,
		TimeWait: time.Second, KeepAlive: 3 * time.Second, UserTimeout: time.Minute,
	}
	if pool != nil {
		cfg.RxBuffer, cfg.TxBuffer, cfg.Pool = nil, nil, pool
	}
	fz := &fuzzConn{t: t, c: NewConn(cfg), now: reactor.Instant(time.Hour), opts: opts, irs: 7000, peerTS: 100}
	local, remote := scriptLocal, scriptRemote
	var synOpts wire.TCPOptions
	if opts {
		synOpts = wire.TCPOptions{MSS: 300, HasMSS: true, WindowScale: 2, HasWindowScale: true,
			SACKPermitted: true, HasTimestamps: true, TSVal: fz.peerTS}
	}
	target := fuzzStates[st]
	if target == SynReceived {
		syn := Repr{Seq: fz.irs, Flags: SYN, Window: 3000, Options: synOpts}
		if err := fz.c.AcceptSYN(fz.now, local, remote, &syn, localISS); err != nil {
			t.Fatal(err)
		}
		fz.drain()
		return fz
	}
	fz.c.Connect(fz.now, local, remote, localISS)
	fz.drain()
	if target == SynSent {
		return fz
	}
	fz.c.Write(make([]byte, 700))
	synOpts.TSEcr = fz.c.tsClock(fz.now)
	fz.input(Repr{Seq: fz.irs, Ack: localISS + 1, Flags: SYNACK, Window: 3000, Options: synOpts})
	fz.drain()
	l, r := localISS+1, fz.irs+1
	ackAll := func(fin bool) {
		a := fz.c.sndMax
		flags := ACK
		if fin {
			flags = FINACK
		}
		fz.input(Repr{Seq: r, Ack: a, Flags: flags, Window: 3000})
		fz.drain()
	}
	switch target {
	case FinWait1:
		fz.c.Close()
	case FinWait2:
		fz.c.Close()
		fz.drain()
		ackAll(false)
		ackAll(false)
	case CloseWait:
		fz.input(Repr{Seq: r, Ack: l, Flags: FINACK, Window: 3000})
	case Closing:
		fz.c.Close()
		fz.drain()
		fz.input(Repr{Seq: r, Ack: l, Flags: FINACK, Window: 3000})
	case LastAck:
		fz.input(Repr{Seq: r, Ack: l, Flags: FINACK, Window: 3000})
		fz.drain()
		fz.c.Close()
	case TimeWait:
		fz.c.Close()
		fz.drain()
		ackAll(false)
		ackAll(true)
	}
	fz.drain()
	fz.check()
	if got := fz.c.State(); got != target {
		t.Fatalf("setup reached %v, want %v", got, target)
	}
	return fz
}

// input feeds seg, with timestamps when negotiated.
func (fz *fuzzConn) input(seg Repr) {
	if fz.opts && seg.Flags&SYN == 0 {
		fz.peerTS++
		seg.Options.HasTimestamps, seg.Options.TSVal, seg.Options.TSEcr = true, fz.peerTS, fz.c.tsClock(fz.now)
	}
	fz.c.Input(fz.now, &seg)
}

// step decodes one segment from 12 bytes, feeds it, lets time pass, and
// checks the invariants.
func (fz *fuzzConn) step(b []byte) {
	seg := Repr{
		Flags:  wire.TCPFlags(b[0]),
		Seq:    fz.c.rcvNxt.Add(uint32(int32(int16(binary.BigEndian.Uint16(b[1:3]))))),
		Ack:    fz.c.sndUna.Add(uint32(int32(int16(binary.BigEndian.Uint16(b[3:5]))))),
		Window: binary.BigEndian.Uint16(b[5:7]),
	}
	payload := make([]byte, int(b[7])*3)
	for i := range payload {
		payload[i] = fuzzByte(seg.Seq.Add(uint32(i)))
	}
	if seg.Flags&SYN != 0 {
		// Data on a SYN starts one after it.
		for i := range payload {
			payload[i] = fuzzByte(seg.Seq.Add(uint32(i + 1)))
		}
	}
	seg.Payload = payload
	o := b[8]
	if o&1 != 0 && fz.opts {
		fz.peerTS += uint32(int32(int8(b[9])))
		seg.Options.HasTimestamps, seg.Options.TSVal, seg.Options.TSEcr = true, fz.peerTS, fz.c.tsClock(fz.now)-uint32(b[10])
	}
	if k := int(o>>1) & 7; k > 0 {
		for i := range min(k, 4) {
			left := fz.c.sndUna.Add(uint32(b[9+i%3]) * uint32(i+1) * 13)
			seg.Options.SACK[i] = wire.SACKBlock{Left: uint32(left), Right: uint32(left.Add(uint32(b[10]) * 7))}
		}
		seg.Options.NumSACK = min(k, 4)
	}
	if o&0x10 != 0 {
		seg.Options.MSS, seg.Options.HasMSS = uint16(b[10]), true
	}
	if o&0x20 != 0 {
		fz.c.Write(payload)
	}
	if o&0x40 != 0 {
		fz.c.CloseWrite()
	}
	fz.c.Input(fz.now, &seg)
	fz.check()
	fz.drain()
	fz.now = fz.now.Add(time.Duration(b[11]) * 10 * time.Millisecond)
	if due(fz.c.PollAt(), fz.now) {
		fz.c.Poll(fz.now)
	}
	fz.drain()
	fz.check()
}

// drain takes every segment the Conn has to send and checks it parses.
func (fz *fuzzConn) drain() {
	for i := 0; ; i++ {
		n, ok := fz.c.Output(fz.now, fz.buf[:], scriptLocal.Addr(), scriptRemote.Addr())
		if !ok {
			return
		}
		if i > 64 {
			fz.t.Fatal("Output does not run dry")
		}
		p, err := wire.NewTCPPacket(fz.buf[:n])
		if err != nil || !p.VerifyChecksum(scriptLocal.Addr(), scriptRemote.Addr()) {
			fz.t.Fatalf("bad segment out: %v", err)
		}
		var r Repr
		if err := r.Parse(p); err != nil {
			fz.t.Fatalf("bad options out: %v", err)
		}
		if len(r.Payload) > int(fz.c.cfg.MSS) {
			fz.t.Fatalf("segment of %d bytes, above the MSS", len(r.Payload))
		}
	}
}

// check reads what is readable and checks the invariants.
func (fz *fuzzConn) check() {
	c := fz.c
	checkInvariants(fz.t, c)
	for {
		n, _ := c.Read(fz.readBuf[:])
		if n == 0 {
			break
		}
		for i, got := range fz.readBuf[:n] {
			if want := fuzzByte(fz.irs + 1 + Seq(fz.read) + Seq(i)); got != want {
				fz.t.Fatalf("stream byte %d is %#x, want %#x", int(fz.read)+i, got, want)
			}
		}
		fz.read += uint32(n)
	}
	if c.state == SynSent || !c.opened || c.state == Closed && !fz.irsSet {
		return
	}
	if !fz.irsSet {
		fz.irs, fz.irsSet = c.irs, true
	} else if c.irs != fz.irs {
		fz.t.Fatalf("IRS changed from %d to %d", fz.irs, c.irs)
	}
	fin := uint32(0)
	if c.finRecvd {
		fin = 1
	}
	if got := uint32(c.rcvNxt - fz.irs - 1); got != fz.read+uint32(c.rx.Len())+fin {
		fz.t.Fatalf("RCV.NXT is %d past the SYN, but %d bytes were read, %d wait and FIN %d", got, fz.read, c.rx.Len(), fin)
	}
}
