package lnetopeer

import (
	"bytes"
	"testing"
)

func newConnectedPair(t testing.TB) *Pair {
	t.Helper()
	p, err := NewPair(PairConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Connect(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPair(t *testing.T) {
	p := newConnectedPair(t)
	if err := p.CheckTransfer(1 << 20); err != nil {
		t.Fatal(err)
	}
	if err := p.RoundTrip(100, 1000); err != nil {
		t.Fatal(err)
	}
	if err := p.TransferBack(100 << 10); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 1460, 64 << 10} {
		src, dst := make([]byte, size), make([]byte, size)
		for i := range src {
			src[i] = byte(i*7 + size)
		}
		if err := p.Send(src, dst); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dst, src) {
			t.Fatalf("Send %d bytes: B read other bytes", size)
		}
		clear(dst)
		if err := p.Echo(src, dst); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(dst, src) {
			t.Fatalf("Echo %d bytes: the echo differs", size)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if err := p.ConnectClose(); err != nil {
			t.Fatalf("connect+close %d: %v", i, err)
		}
	}
	// A connection after many stays sound.
	if err := p.Connect(); err != nil {
		t.Fatal(err)
	}
	if err := p.CheckTransfer(64 << 10); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d frames", p.Frames)
}

func TestPairAllocs(t *testing.T) {
	p := newConnectedPair(t)
	src, dst := make([]byte, 64<<10), make([]byte, 64<<10)
	for _, tc := range []struct {
		name string
		f    func() error
	}{
		{"transfer 64 KiB", func() error { return p.Transfer(64 << 10) }},
		{"round trip", func() error { return p.RoundTrip(64, 64) }},
		{"send 64 KiB", func() error { return p.Send(src, dst) }},
		{"echo 100 bytes", func() error { return p.Echo(src[:100], dst) }},
		{"connect+close", func() error {
			if err := p.Close(); err != nil {
				return err
			}
			return p.Connect()
		}},
	} {
		var err error
		a := testing.AllocsPerRun(50, func() {
			if e := tc.f(); e != nil && err == nil {
				err = e
			}
		})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if a != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tc.name, a)
		}
	}
}

// lneto alone, two stacks back to back on one goroutine: the figures
// bench/tcpbench puts beside legation's and gVisor's.
func BenchmarkLnetoTransfer(b *testing.B) {
	const n = 1 << 20
	p := newConnectedPair(b)
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Transfer(n); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLnetoRoundTrip(b *testing.B) {
	p := newConnectedPair(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.RoundTrip(64, 64); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLnetoConnectClose(b *testing.B) {
	p, err := NewPair(PairConfig{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := p.ConnectClose(); err != nil {
			b.Fatal(err)
		}
	}
}
