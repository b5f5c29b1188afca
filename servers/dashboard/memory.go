package dashboard

import "runtime"

// memStats holds the runtime's figures between a read and its JSON: a
// MemStats is about 5 KiB, too large to put on the stack of every call.
type memStats struct {
	ms runtime.MemStats
}

// writeMemory writes the members of /api/system/memory: what the Go
// runtime holds and the connections that share it. runtime.ReadMemStats
// stops the world for a few microseconds; the page asks once per update.
func (d *Dashboard) writeMemory(j *JSON) {
	m := &d.mem.ms
	runtime.ReadMemStats(m)
	j.Uint("heap_alloc", m.HeapAlloc)
	j.Uint("heap_inuse", m.HeapInuse)
	j.Uint("heap_idle", m.HeapIdle)
	j.Uint("heap_released", m.HeapReleased)
	j.Uint("heap_objects", m.HeapObjects)
	j.Uint("stack_inuse", m.StackInuse)
	j.Uint("sys", m.Sys)
	j.Uint("mallocs", m.Mallocs)
	j.Uint("frees", m.Frees)
	j.Uint("total_alloc", m.TotalAlloc)
	j.Uint("num_gc", uint64(m.NumGC))
	j.Uint("pause_total_ns", m.PauseTotalNs)
	j.Uint("next_gc", m.NextGC)
	j.Int("goroutines", int64(runtime.NumGoroutine()))
	h := d.srv.Stats()
	j.Int("http_conns", int64(h.Conns))
	j.Int("http_active", int64(h.Active))
	j.Int("live_views", int64(d.group.Len()))
}
