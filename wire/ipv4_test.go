package wire

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// udpPacketBytes returns the IPv4 packet of the udp_datagram capture.
func udpPacketBytes(tb testing.TB) []byte {
	return loadHex(tb, "udp_datagram")[EthernetHeaderLen:]
}

func TestNewIPv4PacketErrors(t *testing.T) {
	valid := udpPacketBytes(t) // 40 bytes, total length 40
	mutate := func(f func(b []byte)) []byte {
		b := append([]byte{}, valid...)
		f(b)
		return b
	}
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"19 bytes", valid[:19], ErrTruncated},
		{"version 6", mutate(func(b []byte) { b[0] = 0x65 }), ErrBadVersion},
		{"version 0", mutate(func(b []byte) { b[0] = 0x05 }), ErrBadVersion},
		{"IHL 0", mutate(func(b []byte) { b[0] = 0x40 }), ErrBadHeaderLen},
		{"IHL 4", mutate(func(b []byte) { b[0] = 0x44 }), ErrBadHeaderLen},
		{"IHL 15 past the buffer", mutate(func(b []byte) { b[0] = 0x4f }), ErrTruncated},
		{"total length 19", mutate(func(b []byte) { binary.BigEndian.PutUint16(b[2:], 19) }), ErrBadLength},
		{"total length 0", mutate(func(b []byte) { binary.BigEndian.PutUint16(b[2:], 0) }), ErrBadLength},
		{"total length below IHL", mutate(func(b []byte) { b[0] = 0x46; binary.BigEndian.PutUint16(b[2:], 20) }), ErrBadLength},
		{"total length past the buffer", mutate(func(b []byte) { binary.BigEndian.PutUint16(b[2:], 41) }), ErrTruncated},
		{"payload cut short", valid[:39], ErrTruncated},
		{"valid", valid, nil},
		{"header only", mutate(func(b []byte) { binary.BigEndian.PutUint16(b[2:], 20) }), nil},
	}
	for _, tt := range tests {
		if _, err := NewIPv4Packet(tt.b); err != tt.want {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestIPv4ParseBadChecksum(t *testing.T) {
	b := udpPacketBytes(t)
	b[8]-- // TTL changed behind the checksum's back
	p, err := NewIPv4Packet(b)
	if err != nil {
		t.Fatal(err)
	}
	var r IPv4Repr
	if err := r.Parse(p, true); err != ErrBadChecksum {
		t.Fatalf("Parse(verify) = %v, want ErrBadChecksum", err)
	}
	if err := r.Parse(p, false); err != nil || r.TTL != 63 {
		t.Fatalf("Parse(no verify) = %v, TTL %d", err, r.TTL)
	}
	p.FillChecksum()
	if err := r.Parse(p, true); err != nil {
		t.Fatalf("after FillChecksum: %v", err)
	}
}

func TestIPv4Setters(t *testing.T) {
	p := IPv4Packet(make([]byte, 28))
	src, dst := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.2")
	p.SetVersion(4)
	p.SetHeaderLen(24)
	p.SetTOS(0xb8)
	p.SetTotalLen(28)
	p.SetID(0xbeef)
	p.SetDontFrag(true)
	p.SetMoreFrags(true)
	p.SetFragOffset(1480)
	p.SetTTL(3)
	p.SetProtocol(IPProtocolUDP)
	p.SetSrc(src)
	p.SetDst(dst)
	p.FillChecksum()
	q, err := NewIPv4Packet(p)
	if err != nil {
		t.Fatal(err)
	}
	if q.Version() != 4 || q.HeaderLen() != 24 || q.TOS() != 0xb8 || q.TotalLen() != 28 || q.ID() != 0xbeef ||
		!q.DontFrag() || !q.MoreFrags() || q.FragOffset() != 1480 || q.TTL() != 3 || q.Protocol() != IPProtocolUDP ||
		q.Src() != src || q.Dst() != dst || len(q.Options()) != 4 || len(q.Payload()) != 4 || !q.VerifyChecksum() {
		t.Fatalf("accessors disagree with setters: % x", []byte(q))
	}
	p.SetDontFrag(false)
	p.SetMoreFrags(false)
	if q.DontFrag() || q.MoreFrags() || q.FragOffset() != 1480 {
		t.Fatal("clearing flags touched the offset or left a flag set")
	}
	p.SetFragOffset(0)
	if q.IsFragment() || q.flagsFrag() != 0 {
		t.Fatalf("flags/offset word %#04x, want 0", q.flagsFrag())
	}
}

// TestIPv4AccessorsAfterBadSetters: setters may write lengths that disagree
// with the slice; the slicing accessors clamp instead of panicking.
func TestIPv4AccessorsAfterBadSetters(t *testing.T) {
	for _, hl := range []int{0, 8, 20, 24, 60} {
		for _, tl := range []int{0, 10, 20, 22, 100, 65535} {
			p := IPv4Packet(make([]byte, 24))
			p[0] = 0x40
			p.SetHeaderLen(hl)
			p.SetTotalLen(tl)
			o, pl := p.Options(), p.Payload()
			if len(o) > 4 || len(pl) > 24 {
				t.Errorf("hl %d tl %d: options %d payload %d", hl, tl, len(o), len(pl))
			}
			p.VerifyChecksum()
			p.FillChecksum()
		}
	}
}

func TestIPv4ReprRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 200 {
		var a4, b4 [4]byte
		binary.BigEndian.PutUint32(a4[:], rng.Uint32())
		binary.BigEndian.PutUint32(b4[:], rng.Uint32())
		r := IPv4Repr{
			Src: netip.AddrFrom4(a4), Dst: netip.AddrFrom4(b4),
			Protocol: IPProtocol(rng.Uint32()), TTL: uint8(rng.Uint32()), TOS: uint8(rng.Uint32()),
			ID: uint16(rng.Uint32()), DontFrag: rng.IntN(2) == 0, PayloadLen: rng.IntN(1481),
		}
		buf := make([]byte, r.BufferLen()+rng.IntN(30)) // room for trailing padding
		r.Emit(buf)
		p, err := NewIPv4Packet(buf)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != r.BufferLen() || p.IsFragment() || len(p.Options()) != 0 {
			t.Fatalf("emitted len %d, fragment %v, options %d", len(p), p.IsFragment(), len(p.Options()))
		}
		var back IPv4Repr
		if err := back.Parse(p, true); err != nil || back != r {
			t.Fatalf("round trip %+v -> %+v, %v", r, back, err)
		}
	}
}

// TestDecrementTTL: the RFC 1624 update leaves the same checksum as summing
// the header again.
func TestDecrementTTL(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for range 2000 {
		r := IPv4Repr{Src: hostA, Dst: netip.AddrFrom4([4]byte{byte(rng.Uint32()), 1, 2, 3}),
			Protocol: IPProtocol(rng.Uint32()), TTL: uint8(rng.IntN(255) + 1), ID: uint16(rng.Uint32())}
		b := make([]byte, IPv4HeaderLen)
		r.Emit(b)
		p := IPv4Packet(b)
		p.DecrementTTL()
		if p.TTL() != r.TTL-1 {
			t.Fatalf("TTL %d, want %d", p.TTL(), r.TTL-1)
		}
		got := p.HeaderChecksum()
		p.FillChecksum()
		if got != p.HeaderChecksum() {
			t.Fatalf("TTL %d: incremental %#04x, full %#04x", r.TTL, got, p.HeaderChecksum())
		}
	}
	b := make([]byte, IPv4HeaderLen)
	(&IPv4Repr{Src: hostA, Dst: hostB, TTL: 0}).Emit(b)
	want := string(b)
	IPv4Packet(b).DecrementTTL()
	if string(b) != want {
		t.Fatal("DecrementTTL changed a packet with TTL 0")
	}
}

func TestIPv4EmitZeroAddr(t *testing.T) {
	b := make([]byte, IPv4HeaderLen)
	(&IPv4Repr{TTL: 1, Dst: netip.MustParseAddr("::1")}).Emit(b)
	p, err := NewIPv4Packet(b)
	if err != nil || p.Src() != netip.IPv4Unspecified() || p.Dst() != netip.IPv4Unspecified() || !p.VerifyChecksum() {
		t.Fatalf("zero and IPv6 Addrs emitted as %v %v, %v", p.Src(), p.Dst(), err)
	}
}
