package packet

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTopicNames(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want error
	}{
		{"a", nil},
		{"a/b/c", nil},
		{"/", nil},
		{"//", nil},
		{"$SYS/broker/uptime", nil},
		{"sport/tennis player1", nil},
		{"€/日本", nil},
		{"", ErrBadTopicName},
		{"a/+", ErrBadTopicName},
		{"a/#", ErrBadTopicName},
		{"+", ErrBadTopicName},
		{"a+b", ErrBadTopicName},
		{"a\x00b", ErrNullChar},
		{"a\xffb", ErrBadUTF8},
		{"\xed\xa0\x80", ErrBadUTF8}, // U+D800
		{"\xc0\xaf", ErrBadUTF8},     // overlong '/'
		{strings.Repeat("a", 65535), nil},
		{strings.Repeat("a", 65536), ErrStringTooLong},
	} {
		if err := ValidTopicName(tc.s); err != tc.want {
			t.Errorf("ValidTopicName(%.20q) = %v, want %v", tc.s, err, tc.want)
		}
		if err := ValidTopicName([]byte(tc.s)); err != tc.want {
			t.Errorf("ValidTopicName([]byte %.20q) = %v, want %v", tc.s, err, tc.want)
		}
	}
}

func TestTopicFilters(t *testing.T) {
	for _, tc := range []struct {
		s      string
		want   error
		shared error // ValidSharedFilter's answer, where it differs
	}{
		{"#", nil, nil},
		{"+", nil, nil},
		{"a/#", nil, nil},
		{"a/+/c", nil, nil},
		{"+/+", nil, nil},
		{"/+", nil, nil},
		{"+/", nil, nil},
		{"a//b", nil, nil},
		{"$SYS/#", nil, nil},
		{"", ErrBadTopicFilter, ErrBadTopicFilter},
		{"a#", ErrBadTopicFilter, ErrBadTopicFilter},
		{"a/#/b", ErrBadTopicFilter, ErrBadTopicFilter},
		{"#/", ErrBadTopicFilter, ErrBadTopicFilter},
		{"a+", ErrBadTopicFilter, ErrBadTopicFilter},
		{"a/+b", ErrBadTopicFilter, ErrBadTopicFilter},
		{"++", ErrBadTopicFilter, ErrBadTopicFilter},
		{"a\x00", ErrNullChar, ErrNullChar},
		{"\xff", ErrBadUTF8, ErrBadUTF8},
		{"$share/g/a/+", nil, nil},
		{"$share/g/#", nil, nil},
		{"$share//a", nil, ErrBadTopicFilter},
		{"$share/g", nil, ErrBadTopicFilter},
		{"$share/g/", nil, ErrBadTopicFilter},
		{"$share/+/a", nil, ErrBadTopicFilter},
	} {
		if err := ValidTopicFilter(tc.s); err != tc.want {
			t.Errorf("ValidTopicFilter(%q) = %v, want %v", tc.s, err, tc.want)
		}
		if err := ValidSharedFilter(tc.s); err != tc.shared {
			t.Errorf("ValidSharedFilter(%q) = %v, want %v", tc.s, err, tc.shared)
		}
	}
}

// The examples of 3.1.1 section 4.7 and 5.0 section 4.7.
func TestMatchTopic(t *testing.T) {
	for _, tc := range []struct {
		f, t string
		want bool
	}{
		{"sport/tennis/player1/#", "sport/tennis/player1", true},
		{"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
		{"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
		{"sport/#", "sport", true},
		{"#", "sport/tennis", true},
		{"#", "/", true},
		{"sport/tennis/+", "sport/tennis/player1", true},
		{"sport/tennis/+", "sport/tennis/player1/ranking", false},
		{"sport/+", "sport", false},
		{"sport/+", "sport/", true},
		{"+/+", "/finance", true},
		{"/+", "/finance", true},
		{"+", "/finance", false},
		{"+/tennis/#", "sport/tennis/x", true},
		{"a/b", "a/b", true},
		{"a/b", "a/bc", false},
		{"a/b", "a", false},
		{"a/b/#", "a/b", true},
		{"a/b/#", "a/bc", false},
		{"a//b", "a//b", true},
		{"+/+/+", "a//b", true},
		{"#", "$SYS/x", false},
		{"+/monitor/Clients", "$SYS/monitor/Clients", false},
		{"$SYS/#", "$SYS/monitor/Clients", true},
		{"$SYS/monitor/+", "$SYS/monitor/Clients", true},
		{"$share/g/a/+", "a/b", true},
		{"$share/g/#", "$SYS/x", false},
	} {
		if got := MatchTopic(tc.f, tc.t); got != tc.want {
			t.Errorf("MatchTopic(%q, %q) = %v", tc.f, tc.t, got)
		}
		if got := MatchTopic([]byte(tc.f), tc.t); got != tc.want {
			t.Errorf("MatchTopic([]byte %q, %q) = %v", tc.f, tc.t, got)
		}
	}
}

func TestValidUTF8MatchesStdlib(t *testing.T) {
	for _, s := range []string{"", "a", "€", "\xed\x9f\xbf", "\xed\xa0\x80", "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80",
		"\xc0\x80", "\xe0\x80\xaf", "\xf0\x80\x80\xaf", "\x80", "\xc2", "\xe2\x82", "a\xffb", "\xf8\x88\x80\x80\x80"} {
		if validUTF8(s) != utf8.ValidString(s) {
			t.Errorf("%q: validUTF8 %v, utf8 %v", s, validUTF8(s), utf8.ValidString(s))
		}
	}
}

func FuzzValidUTF8(f *testing.F) {
	f.Add("€/日本\xff")
	f.Fuzz(func(t *testing.T, s string) {
		if validUTF8(s) != utf8.ValidString(s) || validUTF8([]byte(s)) != utf8.ValidString(s) {
			t.Fatalf("%q", s)
		}
	})
}

func FuzzMatchTopic(f *testing.F) {
	f.Add("a/+/#", "a/b/c")
	f.Add("$share/g/+", "$x")
	f.Fuzz(func(t *testing.T, filter, topic string) {
		if ValidTopicFilter(filter) != nil || ValidTopicName(topic) != nil {
			return
		}
		got := MatchTopic(filter, topic)
		if want := matchByLevels(filter, topic); got != want && !strings.HasPrefix(filter, "$share/") {
			t.Fatalf("MatchTopic(%q, %q) = %v, levels say %v", filter, topic, got, want)
		}
	})
}

// matchByLevels is the specification's rule written plainly, level by
// level, to check MatchTopic against.
func matchByLevels(filter, topic string) bool {
	if strings.HasPrefix(topic, "$") && (strings.HasPrefix(filter, "+") || strings.HasPrefix(filter, "#")) {
		return false
	}
	f, tl := strings.Split(filter, "/"), strings.Split(topic, "/")
	for i, l := range f {
		if l == "#" {
			return true
		}
		if i >= len(tl) {
			return false
		}
		if l != "+" && l != tl[i] {
			return false
		}
	}
	return len(f) == len(tl)
}
