package footprint

import (
	"runtime"
	"time"
)

// Meter reads the Go heap between the steps of building something: the
// garbage collector runs first, so what is read is what is reachable.
// Built several times over one Meter, each step keeps its smallest
// reading: another goroutine allocating during a step (the test
// framework, on a loaded machine) can only add to a reading, and the
// first build's one-time costs (the collector's workers, lazily made
// runtime tables) drop out. A nil Meter reads nothing.
type Meter struct {
	last  uint64
	steps map[string]int64
	first map[string]int64 // the first build's readings
}

// NewMeter returns a meter whose first Mark sets the baseline.
func NewMeter() *Meter {
	return &Meter{steps: make(map[string]int64, 8), first: make(map[string]int64, 8)}
}

// HeapAlloc collects garbage and returns the heap in use and the count of
// allocations so far. It collects twice: what a sync.Pool drops survives
// one collection in its victim cache, and would otherwise be freed in the
// middle of the next step.
func HeapAlloc() (heap, mallocs uint64) {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc, m.Mallocs
}

// Mark records the heap grown since the previous mark under step, unless
// an earlier build read less ("" only sets the baseline).
func (m *Meter) Mark(step string) {
	if m == nil {
		return
	}
	h, _ := HeapAlloc()
	if step != "" {
		d := int64(h) - int64(m.last)
		if old, ok := m.steps[step]; !ok || d < old {
			m.steps[step] = d
		}
		if _, ok := m.first[step]; !ok {
			m.first[step] = d
		}
	}
	m.last = h
}

// Step returns what step grew the heap by.
func (m *Meter) Step(step string) int64 { return m.steps[step] }

// First returns what step grew the heap by in the first build: with the
// process's one-time costs (package-level tables made on first use).
func (m *Meter) First(step string) int64 { return m.first[step] }

func (sc *Scenario) mark(step string) { sc.meter.Mark(step) }

// Figures are configuration (1)'s measurements, in bytes of Go heap.
type Figures struct {
	Link      int64 // the in-memory link's rings: the driver's, not counted below
	Stack     int64 // stack.New with its Resources
	DHCP      int64 // the DHCP client
	DNS       int64 // the resolver
	App       int64 // the application: its TCP connections' rings and its own state
	Start     int64 // Stack + DHCP + DNS + App
	SocketBuf int64 // of Start, socket buffers: TCP rings, UDP rings
	Beyond    int64 // Start - SocketBuf

	Warm, Hour int64 // Start plus the heap's growth in the warm-up, and in the run after it
	// Mallocs are the allocations during the run: with
	// runtime.MemProfileRate 1, those Attribute counts (code outside the
	// runtime asked for them; MallocBytes their bytes, Sites where); else
	// every allocation in the process.
	Mallocs      uint64
	MallocBytes  int64
	Sites        []string
	AllocsPerMin float64 // Mallocs per minute of virtual time
	Stats        Stats   // what the scenario did, warm-up and run
}

// Measure builds configuration p with the heap read between steps, runs
// it for warm of virtual time and then for run more, counting every
// allocation in the process during run.
func Measure(p Params, warm, run time.Duration) (Figures, error) {
	// Three builds, each step's smallest reading (Meter); the last one
	// runs. All stay reachable until the end, so that none is collected
	// in the middle of another's steps and makes a reading small.
	m := NewMeter()
	var built [3]*Scenario
	for i := range built {
		var err error
		if built[i], err = build(p, m); err != nil {
			return Figures{}, err
		}
	}
	defer runtime.KeepAlive(&built)
	sc := built[len(built)-1]
	var f Figures
	f.Link, f.Stack, f.DHCP, f.DNS, f.App = m.Step("link"), m.Step("stack"), m.Step("dhcp"), m.Step("dns"), m.Step("app")
	f.Start = f.Stack + f.DHCP + f.DNS + f.App
	f.SocketBuf = int64(2*p.Conns*p.BufferSize) + udpBuffers()
	f.Beyond = f.Start - f.SocketBuf
	h0, _ := HeapAlloc()
	sc.Run(warm)
	h1, m1 := HeapAlloc()
	h1p := h1
	// With every allocation profiled, a snapshot of the profile counts
	// exactly what the run allocates; the heap is read again after it is
	// taken so that the snapshot is not counted as the run's growth.
	exact := runtime.MemProfileRate == 1
	var p1 AllocProfile
	if exact {
		p1 = ReadAllocProfile()
		h1, m1 = HeapAlloc()
	}
	sc.Run(run)
	h2, m2 := HeapAlloc()
	f.Warm = f.Start + int64(h1p) - int64(h0)
	f.Hour = f.Warm + int64(h2) - int64(h1)
	f.Mallocs = m2 - m1
	if exact {
		f.Mallocs, f.MallocBytes, f.Sites = Attribute(p1, ReadAllocProfile())
	}
	f.AllocsPerMin = float64(f.Mallocs) / run.Minutes()
	f.Stats = sc.Stats()
	runtime.KeepAlive(sc)
	return f, nil
}

// udpBuffers is the UDP sockets' rings of configuration (1): the DHCP
// client's (4 KiB in, 2 KiB out) and the resolver's one socket (1 KiB
// in, 1 KiB out).
func udpBuffers() int64 { return 4096 + 2048 + 1024 + 1024 }
