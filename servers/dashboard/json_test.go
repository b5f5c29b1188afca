package dashboard

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"testing"
)

// The writer escapes strings exactly as encoding/json does.
func TestJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonStringSeeds {
		checkJSONString(t, s)
	}
}

var jsonStringSeeds = []string{
	"", "plain", `quote " backslash \ slash /`, "tab\tnl\ncr\rbs\bff\f", "\x00\x01\x1f\x7f",
	"<script>&amp;</script>", "caf\u00e9 \u65e5\u672c \U0001f600", "\u2028\u2029", "\ufffd",
	"bad \xff utf8 \xc3", "\xed\xa0\x80 surrogate", "\xe0\x80\xaf overlong", "\xf4\x90\x80\x80 too big",
	"\xf0\x9f\x98", "trailing \xe2\x82",
}

func checkJSONString(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := appendString(nil, s); string(got) != string(want) {
		t.Fatalf("%q: got %s, want %s", s, got, want)
	}
	if got := appendString(nil, []byte(s)); string(got) != string(want) {
		t.Fatalf("%q as bytes: got %s, want %s", s, got, want)
	}
}

func FuzzJSONString(f *testing.F) {
	for _, s := range jsonStringSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkJSONString(t, s) })
}

func TestJSONWriterNesting(t *testing.T) {
	j := NewJSON(nil)
	j.Object("")
	j.String("s", "x\"y")
	j.Int("i", -7)
	j.Uint("u", 1<<63)
	j.Bool("b", true)
	j.Null("n")
	j.Array("a")
	j.Int("", 1)
	j.Object("")
	j.EndObject()
	j.Array("")
	j.EndArray()
	j.String("", "z")
	j.EndArray()
	j.Object("o")
	j.Addr("ip", netip.MustParseAddr("10.0.0.1"))
	j.Addr("none", netip.Addr{})
	j.Prefix("net", netip.MustParsePrefix("10.0.0.1/24"))
	j.BytesString("bs", []byte("<b>"))
	j.EndObject()
	j.EndObject()
	var got any
	if err := json.Unmarshal(j.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, j.Bytes())
	}
	want := map[string]any{
		"s": "x\"y", "i": -7.0, "u": float64(1 << 63), "b": true, "n": nil,
		"a": []any{1.0, map[string]any{}, []any{}, "z"},
		"o": map[string]any{"ip": "10.0.0.1", "none": nil, "net": "10.0.0.1/24", "bs": "<b>"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %s", j.Bytes())
	}
}

func TestJSONWriterAllocatesNothing(t *testing.T) {
	buf := make([]byte, 0, 512)
	a := testing.AllocsPerRun(100, func() {
		j := NewJSON(buf)
		j.Object("")
		j.String("name", "dev <1>\n")
		j.Uint("n", 12345)
		j.Addr("ip", netip.MustParseAddr("10.0.0.1"))
		j.EndObject()
	})
	if a != 0 {
		t.Fatalf("%v allocations", a)
	}
}
