package websocket

import (
	"testing"
	"unicode/utf8"
)

// utf8Samples mix valid text with every kind of invalid sequence RFC 3629
// and Autobahn's 6.x cases exercise.
var utf8Samples = [][]byte{
	[]byte(""),
	[]byte("Hello-µ@ßöäüàá-UTF-8!!"),
	[]byte("κόσμε"),
	[]byte("\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf \xef\xbf\xbf \xed\x9f\xbf \xee\x80\x80"),
	[]byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited"), // a surrogate
	[]byte("\xf4\x90\x80\x80"),         // past U+10FFFF
	[]byte("\xc0\xaf"),                 // overlong /
	[]byte("\xe0\x80\xaf"),             // overlong
	[]byte("\xf0\x80\x80\xaf"),         // overlong
	[]byte("\xc1\xbf"),                 // overlong
	[]byte("\x80"),                     // a lone continuation
	[]byte("a\xbfb"),                   // a lone continuation inside
	[]byte("\xce\xba\xe1\xbd"),         // cut short
	[]byte("\xf8\x88\x80\x80\x80"),     // 5-byte form
	[]byte("\xfe\xff"),                 // never in UTF-8
	[]byte("\xed\xbf\xbf"),             // a low surrogate
	[]byte("\xe2\x82\xac\xe2\x82"),     // euro, then half of one
	[]byte("\xf0\x9f\x98\x80\xf0\x9f"), // emoji, then half of one
	[]byte("plain ASCII that is long enough to take the fast path of utf8.Valid"),
}

// Split at every point, into two and three pieces, the validator agrees
// with utf8.Valid about the whole, and never says a prefix is invalid when
// some valid text starts with it.
func TestUTF8ValidatorSplits(t *testing.T) {
	for _, s := range utf8Samples {
		want := utf8.Valid(s)
		for i := 0; i <= len(s); i++ {
			for j := i; j <= len(s); j++ {
				var v UTF8Validator
				ok := v.Feed(s[:i]) && v.Feed(s[i:j]) && v.Feed(s[j:])
				if got := ok && v.Done(); got != want {
					t.Fatalf("%q split at %d,%d: got %v, want %v", s, i, j, got, want)
				}
			}
		}
	}
}

// An invalid prefix fails on the piece that makes it invalid, even when
// that piece ends in the middle of a character (Autobahn 6.4).
func TestUTF8ValidatorFailsFast(t *testing.T) {
	cases := []struct {
		ok, bad []byte
	}{
		{[]byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"), []byte("\xf4\x90")}, // 6.4.1: past U+10FFFF, cut
		{[]byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4"), []byte("\x90")}, // 6.4.2
		{[]byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"), []byte("\xed\xa0")}, // a surrogate, cut
		{[]byte("abc"), []byte("\xe0\x80")},                                          // overlong, cut
		{[]byte("abc"), []byte("\xc0")},                                              // never valid
		{[]byte("abc"), []byte("\xf5")},                                              // never valid
		{[]byte("abc\xf0"), []byte("\x8f")},                                          // overlong 4-byte
	}
	for _, tc := range cases {
		var v UTF8Validator
		if !v.Feed(tc.ok) {
			t.Fatalf("%q refused", tc.ok)
		}
		if v.Feed(tc.bad) {
			t.Fatalf("%q then %q accepted", tc.ok, tc.bad)
		}
		if v.Feed([]byte("a")) || v.Done() {
			t.Fatal("recovered after an error")
		}
	}
	// A valid prefix cut in the middle is accepted but not done.
	var v UTF8Validator
	if !v.Feed([]byte("\xf0\x9f")) || v.Done() || !v.Feed([]byte("\x98\x80")) || !v.Done() {
		t.Fatal("split emoji")
	}
}

func BenchmarkUTF8Validator(b *testing.B) {
	p := []byte("Hello-µ@ßöäüàá-UTF-8!! ")
	for len(p) < 2000 {
		p = append(p, p...)
	}
	b.SetBytes(int64(len(p)))
	for i := 0; i < b.N; i++ {
		var v UTF8Validator
		if !v.Feed(p[:777]) || !v.Feed(p[777:]) {
			b.Fatal("invalid")
		}
	}
}
