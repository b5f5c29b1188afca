package wire

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
)

func udpDatagram(tb testing.TB) []byte {
	return loadHex(tb, "udp_datagram")[EthernetHeaderLen+IPv4HeaderLen:] // 20 bytes
}

func TestNewUDPPacketErrors(t *testing.T) {
	valid := udpDatagram(t)
	withLen := func(n uint16) []byte {
		b := append([]byte{}, valid...)
		binary.BigEndian.PutUint16(b[4:], n)
		return b
	}
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"7 bytes", valid[:7], ErrTruncated},
		{"length 0", withLen(0), ErrBadLength},
		{"length 7", withLen(7), ErrBadLength},
		{"length past the buffer", withLen(21), ErrTruncated},
		{"payload cut short", valid[:19], ErrTruncated},
		{"header only", withLen(8), nil},
		{"valid", valid, nil},
	}
	for _, tt := range tests {
		if _, err := NewUDPPacket(tt.b); err != tt.want {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	// Bytes past the length field are cut off the view.
	p, err := NewUDPPacket(append(withLen(10), 0xee))
	if err != nil || len(p) != 10 || !bytes.Equal(p.Payload(), valid[8:10]) {
		t.Fatalf("short length: len %d payload % x, %v", len(p), p.Payload(), err)
	}
}

func TestUDPChecksum(t *testing.T) {
	b := udpDatagram(t)
	var r UDPRepr
	b[len(b)-1] ^= 1
	if err := r.Parse(UDPPacket(b), hostA, hostB, true); err != ErrBadChecksum {
		t.Fatalf("corrupted payload: %v, want ErrBadChecksum", err)
	}
	if err := r.Parse(UDPPacket(b), hostA, hostB, false); err != nil || r.SrcPort != 40000 {
		t.Fatalf("no verify: %v %+v", err, r)
	}
	UDPPacket(b).SetChecksum(0) // "no checksum" verifies whatever the data
	if err := r.Parse(UDPPacket(b), hostA, hostB, true); err != nil {
		t.Fatalf("zero checksum: %v", err)
	}
}

// TestUDPChecksumZeroSentAsOnes finds a payload whose checksum computes to
// zero and checks that it goes out as 0xffff and still verifies.
func TestUDPChecksumZeroSentAsOnes(t *testing.T) {
	b := make([]byte, 10)
	r := UDPRepr{SrcPort: 1, DstPort: 2}
	r.Emit(b, 2, hostA, hostB)
	// With a zero payload word the stored checksum c is the one's-complement
	// negation of the rest of the sum; a payload word of c makes the sum
	// 0xffff, whose complement is the zero that must not go out.
	binary.BigEndian.PutUint16(b[8:], UDPPacket(b).Checksum())
	r.Emit(b, 2, hostA, hostB)
	p := UDPPacket(b)
	if p.Checksum() != 0xffff {
		t.Fatalf("checksum %#04x, want 0xffff for a computed zero", p.Checksum())
	}
	if !p.VerifyChecksum(hostA, hostB) {
		t.Fatal("0xffff checksum does not verify")
	}
}

func TestUDPRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for range 200 {
		r := UDPRepr{SrcPort: uint16(rng.Uint32()), DstPort: uint16(rng.Uint32())}
		payload := make([]byte, rng.IntN(600))
		for i := range payload {
			payload[i] = byte(rng.Uint32())
		}
		buf := make([]byte, UDPHeaderLen+len(payload)+rng.IntN(5))
		copy(buf[UDPHeaderLen:], payload)
		src := netip.AddrFrom4([4]byte{10, byte(rng.Uint32()), 0, 1})
		r.Emit(buf, len(payload), src, hostB)
		p, err := NewUDPPacket(buf)
		if err != nil {
			t.Fatal(err)
		}
		var back UDPRepr
		if err := back.Parse(p, src, hostB, true); err != nil || back != r || !bytes.Equal(p.Payload(), payload) {
			t.Fatalf("round trip %+v -> %+v, %v", r, back, err)
		}
		if p.Checksum() == 0 {
			t.Fatal("emitted a zero checksum")
		}
	}
}

func TestUDPAccessorsAfterBadSetters(t *testing.T) {
	for _, n := range []int{0, 3, 8, 9, 12, 65535} {
		p := UDPPacket(make([]byte, 12))
		p.SetLength(n)
		if len(p.Payload()) > 4 {
			t.Errorf("length %d: payload %d", n, len(p.Payload()))
		}
		p.FillChecksum(hostA, hostB)
		p.VerifyChecksum(hostA, hostB)
	}
}
