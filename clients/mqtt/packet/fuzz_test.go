package packet

import (
	"bytes"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the decoder, as both versions. It
// must never panic; a packet it accepts must re-encode to bytes that
// decode to the same packet again (and, for most types, to the same
// bytes).
func FuzzDecode(f *testing.F) {
	for _, v := range []Version{V311, V5} {
		for _, b := range samples(v) {
			f.Add(b, v == V5)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte, v5 bool) {
		v := V311
		if v5 {
			v = V5
		}
		var p Packet
		n, err := Decode(b, v, 0, &p)
		if err != nil {
			return
		}
		if n <= 0 || n > len(b) {
			t.Fatalf("length %d of %d", n, len(b))
		}
		if p.Type == CONNECT {
			v = p.Connect.Version
		}
		out, err := reencode(&p, v)
		if err != nil {
			t.Fatalf("re-encode of % x: %v", b[:n], err)
		}
		var q Packet
		m, err := Decode(out, v, 0, &q)
		if err != nil || m != len(out) {
			t.Fatalf("re-encoded % x does not decode: %v", out, err)
		}
		again, err := reencode(&q, v)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not stable: % x then % x", out, again)
		}
	})
}
