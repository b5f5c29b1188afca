package http1

import (
	"bytes"
	"testing"
)

func TestChunkDecoder(t *testing.T) {
	for _, tc := range []struct {
		in      string
		bws     bool
		data    string // decoded body if ok
		trailer string // collected by the sink
		err     Error
	}{
		{in: "3\r\nabc\r\n0\r\n\r\n", data: "abc"},
		{in: "3;a=b;c\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n", data: "abc0123456789abcdef"},
		{in: "0\r\nA: 1\r\nB:2\r\n\r\n", trailer: "A: 1\r\nB:2\r\n"},
		{in: "3 ;x\r\nabc\r\n0\r\n\r\n", err: ErrMalformed},
		{in: "3 ;x\r\nabc\r\n0\t\r\n\r\n", bws: true, data: "abc"},
		{in: "3\t \r\nabc\r\n0\r\n\r\n", bws: true, data: "abc"},
		{in: "3;x\x7f\r\nabc\r\n0\r\n\r\n", bws: true, err: ErrMalformed},
		{in: "3;x\x7f\r\nabc\r\n0\r\n\r\n", err: ErrMalformed},
		{in: "3;x\x01\r\nabc\r\n0\r\n\r\n", err: ErrMalformed},
		{in: "3;\tx\x80\r\nabc\r\n0\r\n\r\n", data: "abc"},
		{in: "3\nabc\r\n0\r\n\r\n", err: ErrMalformed},
		{in: "3\r\nabc\n0\r\n\r\n", err: ErrMalformed},
		{in: "3\r\nabcd\r\n0\r\n\r\n", err: ErrMalformed},
		{in: ";\r\n", err: ErrMalformed},
		{in: "+3\r\nabc\r\n0\r\n\r\n", err: ErrMalformed},
		{in: "0000000000000003\r\nabc\r\n0\r\n\r\n", err: ErrMalformed}, // 16 digits
		{in: "000000000000003\r\nabc\r\n0\r\n\r\n", data: "abc"},
		{in: "0\r\nA: 1\n\r\n", err: ErrMalformed},
		{in: "0\r\nA: 1\r\r\n", err: ErrMalformed},
		{in: "0\r\n\r\r", err: ErrMalformed},
	} {
		for _, sink := range []bool{false, true} {
			d := ChunkDecoder{BWS: tc.bws}
			var tr []byte
			var trp *[]byte
			if sink {
				tr = make([]byte, 0, 64)
				trp = &tr
			}
			var got []byte
			var err Error
			done := false
			for p := []byte(tc.in); len(p) > 0 && err == 0 && !done; {
				var n int
				var data []byte
				n, data, done, err = d.Next(p, trp)
				got, p = append(got, data...), p[n:]
			}
			if err != tc.err || err == 0 && (!done || string(got) != tc.data) ||
				err == 0 && sink && string(tr) != tc.trailer {
				t.Errorf("%q bws=%v sink=%v: err %v done %v data %q trailer %q", tc.in, tc.bws, sink, err, done, got, tr)
			}
		}
	}
}

func TestChunkTrailerBounds(t *testing.T) {
	line := "X: " + string(bytes.Repeat([]byte("y"), 90)) + "\r\n" // 95 bytes
	in := []byte("0\r\n" + string(bytes.Repeat([]byte(line), 50)) + "\r\n")
	var d ChunkDecoder
	if _, _, _, err := d.Next(in, nil); err != ErrTrailerTooLarge {
		t.Errorf("skipped trailer over MaxTrailer: %v", err)
	}
	d = ChunkDecoder{}
	tr := make([]byte, 0, 100)
	if _, _, _, err := d.Next(in, &tr); err != ErrTrailerTooLarge || len(tr) != 100 {
		t.Errorf("trailer over the sink: %v, %d kept", err, len(tr))
	}
	d = ChunkDecoder{}
	ok := []byte("0\r\n" + string(bytes.Repeat([]byte(line), 40)) + "\r\n") // 3800 bytes
	if n, _, done, err := d.Next(ok, nil); err != 0 || !done || n != len(ok) {
		t.Errorf("trailer under MaxTrailer: n %d done %v err %v", n, done, err)
	}
	d = ChunkDecoder{}
	if _, _, _, err := d.Next([]byte("1;"+string(bytes.Repeat([]byte("e"), MaxChunkExt+1))+"\r\n"), nil); err != ErrMalformed {
		t.Errorf("extension over MaxChunkExt: %v", err)
	}
	d.Reset()
	if _, _, _, err := d.Next([]byte("1;"+string(bytes.Repeat([]byte("e"), MaxChunkExt))+"\r\n"), nil); err != 0 {
		t.Errorf("extension of MaxChunkExt: %v", err)
	}
}

func TestParseField(t *testing.T) {
	for _, tc := range []struct {
		line, name, value string
		ok                bool
	}{
		{"Host: x", "Host", "x", true},
		{"A:b", "A", "b", true},
		{"A:  \t b c \t ", "A", "b c", true},
		{"A:", "A", "", true},
		{"A: caf\xc3\xa9", "A", "caf\xc3\xa9", true}, // obs-text
		{"A : b", "", "", false},
		{" A: b", "", "", false}, // obs-fold
		{"\tA: b", "", "", false},
		{": b", "", "", false},
		{"A b", "", "", false},
		{"A: b\rc", "", "", false},
		{"A: b\x00", "", "", false},
		{"A: b\x7f", "", "", false},
		{"A(: b", "", "", false},
	} {
		l := []byte(tc.line)
		nl, vo, vl, ok := ParseField(l)
		if ok != tc.ok || ok && (string(l[:nl]) != tc.name || string(l[vo:vo+vl]) != tc.value) {
			t.Errorf("%q: ok %v name %d value %d+%d", tc.line, ok, nl, vo, vl)
		}
	}
}

func TestParseContentLength(t *testing.T) {
	for in, want := range map[string]int64{
		"0": 0, "5": 5, "0012": 12, "999999999999999999": 999999999999999999,
		"": -1, "+5": -1, "-5": -1, "5, 5": -1, "5 5": -1, " 5": -1, "0x5": -1, "1000000000000000000": -1,
	} {
		n, ok := ParseContentLength([]byte(in))
		if !ok {
			n = -1
		}
		if n != want {
			t.Errorf("%q: %d, want %d", in, n, want)
		}
	}
}

func TestNextToken(t *testing.T) {
	var got []string
	for v := []byte(" close ,, Keep-Alive\t,upgrade,"); len(v) > 0; {
		var tok []byte
		tok, v = NextToken(v)
		got = append(got, string(tok))
	}
	if want := []string{"close", "", "Keep-Alive", "upgrade"}; !equalStrings(got, want) {
		t.Errorf("tokens %q, want %q", got, want)
	}
	if tok, rest := NextToken("\tgzip ; q=1 , br"); tok != "gzip ; q=1" || rest != " br" {
		t.Errorf("string tokens %q %q", tok, rest)
	}
}

func TestChars(t *testing.T) {
	if !IsToken("GET") || !IsToken([]byte("x-a!#$%&'*+-.^_`|~9")) || IsToken("") || IsToken("a b") ||
		IsToken("a:") || IsToken("\x80") || IsToken("a\x7f") {
		t.Error("IsToken")
	}
	if !ValidFieldValue("a \tb\x80\xff") || ValidFieldValue("a\r") || ValidFieldValue([]byte("a\n")) ||
		ValidFieldValue("\x7f") || ValidFieldValue("\x00") {
		t.Error("ValidFieldValue")
	}
	if !EqualFold([]byte("Content-LENGTH"), "content-length") || EqualFold([]byte("a"), "ab") ||
		EqualFold([]byte("["), "{") {
		t.Error("EqualFold")
	}
	for c := 0; c < 256; c++ {
		v, ok := Unhex(byte(c))
		wantOK := IsDigit(byte(c)) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
		if ok != wantOK || ok && int(v) != hexValue(c) {
			t.Errorf("Unhex(%q) = %d, %v", c, v, ok)
		}
	}
}

func hexValue(c int) int {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Decoding allocates nothing, with or without a trailer sink.
func TestChunkDecoderAllocatesNothing(t *testing.T) {
	in := []byte("3;a=b\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nA: 1\r\n\r\n")
	room := make([]byte, 0, 64)
	a := testing.AllocsPerRun(100, func() {
		d := ChunkDecoder{BWS: true}
		tr := room[:0]
		for p := in; len(p) > 0; {
			n, _, done, err := d.Next(p, &tr)
			if err != 0 || done {
				break
			}
			p = p[n:]
		}
	})
	if a != 0 {
		t.Fatalf("%v allocations", a)
	}
}

func BenchmarkChunkDecoder(b *testing.B) {
	var in []byte
	for range 64 {
		in = append(in, "100\r\n"...)
		in = append(in, bytes.Repeat([]byte("x"), 256)...)
		in = append(in, "\r\n"...)
	}
	in = append(in, "0\r\n\r\n"...)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		var d ChunkDecoder
		for p := in; len(p) > 0; {
			n, _, done, err := d.Next(p, nil)
			if err != 0 || done {
				break
			}
			p = p[n:]
		}
	}
}
