package app

import (
	"testing"
	"time"
)

// appendDuration prints what Duration.String does, across units, signs
// and fractions.
func TestAppendDuration(t *testing.T) {
	ds := []time.Duration{0, 1, 999, time.Microsecond, 1500, 1234567, time.Millisecond, 999999999,
		time.Second, 1500 * time.Millisecond, time.Minute, 2 * time.Minute, 105 * time.Second,
		time.Hour + 2*time.Minute + 3500*time.Millisecond, 1<<63 - 1, -1 << 63, -1500, -3 * time.Hour}
	for _, d := range ds {
		if got, want := string(appendDuration([]byte("x"), d)), "x"+d.String(); got != want {
			t.Errorf("%d: %q, want %q", int64(d), got, want)
		}
	}
	b := make([]byte, 0, 64)
	if a := testing.AllocsPerRun(100, func() { b = appendDuration(b[:0], 1234567) }); a != 0 {
		t.Fatalf("%v allocations", a)
	}
}
