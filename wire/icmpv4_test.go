package wire

import (
	"bytes"
	"testing"
)

func icmpMessage(tb testing.TB) []byte {
	return loadHex(tb, "icmp_echo_request")[EthernetHeaderLen+IPv4HeaderLen:]
}

func TestNewICMPv4PacketErrors(t *testing.T) {
	for _, n := range []int{0, 4, 7} {
		if _, err := NewICMPv4Packet(make([]byte, n)); err != ErrTruncated {
			t.Errorf("len %d: err = %v, want ErrTruncated", n, err)
		}
	}
	m, err := NewICMPv4Packet(make([]byte, 8))
	if err != nil || len(m.Data()) != 0 {
		t.Fatalf("header only: %v, data %d", err, len(m.Data()))
	}
}

func TestICMPv4ParseErrors(t *testing.T) {
	b := icmpMessage(t)
	b[len(b)-1] ^= 0x40
	var r ICMPv4Repr
	if err := r.Parse(ICMPv4Packet(b), true); err != ErrBadChecksum {
		t.Fatalf("corrupted data: %v, want ErrBadChecksum", err)
	}
	if err := r.Parse(ICMPv4Packet(b), false); err != nil {
		t.Fatalf("corrupted data, no verify: %v", err)
	}
	for _, typ := range []ICMPv4Type{4, 5, 12, 13, 14, 42, 255} {
		m := ICMPv4Packet(icmpMessage(t))
		m.SetType(typ)
		m.FillChecksum()
		if err := r.Parse(m, true); err != ErrUnsupported {
			t.Errorf("type %d: %v, want ErrUnsupported", typ, err)
		}
	}
}

func TestICMPv4RoundTrip(t *testing.T) {
	data := []byte("0123456789abcdefghijklmnopqrstuvwxyz!") // odd length
	for _, r := range []ICMPv4Repr{
		{Type: ICMPv4EchoRequest, ID: 0x1234, Seq: 0xfedc, Data: data},
		{Type: ICMPv4EchoReply, ID: 1, Seq: 2},
		{Type: ICMPv4DestUnreachable, Code: ICMPv4CodeFragNeeded, MTU: 1280, Data: data[:28]},
		{Type: ICMPv4DestUnreachable, Code: ICMPv4CodePortUnreachable, Data: data[:28]},
		{Type: ICMPv4DestUnreachable, Code: ICMPv4CodeHostUnreachable, Data: data[:28]},
		{Type: ICMPv4TimeExceeded, Code: 0, Data: data[:28]},
	} {
		buf := make([]byte, r.Len()+3)
		if n := r.Emit(buf); n != r.Len() {
			t.Fatalf("Emit = %d, Len = %d", n, r.Len())
		}
		m, err := NewICMPv4Packet(buf[:r.Len()])
		if err != nil {
			t.Fatal(err)
		}
		var back ICMPv4Repr
		if err := back.Parse(m, true); err != nil || !icmpEqual(back, r) {
			t.Fatalf("round trip %+v -> %+v, %v", r, back, err)
		}
	}
}

// TestICMPv4EmitOverlap: Data may sit anywhere in the output buffer,
// including over the header Emit is about to write.
func TestICMPv4EmitOverlap(t *testing.T) {
	data := []byte("overlapping echo data")
	want := make([]byte, ICMPv4HeaderLen+len(data))
	r := ICMPv4Repr{Type: ICMPv4EchoReply, ID: 7, Seq: 9, Data: data}
	want = want[:r.Emit(want)]
	for _, at := range []int{0, 3, 8, 11} {
		buf := make([]byte, 40)
		copy(buf[at:], data)
		r.Data = buf[at : at+len(data)]
		n := r.Emit(buf)
		if !bytes.Equal(buf[:n], want) {
			t.Errorf("data at %d:\n% x\nwant\n% x", at, buf[:n], want)
		}
	}
}

func TestICMPv4Setters(t *testing.T) {
	m := ICMPv4Packet(make([]byte, 12))
	m.SetType(ICMPv4EchoRequest)
	m.SetCode(5)
	m.SetEchoID(0xabcd)
	m.SetEchoSeq(0x0102)
	m.FillChecksum()
	if m.Type() != ICMPv4EchoRequest || m.Code() != 5 || m.EchoID() != 0xabcd || m.EchoSeq() != 0x0102 || !m.VerifyChecksum() {
		t.Fatalf("% x", []byte(m))
	}
	m.SetNextHopMTU(576)
	if m.NextHopMTU() != 576 || m.EchoSeq() != 576 || m.VerifyChecksum() {
		t.Fatal("MTU shares the sequence field and must invalidate the checksum")
	}
	m.SetChecksum(0x1111)
	if m.Checksum() != 0x1111 {
		t.Fatal("SetChecksum")
	}
}
