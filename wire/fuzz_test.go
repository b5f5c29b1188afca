package wire

import (
	"bytes"
	"testing"
)

// The fuzz targets below check, for any input, that the constructors reject
// with an Error or return a view whose accessors do not panic, and that what
// Parse reads, Emit writes back so that Parse reads it again. Their seed
// corpora in testdata/fuzz come from the captures and from edge cases; see
// testdata/gencorpus.

func mustWireError(t *testing.T, err error) {
	t.Helper()
	if _, ok := err.(Error); !ok {
		t.Fatalf("error %v (%T) is not a wire.Error", err, err)
	}
}

func FuzzEthernet(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := NewEthernetFrame(b)
		if err != nil {
			mustWireError(t, err)
			if len(b) >= EthernetHeaderLen {
				t.Fatalf("rejected %d bytes: %v", len(b), err)
			}
			return
		}
		var r EthernetRepr
		r.Parse(fr)
		if len(fr.Payload()) != len(b)-EthernetHeaderLen {
			t.Fatalf("payload %d of %d", len(fr.Payload()), len(b))
		}
		out := make([]byte, EthernetHeaderLen)
		r.Emit(out)
		if !bytes.Equal(out, b[:EthernetHeaderLen]) {
			t.Fatalf("re-emitted % x, want % x", out, b[:EthernetHeaderLen])
		}
	})
}

func FuzzARP(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := NewARPPacket(b)
		if err != nil {
			mustWireError(t, err)
			return
		}
		_, _, _, _ = p.HardwareType(), p.ProtocolType(), p.HardwareLen(), p.ProtocolLen()
		var r ARPRepr
		r.Parse(p)
		out := make([]byte, ARPLen)
		r.Emit(out)
		if !bytes.Equal(out, p) {
			t.Fatalf("re-emitted % x, want % x", out, []byte(p))
		}
	})
}

func FuzzIPv4(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := NewIPv4Packet(b)
		if err != nil {
			mustWireError(t, err)
			return
		}
		_, _, _, _, _ = p.TOS(), p.ID(), p.MoreFrags(), p.FragOffset(), p.Dst()
		if len(p) != p.TotalLen() || len(p.Options()) != p.HeaderLen()-IPv4HeaderLen ||
			len(p.Payload()) != p.TotalLen()-p.HeaderLen() {
			t.Fatalf("len %d total %d header %d options %d payload %d",
				len(p), p.TotalLen(), p.HeaderLen(), len(p.Options()), len(p.Payload()))
		}
		var r IPv4Repr
		if err := r.Parse(p, false); err != nil {
			t.Fatal(err)
		}
		verified := p.VerifyChecksum()
		if err := r.Parse(p, true); (err == nil) != verified {
			t.Fatalf("Parse(verify) = %v but VerifyChecksum = %v", err, verified)
		}

		out := make([]byte, r.BufferLen())
		r.Emit(out)
		copy(out[IPv4HeaderLen:], p.Payload())
		q, err := NewIPv4Packet(out)
		if err != nil {
			t.Fatalf("emitted packet rejected: %v", err)
		}
		var back IPv4Repr
		if err := back.Parse(q, true); err != nil || back != r {
			t.Fatalf("round trip %+v -> %+v, %v", r, back, err)
		}
		// A header with nothing the Repr leaves out comes back byte for byte.
		// (0xffff is the other encoding of a zero checksum; Emit writes 0.)
		if verified && len(p.Options()) == 0 && p.flagsFrag()&^ipv4FlagDontFrag == 0 && p.HeaderChecksum() != 0xffff &&
			!bytes.Equal(out, p) {
			t.Fatalf("re-emitted\n% x\nwant\n% x", out, []byte(p))
		}

		if verified && p.TTL() > 0 {
			c := IPv4Packet(bytes.Clone(p))
			c.DecrementTTL()
			if c.TTL() != p.TTL()-1 || !c.VerifyChecksum() {
				t.Fatalf("after DecrementTTL: TTL %d, checksum ok %v", c.TTL(), c.VerifyChecksum())
			}
		}
	})
}

func FuzzICMPv4(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := NewICMPv4Packet(b)
		if err != nil {
			mustWireError(t, err)
			return
		}
		_, _, _, _, _ = m.Checksum(), m.EchoID(), m.EchoSeq(), m.NextHopMTU(), m.Data()
		var r ICMPv4Repr
		if err := r.Parse(m, false); err != nil {
			if err != ErrUnsupported {
				t.Fatalf("Parse: %v", err)
			}
			return
		}
		if err := r.Parse(m, true); (err == nil) != m.VerifyChecksum() {
			t.Fatalf("Parse(verify) = %v but VerifyChecksum = %v", err, m.VerifyChecksum())
		}
		out := make([]byte, r.Len())
		if n := r.Emit(out); n != len(m) {
			t.Fatalf("Emit = %d for a %d-byte message", n, len(m))
		}
		var back ICMPv4Repr
		if err := back.Parse(ICMPv4Packet(out), true); err != nil || !icmpEqual(back, r) {
			t.Fatalf("round trip %+v -> %+v, %v", r, back, err)
		}
	})
}

func FuzzUDP(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := NewUDPPacket(b)
		if err != nil {
			mustWireError(t, err)
			return
		}
		if len(u) != u.Length() || len(u.Payload()) != u.Length()-UDPHeaderLen {
			t.Fatalf("len %d length %d payload %d", len(u), u.Length(), len(u.Payload()))
		}
		var r UDPRepr
		if err := r.Parse(u, hostA, hostB, false); err != nil {
			t.Fatal(err)
		}
		verified := u.VerifyChecksum(hostA, hostB)
		if err := r.Parse(u, hostA, hostB, true); (err == nil) != verified {
			t.Fatalf("Parse(verify) = %v but VerifyChecksum = %v", err, verified)
		}
		out := make([]byte, len(u))
		copy(out[UDPHeaderLen:], u.Payload())
		r.Emit(out, len(u.Payload()), hostA, hostB)
		q, err := NewUDPPacket(out)
		if err != nil {
			t.Fatalf("emitted datagram rejected: %v", err)
		}
		var back UDPRepr
		if err := back.Parse(q, hostA, hostB, true); err != nil || back != r || !bytes.Equal(q.Payload(), u.Payload()) {
			t.Fatalf("round trip %+v -> %+v, %v", r, back, err)
		}
		if q.Checksum() == 0 {
			t.Fatal("emitted a zero checksum")
		}
		if verified && u.Checksum() != 0 && !bytes.Equal(out, u) {
			t.Fatalf("re-emitted\n% x\nwant\n% x", out, []byte(u))
		}
	})
}

func FuzzTCP(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := NewTCPPacket(b)
		if err != nil {
			mustWireError(t, err)
			return
		}
		_, _, _, _ = p.SrcPort(), p.Seq(), p.Ack(), p.Urgent()
		if len(p.Options()) != p.HeaderLen()-TCPHeaderLen || len(p.Payload()) != len(p)-p.HeaderLen() {
			t.Fatalf("header %d options %d payload %d of %d", p.HeaderLen(), len(p.Options()), len(p.Payload()), len(p))
		}
		var r TCPRepr
		if err := r.Parse(p, hostA, hostB, false); err != nil {
			if err != ErrMalformed {
				t.Fatalf("Parse: %v", err)
			}
			return
		}
		verified := p.VerifyChecksum(hostA, hostB)
		if err := r.Parse(p, hostA, hostB, true); (err == nil) != verified {
			t.Fatalf("Parse(verify) = %v but VerifyChecksum = %v", err, verified)
		}
		out := make([]byte, r.HeaderLen()+r.PayloadLen)
		copy(out[r.HeaderLen():], p.Payload())
		r.Emit(out, hostA, hostB)
		q, err := NewTCPPacket(out)
		if err != nil {
			t.Fatalf("emitted segment rejected: %v", err)
		}
		var back TCPRepr
		if err := back.Parse(q, hostA, hostB, true); err != nil {
			t.Fatalf("emitted segment: %v", err)
		}
		want := r
		want.Options = fitted(r.Options)
		if back != want || !bytes.Equal(q.Payload(), p.Payload()) {
			t.Fatalf("round trip\n%+v\n->\n%+v", want, back)
		}
		// Options already in the canonical layout come back byte for byte.
		var canon [TCPMaxOptionsLen]byte
		n := r.Options.Emit(canon[:])
		if verified && p.Reserved() == 0 && p.Checksum() != 0xffff && bytes.Equal(canon[:n], p.Options()) &&
			!bytes.Equal(out, p) {
			t.Fatalf("re-emitted\n% x\nwant\n% x", out, []byte(p))
		}
	})
}

func FuzzTCPOptions(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		var o TCPOptions
		if err := o.Parse(b); err != nil {
			if err != ErrMalformed {
				t.Fatalf("Parse: %v", err)
			}
			return
		}
		if o.WindowScale > TCPMaxWindowScale || o.NumSACK < 0 || o.NumSACK > len(o.SACK) {
			t.Fatalf("parsed out of range: %+v", o)
		}
		n := o.Len()
		if n%4 != 0 || n > TCPMaxOptionsLen {
			t.Fatalf("Len = %d", n)
		}
		var buf, again [TCPMaxOptionsLen]byte
		if got := o.Emit(buf[:]); got != n {
			t.Fatalf("Emit = %d, Len = %d", got, n)
		}
		var back TCPOptions
		if err := back.Parse(buf[:n]); err != nil || back != fitted(o) {
			t.Fatalf("round trip\n%+v\n->\n%+v, %v", fitted(o), back, err)
		}
		if m := back.Emit(again[:]); !bytes.Equal(again[:m], buf[:n]) {
			t.Fatalf("second emit\n% x\nwant\n% x", again[:m], buf[:n])
		}
	})
}
