package observe

import (
	"bytes"
	"testing"

	"github.com/seed947b3480/legation/hal"
	"github.com/seed947b3480/legation/hal/loopback"
)

type seen struct {
	dir   Direction
	ts    int64
	frame []byte
}

type recorder struct{ got []seen }

func (r *recorder) Frame(dir Direction, ts int64, frame []byte) {
	r.got = append(r.got, seen{dir, ts, append([]byte(nil), frame...)})
}

type countSink struct{ n int }

func (c *countSink) Frame(Direction, int64, []byte) { c.n++ }

// Each frame is shown once per direction with the latest Tick instant; a
// Commit(0) and a repeated Receive show nothing more; the data path is
// untouched.
func TestShowsEachFrameOnce(t *testing.T) {
	a, b := loopback.NewPair(loopback.Config{})
	rec := &recorder{}
	d := New(a, rec)
	d.Tick(100)

	buf, ok := d.Transmit()
	if !ok {
		t.Fatal("no transmit buffer")
	}
	d.Commit(copy(buf, "outgoing frame"))
	if _, ok := d.Transmit(); !ok {
		t.Fatal("no transmit buffer")
	}
	d.Commit(0)
	if f, ok := b.Receive(); !ok || string(f) != "outgoing frame" {
		t.Fatalf("peer got %q", f)
	}
	b.ReleaseRx()

	out, _ := b.Transmit()
	b.Commit(copy(out, "incoming frame"))
	d.Tick(200)
	for i := 0; i < 3; i++ {
		if f, ok := d.Receive(); !ok || string(f) != "incoming frame" {
			t.Fatalf("Receive %d: %q %v", i, f, ok)
		}
	}
	d.ReleaseRx()

	want := []seen{{TX, 100, []byte("outgoing frame")}, {RX, 200, []byte("incoming frame")}}
	if len(rec.got) != len(want) {
		t.Fatalf("sink saw %d frames, want %d", len(rec.got), len(want))
	}
	for i, w := range want {
		g := rec.got[i]
		if g.dir != w.dir || g.ts != w.ts || !bytes.Equal(g.frame, w.frame) {
			t.Fatalf("frame %d: %v %d %q, want %v %d %q", i, g.dir, g.ts, g.frame, w.dir, w.ts, w.frame)
		}
	}
	if d.Capabilities() != a.Capabilities() || d.HardwareAddr() != a.HardwareAddr() || d.LinkState() != hal.LinkUp {
		t.Fatal("forwarded properties differ")
	}
}

func TestNoAllocsPerFrame(t *testing.T) {
	a, b := loopback.NewPair(loopback.Config{})
	sink := &countSink{}
	d := New(a, sink)
	n := testing.AllocsPerRun(1000, func() {
		buf, _ := d.Transmit()
		d.Commit(copy(buf, "frame"))
		b.Receive()
		b.ReleaseRx()
		out, _ := b.Transmit()
		b.Commit(copy(out, "frame"))
		d.Receive()
		d.ReleaseRx()
	})
	if n != 0 {
		t.Fatalf("%v allocs per frame pair", n)
	}
	if sink.n < 2000 {
		t.Fatalf("sink saw %d frames", sink.n)
	}
}
