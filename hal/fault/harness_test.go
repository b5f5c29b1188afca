package fault

import (
	"encoding/binary"
	"math/bits"
	"testing"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/loopback"
)

// rig is a fault Device wrapping one end of a loopback link, plus the other
// end as the outside world. TX frames go stack -> fault -> link -> peer; RX
// frames go peer -> link -> fault -> stack.
type rig struct {
	t    testing.TB
	f    *Device
	peer *loopback.Device
	now  int64
}

func newRig(t testing.TB, cfg Config, lc loopback.Config) *rig {
	a, b := loopback.NewPair(lc)
	return &rig{t: t, f: New(a, cfg), peer: b}
}

// tick moves the rig's clock and returns what the fault device answers.
func (r *rig) tick(now int64) (int64, bool) {
	r.now = now
	return r.f.Tick(now)
}

func (r *rig) send(d dir, frame []byte) {
	r.t.Helper()
	var dev hal.Device = r.f
	if d == dirRX {
		dev = r.peer
	}
	buf, ok := dev.Transmit()
	if !ok {
		r.t.Fatalf("%v: Transmit refused", d)
	}
	dev.Commit(copy(buf, frame))
}

// drain takes every frame that has come out at the far side of direction d.
func (r *rig) drain(d dir, got func(frame []byte)) int {
	var dev hal.Device = r.peer
	if d == dirRX {
		dev = r.f
	}
	n := 0
	for ; ; n++ {
		f, ok := dev.Receive()
		if !ok {
			return n
		}
		got(f)
		dev.ReleaseRx()
	}
}

func (d dir) String() string {
	if d == dirRX {
		return "rx"
	}
	return "tx"
}

// mkFrame builds an Ethernet frame of n bytes (n >= 26) carrying seq three
// times, so the sequence number survives any single flipped bit.
func mkFrame(seq uint32, n int) []byte {
	f := make([]byte, n)
	copy(f, []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5})
	for k := 0; k < 3; k++ {
		binary.BigEndian.PutUint32(f[14+4*k:], seq)
	}
	for i := 26; i < n; i++ {
		f[i] = byte(seq) + byte(i)*3
	}
	return f
}

// frameSeq reads the sequence number by majority of its three copies.
func frameSeq(f []byte) uint32 {
	a := binary.BigEndian.Uint32(f[14:])
	b := binary.BigEndian.Uint32(f[18:])
	c := binary.BigEndian.Uint32(f[22:])
	return (a & b) | (a & c) | (b & c)
}

// bitDiff counts differing bits and reports the first differing byte.
func bitDiff(a, b []byte) (n, first int) {
	first = -1
	for i := range a {
		if x := a[i] ^ b[i]; x != 0 {
			n += bits.OnesCount8(x)
			if first < 0 {
				first = i
			}
		}
	}
	return n, first
}

func frameLen(seq uint32) int { return 60 + int(seq*131%1455) }
