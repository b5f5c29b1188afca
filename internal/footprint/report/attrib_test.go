package report

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
)

// memRecords snapshots the allocation profile (runtime.MemProfileRate
// must be 1 for exact counts). The profile lags up to two collections, so
// two run first.
func memRecords() map[[32]uintptr][2]int64 {
	runtime.GC()
	runtime.GC()
	n, _ := runtime.MemProfile(nil, true)
	recs := make([]runtime.MemProfileRecord, n+64)
	n, _ = runtime.MemProfile(recs, true)
	out := make(map[[32]uintptr][2]int64, n)
	for _, r := range recs[:n] {
		v := out[r.Stack0]
		out[r.Stack0] = [2]int64{v[0] + r.AllocObjects, v[1] + r.AllocBytes}
	}
	return out
}

// peerFrames mark an allocation as the simulated peer's (the test's
// network), not the device's.
var peerFrames = []string{
	"examples/internal/demobroker", "examples/internal/demontp", "dhcptest.",
	"report.(*httpPoller)", "report.(*wsClient)", "report.(*fullRig)", "app.(*DemoPeer)",
	"report.memRecords", "footprint.HeapAlloc",
}

// deviceAllocs counts the allocations between two snapshots whose stacks
// hold no peer frame and some frame outside the runtime, and names the
// busiest sites (with their bytes).
func deviceAllocs(before, after map[[32]uintptr][2]int64) (uint64, []string) {
	var total uint64
	type site struct {
		where string
		n, b  int64
	}
	var sites []site
	at := map[string]int{}
	for stk, v := range after {
		d, db := v[0]-before[stk][0], v[1]-before[stk][1]
		if d <= 0 {
			continue
		}
		var names []string
		peer := false
		frames := runtime.CallersFrames(trim(stk[:]))
		for {
			fr, more := frames.Next()
			for _, p := range peerFrames {
				if strings.Contains(fr.Function, p) {
					peer = true
				}
			}
			// The allocating function, then the project's callers: the
			// standard library's frames in between say little.
			if len(names) < 4 && !strings.HasPrefix(fr.Function, "runtime.") &&
				(len(names) == 0 || strings.Contains(fr.Function, "/")) {
				names = append(names, shortName(fr.Function))
			}
			if !more {
				break
			}
		}
		if peer {
			continue
		}
		if len(names) == 0 {
			// Only the runtime's frames: its own bookkeeping (a new
			// OS thread when the world restarts after a collection,
			// say), which no code of the device asked for.
			continue
		}
		total += uint64(d)
		where := strings.Join(names, " < ")
		if i, ok := at[where]; ok {
			sites[i].n += d
			sites[i].b += db
			continue
		}
		at[where] = len(sites)
		sites = append(sites, site{where, d, db})
	}
	sort.Slice(sites, func(i, j int) bool { return sites[i].n > sites[j].n })
	var top []string
	for i := 0; i < len(sites) && i < 30; i++ {
		top = append(top, fmt.Sprintf("%6d (%d B) %s", sites[i].n, sites[i].b, sites[i].where))
	}
	return total, top
}

func trim(s []uintptr) []uintptr {
	for i, pc := range s {
		if pc == 0 {
			return s[:i]
		}
	}
	return s
}

func shortName(f string) string {
	if i := strings.LastIndex(f, "/"); i >= 0 {
		return f[i+1:]
	}
	return f
}
