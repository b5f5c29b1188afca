package fault

import (
	"errors"
	"testing"
	"time"
)

func TestParseSpec(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Config
	}{
		{"", Config{}},
		{"none", Config{}},
		{"loss=5%", Config{Loss: 0.05}},
		{"loss=0.05", Config{Loss: 0.05}},
		{"loss=5%,delay=2ms,reorder=10%,dup=1%,corrupt=1%,seed=9,jitter=1ms",
			Config{Loss: 0.05, Delay: 2 * time.Millisecond, Reorder: 0.1, Duplicate: 0.01, Corrupt: 0.01, Seed: 9, Jitter: time.Millisecond}},
		{" loss = 100% , duplicate=0 ", Config{Loss: 1}},
		{"seed=0xff,maxheld=8", Config{Seed: 255, MaxHeld: 8}},
		{"seed=18446744073709551615", Config{Seed: 1<<64 - 1}},
		{"loss=1%,loss=2%", Config{Loss: 0.02}},
		{"LOSS=1%", Config{Loss: 0.01}},
		{"delay=1.5s", Config{Delay: 1500 * time.Millisecond}},
	} {
		got, err := ParseSpec(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSpec(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseSpecErrors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Error
	}{
		{"loss", ErrSyntax},
		{"=5%", ErrSyntax},
		{"loss=5%,", ErrSyntax},
		{"loss=5%,,delay=1ms", ErrSyntax},
		{"speed=5", ErrUnknownKey},
		{"loss=abc", ErrBadValue},
		{"loss=%", ErrBadValue},
		{"loss=", ErrBadValue},
		{"delay=5", ErrBadValue},
		{"seed=-1", ErrBadValue},
		{"seed=1.5", ErrBadValue},
		{"maxheld=x", ErrBadValue},
		{"loss=101%", ErrOutOfRange},
		{"loss=1.5", ErrOutOfRange},
		{"dup=-1%", ErrOutOfRange},
		{"corrupt=NaN", ErrOutOfRange},
		{"reorder=Inf", ErrOutOfRange},
		{"delay=-1ms", ErrOutOfRange},
		{"jitter=-1ns", ErrOutOfRange},
		{"maxheld=-1", ErrOutOfRange},
		{"maxheld=1000000", ErrOutOfRange},
	} {
		c, err := ParseSpec(tc.in)
		if !errors.Is(err, tc.want) {
			t.Errorf("ParseSpec(%q) error %v, want %v", tc.in, err, tc.want)
			continue
		}
		var se *SpecError
		if !errors.As(err, &se) || se.Kind != tc.want {
			t.Errorf("ParseSpec(%q): %T does not name the item", tc.in, err)
		}
		if c != (Config{}) {
			t.Errorf("ParseSpec(%q) returned %+v with an error", tc.in, c)
		}
		for _, other := range []Error{ErrSyntax, ErrUnknownKey, ErrBadValue, ErrOutOfRange} {
			if other != tc.want && errors.Is(err, other) {
				t.Errorf("ParseSpec(%q) error also matches %v", tc.in, other)
			}
		}
	}
}

func TestConfigStringRoundTrip(t *testing.T) {
	for _, c := range []Config{
		{},
		{Loss: 0.05},
		{Loss: 0.07, Duplicate: 0.001, Reorder: 1, Corrupt: 1e-9},
		{Loss: 0.1, Delay: 2 * time.Millisecond, Jitter: 1500 * time.Microsecond, Seed: 1<<64 - 1, MaxHeld: 7},
		{Reorder: 0.333333333333333},
	} {
		s := c.String()
		back, err := ParseSpec(s)
		if err != nil || back != c {
			t.Errorf("%+v -> %q -> %+v, %v", c, s, back, err)
		}
	}
	if got := (Config{}).String(); got != "none" {
		t.Errorf("zero Config prints %q", got)
	}
	if got := (Config{Loss: 0.05, Delay: 2 * time.Millisecond, Seed: 3}).String(); got != "loss=5%,delay=2ms,seed=3" {
		t.Errorf("String = %q", got)
	}
}
