package wire

import (
	"net/netip"
	"testing"
)

func TestNewARPPacketErrors(t *testing.T) {
	valid := loadHex(t, "arp_request")[EthernetHeaderLen:]
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
		{"27 bytes", valid[:27], ErrTruncated},
		{"hardware type IEEE 802", mutate(func(b []byte) { b[1] = 6 }), ErrUnsupported},
		{"protocol IPv6", mutate(func(b []byte) { b[2], b[3] = 0x86, 0xdd }), ErrUnsupported},
		{"hardware length 8", mutate(func(b []byte) { b[4] = 8 }), ErrUnsupported},
		{"protocol length 16", mutate(func(b []byte) { b[5] = 16 }), ErrUnsupported},
		{"valid", valid, nil},
	}
	for _, tt := range tests {
		if _, err := NewARPPacket(tt.b); err != tt.want {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestARPRoundTrip(t *testing.T) {
	for _, r := range []ARPRepr{
		{Op: ARPRequest, SenderHW: macA, SenderIP: hostA, TargetIP: hostB},
		{Op: ARPReply, SenderHW: macB, SenderIP: hostB, TargetHW: macA, TargetIP: hostA},
		{Op: 9, SenderHW: BroadcastHW, SenderIP: netip.MustParseAddr("255.255.255.255"), TargetIP: netip.MustParseAddr("0.0.0.0")},
	} {
		buf := make([]byte, ARPLen+4)
		r.Emit(buf)
		p, err := NewARPPacket(buf)
		if err != nil {
			t.Fatal(err)
		}
		var back ARPRepr
		back.Parse(p)
		if back != r {
			t.Errorf("round trip %+v -> %+v", r, back)
		}
	}
	// A zero Addr emits 0.0.0.0 instead of panicking.
	buf := make([]byte, ARPLen)
	(&ARPRepr{Op: ARPRequest}).Emit(buf)
	p, _ := NewARPPacket(buf)
	if p.SenderIP() != netip.IPv4Unspecified() {
		t.Errorf("zero Addr emitted as %v", p.SenderIP())
	}
}
