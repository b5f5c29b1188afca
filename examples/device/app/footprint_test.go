package app

import (
	"runtime"
	"testing"
	"time"
)

// What the whole device costs on the heap, running: the stack pair and
// the demo peer first, then the device with MQTT connected and the clock
// synced (live heap after a GC, in virtual time). The figure includes the
// demo broker's state for the device's connection, on the same heap. The
// budget of 1 MiB is about three times what was measured when the test was
// written (312 KiB on amd64), so that it catches a regression that
// multiplies the footprint, not noise.
func TestDeviceFootprint(t *testing.T) {
	rg := newRig(t, 0)
	rg.demo.OnPublish(nil)
	rg.r.RunFor(time.Second)
	before := liveHeap()
	d, err := New(rg.r, rg.st, Config{MQTT: peerAddr.Addr().String(), NTP: peerAddr.Addr().String(), Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	made := liveHeap()
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if !rg.r.RunUntil(10*time.Second, func() bool { s := d.State(); return s.MQTTUp && s.NTPSynced }) {
		t.Fatalf("state %+v", d.State())
	}
	rg.r.RunFor(time.Minute)
	rg.info() // a request, so the server has made a request buffer
	running := liveHeap()
	t.Logf("device: %d KiB made, %d KiB running (MQTT connected, SNTP synced, a minute of telemetry, one request served)",
		int64(made-before)>>10, int64(running-before)>>10)
	if running-before > 1<<20 {
		t.Fatalf("the device takes %d KiB of heap, over the 1 MiB budget", (running-before)>>10)
	}
	runtime.KeepAlive(d)
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}
