package qemu

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Target
	}{
		{"qemu:127.0.0.1:5555", Target{KindDial, "tcp", "127.0.0.1:5555", ""}},
		{"qemu:localhost:5555", Target{KindDial, "tcp", "localhost:5555", ""}},
		{"qemu:[::1]:5555", Target{KindDial, "tcp", "[::1]:5555", ""}},
		{"qemu:unix:/run/q.sock", Target{KindDial, "unix", "/run/q.sock", ""}},
		{"qemu-listen:127.0.0.1:0", Target{KindListen, "tcp", "127.0.0.1:0", ""}},
		{"qemu-listen::5555", Target{KindListen, "tcp", ":5555", ""}},
		{"qemu-listen:unix:q.sock", Target{KindListen, "unix", "q.sock", ""}},
		{"qemu-dgram:127.0.0.1:5556,127.0.0.1:5557", Target{KindDatagram, "udp", "127.0.0.1:5557", "127.0.0.1:5556"}},
		{"qemu-dgram:,127.0.0.1:5557", Target{KindDatagram, "udp", "127.0.0.1:5557", ""}},
	} {
		got, err := ParseTarget(tc.in)
		if err != nil {
			t.Errorf("ParseTarget(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseTarget(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		if s := got.String(); s != tc.in {
			t.Errorf("ParseTarget(%q).String() = %q", tc.in, s)
		}
	}
}

func TestParseTargetRejects(t *testing.T) {
	for _, in := range []string{
		"", "tap:tap0", "qemu", "qemu:", "qemu:127.0.0.1", "qemu:127.0.0.1:", "qemu:127.0.0.1:0",
		"qemu::5555", "qemu:127.0.0.1:65536", "qemu:127.0.0.1:http", "qemu:127.0.0.1:99999999999999999999",
		"qemu:unix:", "qemu-listen:unix:", "qemu-listen:127.0.0.1:-1",
		"qemu-dgram:127.0.0.1:5556", "qemu-dgram:127.0.0.1:5556,", "qemu-dgram:,127.0.0.1:0", "qemu-dgram:x,127.0.0.1:5",
	} {
		if tg, err := ParseTarget(in); !errors.Is(err, ErrTarget) {
			t.Errorf("ParseTarget(%q) = %+v, %v; want ErrTarget", in, tg, err)
		}
	}
}

// TestTargetOpen: a parsed target makes the device it names; a listening one
// and a dialled one find each other.
func TestTargetOpen(t *testing.T) {
	lt, err := ParseTarget("qemu-listen:unix:" + t.TempDir() + "/t.sock")
	if err != nil {
		t.Fatal(err)
	}
	ld, err := lt.Open(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ld.Close()
	lw := make(chanWaker, 1)
	ld.SetWaker(lw)
	dt, err := ParseTarget("qemu:unix:" + ld.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	dd, err := dt.Open(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer dd.Close()
	transmit(t, dd, pattern(1, 60))
	if got := recv(t, ld, lw); !bytes.Equal(got, pattern(1, 60)) {
		t.Fatalf("got %d bytes", len(got))
	}
	if _, err := (Target{}).Open(Config{}); !errors.Is(err, ErrTarget) {
		t.Errorf("zero Target: %v, want ErrTarget", err)
	}
}
