package footprint

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
)

// AllocProfile is the allocation profile by call stack: objects and bytes
// allocated so far at each. It is exact only while
// runtime.MemProfileRate is 1.
type AllocProfile map[[32]uintptr][2]int64

// ReadAllocProfile snapshots the allocation profile. The profile lags up
// to two collections, so two run first.
func ReadAllocProfile() AllocProfile {
	runtime.GC()
	runtime.GC()
	n, _ := runtime.MemProfile(nil, true)
	recs := make([]runtime.MemProfileRecord, n+64)
	n, _ = runtime.MemProfile(recs, true)
	out := make(AllocProfile, n)
	for _, r := range recs[:n] {
		v := out[r.Stack0]
		out[r.Stack0] = [2]int64{v[0] + r.AllocObjects, v[1] + r.AllocBytes}
	}
	return out
}

// ownFrames are the measurement's own allocations (the snapshots).
var ownFrames = []string{"footprint.ReadAllocProfile", "footprint.HeapAlloc"}

// Attribute counts the objects and bytes allocated between two snapshots
// at stacks that hold a frame outside the runtime and none whose function
// name contains one of ignore, and names the busiest sites (up to 30,
// with their bytes). Stacks of runtime frames only are the runtime's own
// bookkeeping (a new OS thread when the world restarts after a
// collection, say), which no code under measurement asked for; counting
// them made the steady-state tests fail now and then on a busy machine.
func Attribute(before, after AllocProfile, ignore ...string) (n uint64, bytes int64, top []string) {
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
		skip := false
		frames := runtime.CallersFrames(trimStack(stk[:]))
		for {
			fr, more := frames.Next()
			for _, p := range ignore {
				skip = skip || strings.Contains(fr.Function, p)
			}
			for _, p := range ownFrames {
				skip = skip || strings.Contains(fr.Function, p)
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
		if skip || len(names) == 0 {
			continue
		}
		n += uint64(d)
		bytes += db
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
	for i := 0; i < len(sites) && i < 30; i++ {
		top = append(top, fmt.Sprintf("%6d (%d B) %s", sites[i].n, sites[i].b, sites[i].where))
	}
	return n, bytes, top
}

func trimStack(s []uintptr) []uintptr {
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
