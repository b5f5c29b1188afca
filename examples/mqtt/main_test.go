package main

import (
	"io"
	"os"
	"regexp"
	"testing"
)

// Both commands on the default loopback link against the demo broker:
// pub delivers at every QoS under both versions, and sub prints the
// retained demo message and then a tick, and exits after -C 2.
func TestLoopbackDemo(t *testing.T) {
	for _, v := range []string{"311", "5"} {
		for _, q := range []string{"0", "1", "2"} {
			if code := pubMain([]string{"-V", v, "-q", q, "-t", "legation/demo/x", "-m", "hello"}); code != 0 {
				t.Fatalf("pub -V %s -q %s: exit %d", v, q, code)
			}
		}
		var code int
		out := captureStdout(t, func() {
			code = subMain([]string{"-V", v, "-q", "2", "-t", "legation/#", "-C", "2", "-v", "-W", "10s"})
		})
		// The broker ticks from its start; a slow subscription misses
		// the first ticks.
		want := regexp.MustCompile(`^legation/demo hello from the loopback demo broker\nlegation/demo/tick tick [1-9][0-9]*\n$`)
		if code != 0 || !want.MatchString(out) {
			t.Fatalf("sub -V %s: exit %d, output %q; want 0, %v", v, code, out, want)
		}
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-t", "x", "-q", "3"},
		{"-t", "x", "-V", "4"},
		{"-m", "no topic"},
		{"-t", "x", "stray"},
	} {
		if code := pubMain(args); code != 2 {
			t.Errorf("pub %q: exit %d, want 2", args, code)
		}
	}
	if code := subMain([]string{"-t", "x", "-C", "-1"}); code != 2 {
		t.Errorf("sub -C -1: exit %d, want 2", code)
	}
}

func captureStdout(t *testing.T, fn func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); done <- b }()
	fn()
	os.Stdout = saved
	w.Close()
	return string(<-done)
}
