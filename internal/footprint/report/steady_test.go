package report

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestDeviceSteadyStateAllocatesNothing is issue 8's firmware profile for
// the full device (configuration 2, with stack.Resources): after a
// 10-minute warm-up, a virtual hour of dashboard fetches, the live feed,
// MQTT telemetry and commands, SNTP rounds and DHCP renewals allocates
// nothing on the device's side. Every allocation whose stack holds no
// frame of the simulated peer is counted (runtime.MemProfileRate 1), so
// one allocation anywhere in the device fails it, naming the site.
func TestDeviceSteadyStateAllocatesNothing(t *testing.T) {
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	f, err := measureFull(10*time.Minute, time.Hour, true)
	runtime.MemProfileRate = old
	if err != nil {
		t.Fatal(err)
	}
	// The hour must have carried the traffic the claim is about.
	if f.Fetches < 300 || f.FetchFailures != 0 || f.Frames < 3000 || f.Telem < 600 || f.Cmds < 100 || f.Renewals < 50 {
		t.Fatalf("the hour did not carry the traffic: %+v", f)
	}
	if f.TCPNoSlot != 0 || f.TCPRefused != 0 {
		t.Fatalf("TCP records ran out: %d dials and %d SYNs refused", f.TCPNoSlot, f.TCPRefused)
	}
	if f.DeviceAllocs != 0 {
		t.Fatalf("the device allocated %d times in a steady hour (%.1f/min):\n%s",
			f.DeviceAllocs, f.DeviceAllocsPerMin, strings.Join(f.TopDevice, "\n"))
	}
	t.Logf("steady hour: 0 device allocations (%d fetches, %d live frames, %d telemetry, %d commands, %d DHCP REQUESTs); heap %.1f KiB after start, %.1f KiB after 10 min, %.1f KiB after the hour",
		f.Fetches, f.Frames, f.Telem, f.Cmds, f.Renewals, float64(f.Start)/1024, float64(f.Warm)/1024, float64(f.Hour)/1024)
}
