package trace

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/loopback"
)

type event struct {
	dir   Direction
	ts    int64
	frame []byte
}

func sendOn(t *testing.T, d hal.Device, f []byte) {
	t.Helper()
	buf, ok := d.Transmit()
	if !ok {
		t.Fatal("Transmit refused")
	}
	d.Commit(copy(buf, f))
}

func TestDeviceReportsBothDirections(t *testing.T) {
	a, b := loopback.NewPair(loopback.Config{})
	var got []event
	d := New(a, func(dir Direction, ts int64, f []byte) {
		got = append(got, event{dir, ts, bytes.Clone(f)})
	})
	frames := knownFrames()
	out, in := frames[0].frame, frames[7].frame

	d.Tick(100)
	sendOn(t, d, out)
	d.Transmit()
	d.Commit(0) // abandoned: nothing to report
	sendOn(t, b, in)
	d.Tick(200)
	f, ok := d.Receive()
	if !ok || !bytes.Equal(f, in) {
		t.Fatal("the received frame did not pass through unchanged")
	}
	d.Receive() // lent again before release: reported once
	d.ReleaseRx()
	if f, ok := b.Receive(); !ok || !bytes.Equal(f, out) {
		t.Fatal("the transmitted frame did not pass through unchanged")
	}

	want := []event{{TX, 100, out}, {RX, 200, in}}
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].dir != want[i].dir || got[i].ts != want[i].ts || !bytes.Equal(got[i].frame, want[i].frame) {
			t.Errorf("event %d: %v at %d (%d bytes), want %v at %d (%d bytes)", i,
				got[i].dir, got[i].ts, len(got[i].frame), want[i].dir, want[i].ts, len(want[i].frame))
		}
	}
}

func TestWriterSink(t *testing.T) {
	a, b := loopback.NewPair(loopback.Config{})
	var out strings.Builder
	d := New(a, Writer(&out))
	frames := knownFrames()
	sendOn(t, d, frames[0].frame)
	sendOn(t, b, frames[5].frame)
	d.Receive()
	d.ReleaseRx()
	want := "tx " + frames[0].want + "\nrx " + frames[5].want + "\n"
	if out.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", out.String(), want)
	}
}

type clockedCloser struct {
	hal.Device
	ticks  []int64
	closed int
}

func (c *clockedCloser) Tick(now int64) (int64, bool) {
	c.ticks = append(c.ticks, now)
	return now + 5, true
}

func (c *clockedCloser) Close() error { c.closed++; return errors.New("closed") }

func TestDeviceForwards(t *testing.T) {
	a, _ := loopback.NewPair(loopback.Config{MTU: 700})
	nop := func(Direction, int64, []byte) {}
	plain := New(a, nop)
	if _, ok := plain.Tick(1); ok {
		t.Error("Tick over a device that is not Clocked asked for a poll")
	}
	if plain.Close() != nil {
		t.Error("Close over a device that is no Closer failed")
	}
	if plain.Capabilities().MTU != 700 || plain.HardwareAddr() != a.HardwareAddr() || plain.LinkState() != hal.LinkUp {
		t.Error("Capabilities, HardwareAddr or LinkState not forwarded")
	}
	inner := &clockedCloser{Device: a}
	d := New(inner, nop)
	if next, ok := d.Tick(10); !ok || next != 15 || fmt.Sprint(inner.ticks) != "[10]" {
		t.Errorf("Tick forwarded as %v, answered %d %v", inner.ticks, next, ok)
	}
	if d.Close() == nil || inner.closed != 1 {
		t.Error("Close not forwarded with its error")
	}
}

type nopWaker struct{}

func (*nopWaker) Wake() {}

func TestDeviceNoAllocs(t *testing.T) {
	a, b := loopback.NewPair(loopback.Config{})
	a.SetWaker(&nopWaker{})
	b.SetWaker(&nopWaker{})
	d := New(a, Writer(io.Discard))
	frames := knownFrames()
	out, in := frames[8].frame, frames[10].frame
	allocs := testing.AllocsPerRun(1000, func() {
		buf, _ := d.Transmit()
		d.Commit(copy(buf, out))
		buf, _ = b.Transmit()
		b.Commit(copy(buf, in))
		if _, ok := d.Receive(); !ok {
			t.Fatal("nothing received")
		}
		d.ReleaseRx()
		b.Receive()
		b.ReleaseRx()
	})
	if allocs != 0 {
		t.Fatalf("%.1f allocations per frame pair through the tracer and its Writer sink", allocs)
	}
}

func BenchmarkSummary(b *testing.B) {
	f := knownFrames()[8].frame
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = Summary(buf[:0], f)
	}
}
