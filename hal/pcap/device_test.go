package pcap

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/loopback"
)

// clockedDev adds Tick and Close to a device so forwarding can be observed.
type clockedDev struct {
	hal.Device
	ticks  []int64
	next   int64
	closed int
}

func (c *clockedDev) Tick(now int64) (int64, bool) {
	c.ticks = append(c.ticks, now)
	return c.next, c.next != 0
}

func (c *clockedDev) Close() error { c.closed++; return errors.New("closed") }

func sendOn(t *testing.T, d hal.Device, f []byte) {
	t.Helper()
	buf, ok := d.Transmit()
	if !ok {
		t.Fatal("Transmit refused")
	}
	d.Commit(copy(buf, f))
}

func TestDeviceRecordsBothDirections(t *testing.T) {
	a, b := loopback.NewPair(loopback.Config{})
	var file bytes.Buffer
	w, err := NewWriter(&file, 0)
	if err != nil {
		t.Fatal(err)
	}
	d := New(a, w)

	d.Tick(1000)
	out1 := ethFrame(60, 1, 1)
	sendOn(t, d, out1)
	if _, ok := d.Transmit(); !ok {
		t.Fatal("Transmit refused")
	}
	d.Commit(0) // abandoned: nothing to record

	in1 := ethFrame(100, 2, 2)
	sendOn(t, b, in1)
	d.Tick(2000)
	f, ok := d.Receive()
	if !ok || !bytes.Equal(f, in1) {
		t.Fatal("the frame did not pass through unchanged")
	}
	d.Receive() // lent again before release: must not be recorded twice
	d.ReleaseRx()

	d.Tick(3000)
	out2 := ethFrame(1514, 1, 3)
	sendOn(t, d, out2)

	// The peer got both frames unchanged.
	for _, want := range [][]byte{out1, out2} {
		got, ok := b.Receive()
		if !ok || !bytes.Equal(got, want) {
			t.Fatal("a transmitted frame was changed or lost on its way")
		}
		b.ReleaseRx()
	}

	rd, err := NewReader(&file)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []rec{{1000, out1}, {2000, in1}, {3000, out2}} {
		ts, f, err := rd.Next()
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if ts != want.ts || !bytes.Equal(f, want.frame) {
			t.Fatalf("record %d: ts %d len %d, want ts %d len %d", i, ts, len(f), want.ts, len(want.frame))
		}
	}
	if _, _, err := rd.Next(); err != io.EOF {
		t.Fatalf("more records than frames: %v", err)
	}
	if d.Errors() != 0 || d.Err() != nil {
		t.Fatalf("errors %d %v", d.Errors(), d.Err())
	}
}

func TestDeviceForwards(t *testing.T) {
	a, _ := loopback.NewPair(loopback.Config{MTU: 900, A: hal.HardwareAddr{2, 1, 2, 3, 4, 5}})
	w, _ := NewWriter(io.Discard, 0)

	plain := New(a, w)
	if _, ok := plain.Tick(5); ok {
		t.Error("Tick over a device that is not Clocked asked for a poll")
	}
	if err := plain.Close(); err != nil {
		t.Errorf("Close over a device that is no Closer: %v", err)
	}
	if plain.Capabilities().MTU != 900 || plain.HardwareAddr() != a.HardwareAddr() || plain.LinkState() != hal.LinkUp {
		t.Error("Capabilities, HardwareAddr or LinkState not forwarded")
	}
	a.SetLinkState(hal.LinkDown)
	if plain.LinkState() != hal.LinkDown {
		t.Error("LinkState not forwarded live")
	}

	inner := &clockedDev{Device: a, next: 777}
	d := New(inner, w)
	if next, ok := d.Tick(42); !ok || next != 777 || len(inner.ticks) != 1 || inner.ticks[0] != 42 {
		t.Errorf("Tick forwarded as %v, answered %d %v", inner.ticks, next, ok)
	}
	if err := d.Close(); err == nil || inner.closed != 1 {
		t.Error("Close not forwarded with its error")
	}
}

type failWriter struct{ fail bool }

var errDiskFull = errors.New("disk full")

func (f *failWriter) Write(p []byte) (int, error) {
	if f.fail {
		return 0, errDiskFull
	}
	return len(p), nil
}

func TestWriteErrorsDoNotBreakTheDataPath(t *testing.T) {
	a, b := loopback.NewPair(loopback.Config{})
	fw := &failWriter{}
	w, err := NewWriter(fw, 0)
	if err != nil {
		t.Fatal(err)
	}
	fw.fail = true
	d := New(a, w)
	want := ethFrame(60, 1, 7)
	sendOn(t, d, want)
	sendOn(t, b, want)
	if f, ok := d.Receive(); !ok || !bytes.Equal(f, want) {
		t.Fatal("receive broken by a failing writer")
	}
	d.ReleaseRx()
	if f, ok := b.Receive(); !ok || !bytes.Equal(f, want) {
		t.Fatal("transmit broken by a failing writer")
	}
	if d.Errors() != 2 || !errors.Is(d.Err(), errDiskFull) {
		t.Fatalf("Errors %d, Err %v; want 2 and disk full", d.Errors(), d.Err())
	}
}

type nopWaker struct{}

func (*nopWaker) Wake() {}

func TestDeviceNoAllocs(t *testing.T) {
	a, b := loopback.NewPair(loopback.Config{})
	a.SetWaker(&nopWaker{})
	b.SetWaker(&nopWaker{})
	var file bytes.Buffer
	file.Grow(4 << 20) // room for every record, so the buffer never grows
	w, _ := NewWriter(&file, 0)
	d := New(a, w)
	out, in := ethFrame(600, 1, 1), ethFrame(600, 2, 2)
	now := int64(0)
	allocs := testing.AllocsPerRun(1000, func() {
		now += 1000
		d.Tick(now)
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
		t.Fatalf("%.1f allocations per frame pair through the pcap middleware", allocs)
	}
	if d.Errors() != 0 || file.Len() < 1000*2*616 {
		t.Fatalf("errors %d, file %d bytes: frames were not recorded", d.Errors(), file.Len())
	}
}

func BenchmarkWritePacket(b *testing.B) {
	w, _ := NewWriter(io.Discard, 0)
	f := ethFrame(1514, 1, 1)
	b.SetBytes(1514)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		w.WritePacket(int64(i), f)
	}
}
