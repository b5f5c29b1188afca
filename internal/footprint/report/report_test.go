package report

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/seed947b3480/legation/internal/footprint"
	"github.com/seed947b3480/legation/stack"
)

// Building examples/device twice takes minutes on a cold cache, too long
// for every run of the suite: the report measures binaries when asked.
var binaries = flag.Bool("binaries", false, "also build examples/device for arm and mips and print their sizes")

// TestFootprintReport prints issue 8's footprint table (go test -v -run
// FootprintReport ./internal/footprint/report -args -binaries): heap after
// start and after an hour of simulated traffic, allocations per minute in
// steady state, for configuration (1) and the full device, and the
// stripped size of examples/device for 32-bit ARM and big-endian MIPS.
// Configuration (1)'s bounds are asserted by footprint's
// TestConfig1Budget, the device's steady state (no allocation in the hour)
// by TestDeviceSteadyStateAllocatesNothing; here they are only printed,
// with the sites of the device's allocations in the first 10 minutes
// (first use not yet moved to start) and, if any, in the hour.
func TestFootprintReport(t *testing.T) {
	f1, err := footprint.Measure(footprint.DefaultParams(), 10*time.Minute, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	f2, err := measureFull(10*time.Minute, time.Hour, true)
	runtime.MemProfileRate = old
	if err != nil {
		t.Fatal(err)
	}
	// Both must have done their work for the figures to mean anything.
	if f1.Stats.Exchanges == 0 || f2.Fetches == 0 || f2.Frames == 0 || f2.Telem == 0 {
		t.Fatalf("idle hour: (1) %v; (2) %+v", f1.Stats, f2)
	}

	var b strings.Builder
	kib := func(n int64) string { return fmt.Sprintf("%.1f KiB", float64(n)/1024) }
	fmt.Fprintf(&b, "\nlegation footprint, %s %s/%s, Go heap after GC (HeapAlloc deltas, each step the smallest of 3 builds), virtual time\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "| configuration | heap after start | after 10 min | after 1 h more | of which socket buffers | allocs/min, steady (whole sim) | allocs/min, device only |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|\n")
	fmt.Fprintf(&b, "| (1) stack + DHCP + DNS + 4 TCP, 2 KiB buffers | %s | %s | %s | %s (beyond: %s, budget 32 KiB) | %.2f | %.2f |\n",
		kib(f1.Start), kib(f1.Warm), kib(f1.Hour), kib(f1.SocketBuf), kib(f1.Beyond), f1.AllocsPerMin, f1.AllocsPerMin)
	fmt.Fprintf(&b, "| (2) full device (examples/device/app) | %s | %s | %s | - | %.1f | %.1f |\n\n",
		kib(f2.Start), kib(f2.Warm), kib(f2.Hour), f2.AllocsPerMin, f2.DeviceAllocsPerMin)

	fmt.Fprintf(&b, "(1) parts: stack with Resources %s, DHCP client %s, resolver %s, application %s (its TCP rings %s); link (driver rings, not counted) %s\n",
		kib(f1.Stack), kib(f1.DHCP), kib(f1.DNS), kib(f1.App), kib(int64(2*footprint.DefaultParams().Conns*footprint.DefaultParams().BufferSize)), kib(f1.Link))
	rf := stack.NewResources(footprint.DeviceSizes(footprint.DefaultParams())).Footprint()
	fmt.Fprintf(&b, "(1) stack.Resources %+v: %+v\n", footprint.DeviceSizes(footprint.DefaultParams()), rf)
	fmt.Fprintf(&b, "(1) in 10 min + 1 h: %v\n", f1.Stats)
	fmt.Fprintf(&b, "(2) the first device built in the process holds %s more: package-level state made on first use\n", kib(f2.FirstStart-f2.Start))
	fmt.Fprintf(&b, "(2) parts: stack with Resources %s, DHCP client %s, device app (httpd, dashboard, MQTT, SNTP, TCP pool 16x4 KiB) %s; peer %s\n",
		kib(f2.Stack), kib(f2.DHCP), kib(f2.App), kib(f2.Peer))
	fmt.Fprintf(&b, "(2) in 10 min + 1 h: %d dashboard fetches (%d failed), %d live frames over %d WebSocket opens, %d pings answered, %d commands, %d telemetry messages, %d DHCP REQUESTs; TCP records refused: %d dials, %d SYNs\n",
		f2.Fetches, f2.FetchFailures, f2.Frames, f2.WSOpens, f2.Pings, f2.Cmds, f2.Telem, f2.Renewals, f2.TCPNoSlot, f2.TCPRefused)
	for _, s := range f2.TopDevice {
		fmt.Fprintf(&b, "(2) device allocation site, per hour: %s\n", s)
	}
	fmt.Fprintf(&b, "(2) device allocations in the first 10 min: %d\n", f2.WarmAllocs)
	for _, s := range f2.TopWarm {
		fmt.Fprintf(&b, "(2) device allocation site, first 10 min: %s\n", s)
	}
	b.WriteString("\n")
	if !*binaries {
		b.WriteString("binary sizes of examples/device: run with -args -binaries\n")
		t.Log(b.String())
		return
	}
	for _, target := range [][]string{{"arm", "GOARCH=arm", "GOARM=7"}, {"mips", "GOARCH=mips", "GOMIPS=softfloat"}} {
		n, err := binarySize(t, target[1:]...)
		if err != nil {
			fmt.Fprintf(&b, "examples/device, GOARCH=%s, -ldflags='-s -w': build failed: %v\n", target[0], err)
			continue
		}
		fmt.Fprintf(&b, "examples/device, %s, -ldflags='-s -w': %d bytes (%.2f MiB)\n", strings.Join(target[1:], " "), n, float64(n)/(1<<20))
	}
	t.Log(b.String())
}

// binarySize builds examples/device for env into a temporary directory
// and returns the file's size.
func binarySize(t *testing.T, env ...string) (int64, error) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	out := filepath.Join(t.TempDir(), "device")
	cmd := exec.Command(goBin, "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./examples/device")
	cmd.Dir = moduleRoot()
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0"), env...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("%v: %s", err, msg)
	}
	fi, err := os.Stat(out)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

// moduleRoot is three directories up from this package.
func moduleRoot() string {
	wd, _ := os.Getwd()
	return filepath.Dir(filepath.Dir(filepath.Dir(wd)))
}
