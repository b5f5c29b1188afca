package wire

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// tcpSegment returns the TCP segment of a capture, from hostA to hostB or back.
func tcpSegment(tb testing.TB, name string) []byte {
	return loadHex(tb, name)[EthernetHeaderLen+IPv4HeaderLen:]
}

func TestNewTCPPacketErrors(t *testing.T) {
	syn := tcpSegment(t, "tcp_syn") // 40 bytes, data offset 10
	withOffset := func(words byte) []byte {
		b := append([]byte{}, syn...)
		b[12] = words<<4 | b[12]&0x0f
		return b
	}
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"19 bytes", syn[:19], ErrTruncated},
		{"offset 0", withOffset(0), ErrBadHeaderLen},
		{"offset 4", withOffset(4), ErrBadHeaderLen},
		{"offset 11 past the buffer", withOffset(11), ErrTruncated},
		{"offset 15 past the buffer", withOffset(15), ErrTruncated},
		{"options cut short", syn[:39], ErrTruncated},
		{"offset 5", withOffset(5), nil},
		{"valid", syn, nil},
	}
	for _, tt := range tests {
		if _, err := NewTCPPacket(tt.b); err != tt.want {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestTCPParseErrors(t *testing.T) {
	var r TCPRepr
	b := tcpSegment(t, "tcp_psh_data")
	b[len(b)-1] ^= 0x80
	if err := r.Parse(TCPPacket(b), hostA, hostB, true); err != ErrBadChecksum {
		t.Fatalf("corrupted payload: %v, want ErrBadChecksum", err)
	}
	if err := r.Parse(TCPPacket(b), hostA, hostB, false); err != nil || r.PayloadLen != 6 {
		t.Fatalf("no verify: %v, payload %d", err, r.PayloadLen)
	}
	good := tcpSegment(t, "tcp_syn")
	if err := r.Parse(TCPPacket(good), hostA, hostB.Next(), true); err != ErrBadChecksum {
		t.Fatalf("wrong destination: %v, want ErrBadChecksum", err)
	}
	// An MSS option that claims 5 bytes; the checksum is made right so that
	// only the options are wrong.
	bad := append([]byte{}, good...)
	bad[21] = 5
	TCPPacket(bad).FillChecksum(hostA, hostB)
	if err := r.Parse(TCPPacket(bad), hostA, hostB, true); err != ErrMalformed {
		t.Fatalf("bad MSS length: %v, want ErrMalformed", err)
	}
}

func TestTCPFlagsString(t *testing.T) {
	tests := []struct {
		f    TCPFlags
		want string
	}{
		{0, "[none]"},
		{TCPSyn, "[S]"},
		{TCPSyn | TCPAck, "[S.]"},
		{TCPAck, "[.]"},
		{TCPPsh | TCPAck, "[P.]"},
		{TCPFin | TCPAck, "[F.]"},
		{TCPRst | TCPAck, "[R.]"},
		{TCPSyn | TCPEce | TCPCwr, "[SEW]"},
		{0xff, "[FSRP.UEW]"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("%#02x: %q, want %q", uint8(tt.f), got, tt.want)
		}
	}
	if !(TCPSyn | TCPAck).Has(TCPAck) || TCPSyn.Has(TCPSyn|TCPAck) {
		t.Error("Has")
	}
}

func TestTCPSetters(t *testing.T) {
	p := TCPPacket(make([]byte, 32))
	p.SetSrcPort(1)
	p.SetDstPort(2)
	p.SetSeq(0xdeadbeef)
	p.SetAck(0xfeedface)
	p.SetReserved(0x0f)
	p.SetHeaderLen(24)
	p.SetFlags(TCPSyn | TCPEce)
	p.SetWindow(0xabcd)
	p.SetUrgent(0x0102)
	p.FillChecksum(hostA, hostB)
	q, err := NewTCPPacket(p)
	if err != nil {
		t.Fatal(err)
	}
	if q.SrcPort() != 1 || q.DstPort() != 2 || q.Seq() != 0xdeadbeef || q.Ack() != 0xfeedface || q.Reserved() != 0x0f ||
		q.HeaderLen() != 24 || q.Flags() != TCPSyn|TCPEce || q.Window() != 0xabcd || q.Urgent() != 0x0102 ||
		len(q.Options()) != 4 || len(q.Payload()) != 8 || !q.VerifyChecksum(hostA, hostB) {
		t.Fatalf("accessors disagree with setters: % x", []byte(q))
	}
	p.SetReserved(0)
	p.SetChecksum(0x5555)
	if q.HeaderLen() != 24 || q.Reserved() != 0 || q.Checksum() != 0x5555 {
		t.Fatal("SetReserved touched the data offset")
	}
}

func TestTCPAccessorsAfterBadSetters(t *testing.T) {
	for _, hl := range []int{0, 8, 20, 24, 60} {
		p := TCPPacket(make([]byte, 24))
		p.SetHeaderLen(hl)
		if len(p.Options()) > 4 || len(p.Payload()) > 4 {
			t.Errorf("hl %d: options %d payload %d", hl, len(p.Options()), len(p.Payload()))
		}
	}
}

func TestTCPReprRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, opts := range allOptionCombos() {
		r := TCPRepr{
			SrcPort: uint16(rng.Uint32()), DstPort: uint16(rng.Uint32()),
			Seq: rng.Uint32(), Ack: rng.Uint32(), Flags: TCPFlags(rng.Uint32()),
			Window: uint16(rng.Uint32()), Urgent: uint16(rng.Uint32()),
			Options: opts, PayloadLen: rng.IntN(100),
		}
		buf := make([]byte, TCPMaxHeaderLen+r.PayloadLen)
		payload := buf[r.HeaderLen() : r.HeaderLen()+r.PayloadLen]
		for i := range payload {
			payload[i] = byte(rng.Uint32())
		}
		want := append([]byte{}, payload...)
		r.Emit(buf, hostA, hostB)
		p, err := NewTCPPacket(buf[:r.HeaderLen()+r.PayloadLen])
		if err != nil {
			t.Fatal(err)
		}
		if p.HeaderLen() != r.HeaderLen() || p.Reserved() != 0 || !bytes.Equal(p.Payload(), want) {
			t.Fatalf("header %d reserved %d, payload changed", p.HeaderLen(), p.Reserved())
		}
		var back TCPRepr
		if err := back.Parse(p, hostA, hostB, true); err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		exp := r
		exp.Options = fitted(r.Options)
		if back != exp {
			t.Fatalf("round trip\n%+v\n->\n%+v", exp, back)
		}
	}
}
