package http1

import (
	"bufio"
	"bytes"
	"io"
	"net/http/httputil"
	"testing"
)

// decodeAll runs d over in, in pieces of step+1 bytes as they might
// arrive, and returns the data and whether the body ended well.
func decodeAll(t *testing.T, d *ChunkDecoder, in []byte, step int, trailer *[]byte) ([]byte, bool) {
	var got []byte
	for pos := 0; pos < len(in); {
		end := min(len(in), pos+step+1)
		n, data, fin, err := d.Next(in[pos:end], trailer)
		if err != 0 {
			return got, false
		}
		if n < 0 || pos+n > end || len(data) > n || !bytes.Equal(data, in[pos+n-len(data):pos+n]) {
			t.Fatalf("consumed %d of %d, data %d", n, end-pos, len(data))
		}
		got = append(got, data...)
		pos += n
		if fin {
			return got, true
		}
	}
	return got, false
}

// FuzzChunked decodes in pieces of every size and checks the result
// against net/http's chunked reader: whatever the strict decoder (the
// server's) accepts, net/http must decode to the same bytes. The BWS
// decoder with a trailer sink (the client's) must agree with the strict
// one, may accept only what differs by BWS before ';', and must collect the
// trailer lines verbatim.
func FuzzChunked(f *testing.F) {
	f.Add([]byte("3\r\nabc\r\n0\r\n\r\n"), uint8(1))
	f.Add([]byte("a;ext=1\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n"), uint8(3))
	f.Add([]byte("fffffffffffffffff\r\n"), uint8(7))
	f.Add([]byte("0\r\n\r\n"), uint8(0))
	f.Add([]byte("3 ;x=\"y\"\r\nabc\r\n0\t\r\nA: 1\r\nB: 2\r\n\r\n"), uint8(2))
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		var strict ChunkDecoder
		got, ok := decodeAll(t, &strict, in, int(step), nil)
		lenient := ChunkDecoder{BWS: true}
		trailer := make([]byte, 0, len(in))
		lgot, lok := decodeAll(t, &lenient, in, int(step), &trailer)
		if ok && (!lok || !bytes.Equal(got, lgot)) {
			t.Fatalf("BWS decoder: %v %q, strict: %q", lok, lgot, got)
		}
		if lok {
			if !bytes.Contains(in, trailer) || len(trailer) > 0 && !bytes.HasSuffix(trailer, []byte("\r\n")) {
				t.Fatalf("trailer %q", trailer)
			}
		}
		if !ok && !lok {
			return
		}
		want, err := io.ReadAll(httputil.NewChunkedReader(bufio.NewReader(bytes.NewReader(in))))
		switch {
		case err == nil && !bytes.Equal(lgot, want):
			t.Fatalf("decoded %q, net/http %q", lgot, want)
		case err != nil && ok:
			t.Fatalf("we accepted what net/http refuses (%v): %q", err, in)
		case err != nil && !bytes.Contains(in, []byte(" ;")) && !bytes.Contains(in, []byte("\t;")):
			t.Fatalf("BWS decoder accepted what net/http refuses (%v), without BWS: %q", err, in)
		}
	})
}
