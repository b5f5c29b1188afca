package trace

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestSummaryKnownFrames(t *testing.T) {
	for _, tc := range knownFrames() {
		got := string(Summary(nil, tc.frame))
		if got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestSummaryAppends(t *testing.T) {
	f := knownFrames()[0]
	got := Summary([]byte("prefix: "), f.frame)
	if string(got) != "prefix: "+f.want {
		t.Fatalf("got %q", got)
	}
}

func TestSummaryNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 512)
	for _, tc := range knownFrames() {
		allocs := testing.AllocsPerRun(100, func() {
			buf = Summary(buf[:0], tc.frame)
		})
		if allocs != 0 {
			t.Errorf("%s: %.1f allocations", tc.name, allocs)
		}
	}
}

// TestSummaryGarbage feeds random bytes, and valid frames with random bytes
// changed and cut at every length, and asks only that Summary neither panics
// nor writes more than one line.
func TestSummaryGarbage(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(f []byte) {
		t.Helper()
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("panic %v on % x", p, f)
			}
		}()
		out := Summary(nil, f)
		if len(out) == 0 || bytes.IndexByte(out, '\n') >= 0 {
			t.Fatalf("summary %q of % x is not one line", out, f)
		}
	}
	for i := 0; i < 20000; i++ {
		f := make([]byte, r.IntN(200))
		for j := range f {
			f[j] = byte(r.Uint32())
		}
		// Make the random ones reach past the Ethernet layer too.
		if len(f) >= 14 && i%2 == 0 {
			f[12], f[13] = 0x08, 0x00 // IPv4
			if i%4 == 0 {
				f[13] = 0x06 // ARP
			}
			if len(f) > 14 {
				f[14] = 0x40 | f[14]&0x0f
			}
		}
		check(f)
	}
	for _, tc := range knownFrames() {
		for n := 0; n <= len(tc.frame); n++ {
			check(tc.frame[:n])
		}
		for i := 0; i < 2000 && len(tc.frame) > 0; i++ {
			f := bytes.Clone(tc.frame)
			for k := 0; k < 1+r.IntN(4); k++ {
				f[r.IntN(len(f))] = byte(r.Uint32())
			}
			check(f[:r.IntN(len(f)+1)])
		}
	}
}

func FuzzSummary(f *testing.F) {
	for _, tc := range knownFrames() {
		f.Add(tc.frame)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		out := Summary(nil, b)
		if len(out) == 0 || bytes.IndexByte(out, '\n') >= 0 {
			t.Fatalf("summary %q is not one line", out)
		}
	})
}
