package websocket

import (
	"bytes"
	"errors"
	"strconv"
	"testing"
)

// The examples of RFC 6455 5.7, byte for byte: each header parses to the
// fields the RFC describes, the payload unmasks to its text, and the header
// re-encodes to the same bytes.
func TestFrameRFCExamples(t *testing.T) {
	big256 := append([]byte{0x82, 0x7E, 0x01, 0x00}, make([]byte, 256)...)
	big64k := append([]byte{0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}, make([]byte, 65536)...)
	cases := []struct {
		name    string
		wire    []byte
		fin     bool
		op      Opcode
		masked  bool
		hdrLen  int
		payload []byte
	}{
		{"unmasked text", []byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, true, OpText, false, 2, []byte("Hello")},
		{"masked text", []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, true, OpText, true, 6, []byte("Hello")},
		{"fragment 1", []byte{0x01, 0x03, 0x48, 0x65, 0x6c}, false, OpText, false, 2, []byte("Hel")},
		{"fragment 2", []byte{0x80, 0x02, 0x6c, 0x6f}, true, OpContinuation, false, 2, []byte("lo")},
		{"unmasked ping", []byte{0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}, true, OpPing, false, 2, []byte("Hello")},
		{"masked pong", []byte{0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}, true, OpPong, true, 6, []byte("Hello")},
		{"256 bytes binary", big256, true, OpBinary, false, 4, make([]byte, 256)},
		{"64 KiB binary", big64k, true, OpBinary, false, 10, make([]byte, 65536)},
	}
	for _, tc := range cases {
		h, n, err := ParseFrameHeader(tc.wire)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if h.Fin != tc.fin || h.Opcode != tc.op || h.Masked != tc.masked || n != tc.hdrLen || h.Length != uint64(len(tc.payload)) {
			t.Fatalf("%s: got %+v n=%d", tc.name, h, n)
		}
		p := append([]byte(nil), tc.wire[n:]...)
		if h.Masked {
			if h.Mask != [4]byte{0x37, 0xfa, 0x21, 0x3d} {
				t.Fatalf("%s: mask %x", tc.name, h.Mask)
			}
			MaskBytes(h.Mask, 0, p)
		}
		if !bytes.Equal(p, tc.payload) {
			t.Fatalf("%s: payload %q", tc.name, p)
		}
		if got := AppendFrameHeader(nil, h); !bytes.Equal(got, tc.wire[:n]) || h.Len() != n {
			t.Fatalf("%s: re-encoded % x, want % x", tc.name, got, tc.wire[:n])
		}
		// Every proper prefix of the header asks for more.
		for i := 0; i < n; i++ {
			if _, m, err := ParseFrameHeader(tc.wire[:i]); err != ErrNeedMore || m != 0 {
				t.Fatalf("%s: prefix %d: n=%d err=%v", tc.name, i, m, err)
			}
		}
	}
}

func TestParseFrameHeaderRefusals(t *testing.T) {
	cases := []struct {
		name string
		b    []byte
		err  Error
	}{
		{"RSV1", []byte{0xC1, 0x80}, ErrReservedBits},
		{"RSV2", []byte{0xA1}, ErrReservedBits},
		{"RSV3", []byte{0x91, 0x80, 0, 0, 0, 0}, ErrReservedBits},
		{"opcode 3", []byte{0x83}, ErrBadOpcode},
		{"opcode 7", []byte{0x87, 0x80}, ErrBadOpcode},
		{"opcode B", []byte{0x8B, 0x80}, ErrBadOpcode},
		{"opcode F", []byte{0x8F}, ErrBadOpcode},
		{"ping without FIN", []byte{0x09}, ErrFragmentedControl},
		{"close without FIN", []byte{0x08, 0x80}, ErrFragmentedControl},
		{"ping 126", []byte{0x89, 0xFE, 0x00, 0x7E}, ErrControlTooLong},
		{"pong 127", []byte{0x8A, 0xFF}, ErrControlTooLong},
		{"length MSB", []byte{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0}, ErrLengthOverflow},
		{"length MSB early", []byte{0x82, 0xFF, 0x80}, ErrLengthOverflow},
		{"16-bit 125", []byte{0x82, 0xFE, 0x00, 0x7D}, ErrNonMinimalLength},
		{"16-bit 0", []byte{0x82, 0x7E, 0x00, 0x00}, ErrNonMinimalLength},
		{"64-bit 65535", []byte{0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, ErrNonMinimalLength},
		{"64-bit 5", []byte{0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0, 5}, ErrNonMinimalLength},
	}
	for _, tc := range cases {
		_, n, err := ParseFrameHeader(tc.b)
		if err != tc.err || n != 0 {
			t.Errorf("%s: n=%d err=%v, want %v", tc.name, n, err, tc.err)
		}
		if !errors.Is(err, tc.err) || tc.err.CloseCode() != CloseProtocolError {
			t.Errorf("%s: %v is not a 1002", tc.name, err)
		}
	}
	// The smallest valid lengths of each encoding are accepted.
	for _, l := range []uint64{0, 125, 126, 0xFFFF, 0x10000, 1 << 40, 1<<63 - 1} {
		b := AppendFrameHeader(nil, FrameHeader{Fin: true, Opcode: OpBinary, Masked: true, Mask: [4]byte{1, 2, 3, 4}, Length: l})
		h, n, err := ParseFrameHeader(b)
		if err != nil || n != len(b) || h.Length != l || !h.Masked || h.Mask != [4]byte{1, 2, 3, 4} {
			t.Errorf("length %d: %+v n=%d err=%v", l, h, n, err)
		}
	}
}

// naiveMask is RFC 6455 5.3 as written: octet i XOR key[i mod 4].
func naiveMask(key [4]byte, pos int, b []byte) {
	for i := range b {
		b[i] ^= key[(pos+i)%4]
	}
}

func TestMaskBytes(t *testing.T) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	src := make([]byte, 300)
	for i := range src {
		src[i] = byte(i*31 + 7)
	}
	for pos := 0; pos < 8; pos++ {
		for n := 0; n <= len(src); n++ {
			a := append([]byte(nil), src[:n]...)
			b := append([]byte(nil), src[:n]...)
			end := MaskBytes(key, pos, a)
			naiveMask(key, pos, b)
			if !bytes.Equal(a, b) || end != (pos+n)%4 {
				t.Fatalf("pos %d n %d: differs from the RFC's definition (end %d)", pos, n, end)
			}
		}
	}
	// In pieces, carrying the position, it equals one pass.
	whole := append([]byte(nil), src...)
	MaskBytes(key, 0, whole)
	pieces := append([]byte(nil), src...)
	pos := 0
	for _, cut := range [][2]int{{0, 3}, {3, 4}, {4, 17}, {17, 100}, {100, 101}, {101, 300}} {
		pos = MaskBytes(key, pos, pieces[cut[0]:cut[1]])
	}
	if !bytes.Equal(whole, pieces) {
		t.Fatal("masking in pieces differs from one pass")
	}
}

func TestMaskBytesNoAllocs(t *testing.T) {
	b := make([]byte, 2000)
	if n := testing.AllocsPerRun(100, func() { MaskBytes([4]byte{1, 2, 3, 4}, 1, b) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func BenchmarkMaskBytes(b *testing.B) {
	for _, n := range []int{125, 2000, 64 << 10} {
		p := make([]byte, n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for i := 0; i < b.N; i++ {
				MaskBytes([4]byte{1, 2, 3, 4}, i, p)
			}
		})
	}
}

// The RFC 6455 1.3 example key.
func TestAcceptKey(t *testing.T) {
	got := AcceptKey([]byte("dGhlIHNhbXBsZSBub25jZQ=="))
	if string(got[:]) != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("got %s", got[:])
	}
	key := []byte("dGhlIHNhbXBsZSBub25jZQ==")
	if n := testing.AllocsPerRun(100, func() { AcceptKey(key) }); n != 0 {
		t.Fatalf("AcceptKey: %v allocations", n)
	}
	long := bytes.Repeat([]byte("x"), 100)
	if a, b := AcceptKey(long), AcceptKey(long); a != b {
		t.Fatal("long key not deterministic")
	}
	if !ValidKey(key) || ValidKey([]byte("dGhlIHNhbXBsZSBub25jZQ")) || ValidKey([]byte("dGhlIHNhbXBsZSBub25jZQ=!")) ||
		ValidKey([]byte("AAAAAAAAAAAAAAAAAAAAAAAA")) {
		t.Fatal("ValidKey")
	}
}

func TestCloseCodeValid(t *testing.T) {
	valid := []CloseCode{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}
	invalid := []CloseCode{0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}
	for _, c := range valid {
		if !c.Valid() {
			t.Errorf("%d refused", c)
		}
	}
	for _, c := range invalid {
		if c.Valid() {
			t.Errorf("%d accepted", c)
		}
	}
}
