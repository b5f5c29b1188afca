package fault

// dir indexes per-direction state.
type dir uint8

const (
	dirRX dir = iota
	dirTX
)

// heldFrame is the bookkeeping of one pool slot.
type heldFrame struct {
	due     int64  // instant from which the frame may go
	seq     uint64 // arrival order within its direction
	n       int    // frame length
	dir     dir
	reorder bool // waiting for a newer frame to overtake it
	inUse   bool
}

// pool is a fixed set of MTU-sized slots for frames the injector holds. It
// is small (64 by default), so lookups are linear scans: cheaper than a heap
// at this size and free of allocation.
type pool struct {
	meta     []heldFrame
	buf      []byte
	slotSize int
	free     []int32 // stack of free slot indices
	count    [2]int  // slots in use per direction
}

func newPool(slots, slotSize int) *pool {
	p := &pool{
		meta:     make([]heldFrame, slots),
		buf:      make([]byte, slots*slotSize),
		slotSize: slotSize,
		free:     make([]int32, slots),
	}
	for i := range p.free {
		p.free[i] = int32(slots - 1 - i)
	}
	return p
}

// hold copies frame into a free slot. ok is false when the pool is full or
// the frame does not fit a slot.
func (p *pool) hold(d dir, frame []byte, seq uint64, due int64, reorder bool) bool {
	if len(p.free) == 0 || len(frame) > p.slotSize {
		return false
	}
	i := p.free[len(p.free)-1]
	p.free = p.free[:len(p.free)-1]
	copy(p.slot(int(i)), frame)
	p.meta[i] = heldFrame{due: due, seq: seq, n: len(frame), dir: d, reorder: reorder, inUse: true}
	p.count[d]++
	return true
}

func (p *pool) slot(i int) []byte {
	off := i * p.slotSize
	return p.buf[off : off+p.slotSize : off+p.slotSize]
}

// frame returns the held bytes of slot i.
func (p *pool) frame(i int) []byte { return p.slot(i)[:p.meta[i].n] }

func (p *pool) release(i int) {
	m := &p.meta[i]
	if !m.inUse {
		return
	}
	m.inUse = false
	p.count[m.dir]--
	p.free = append(p.free, int32(i)) // within capacity: never allocates
}

// next returns the slot of the frame in direction d that should go first
// among those due at now: earliest due, then arrival order. -1 if none.
func (p *pool) next(d dir, now int64) int {
	if p.count[d] == 0 {
		return -1
	}
	best := -1
	for i := range p.meta {
		m := &p.meta[i]
		if !m.inUse || m.dir != d || m.due > now {
			continue
		}
		if best < 0 || m.due < p.meta[best].due || (m.due == p.meta[best].due && m.seq < p.meta[best].seq) {
			best = i
		}
	}
	return best
}

// earliest returns the earliest due instant in direction d, counting only
// frames due after `after` if strict is set.
func (p *pool) earliest(d dir, after int64, strict bool) (int64, bool) {
	if p.count[d] == 0 {
		return 0, false
	}
	var at int64
	found := false
	for i := range p.meta {
		m := &p.meta[i]
		if !m.inUse || m.dir != d || (strict && m.due <= after) {
			continue
		}
		if !found || m.due < at {
			at, found = m.due, true
		}
	}
	return at, found
}

// overtaken makes every frame of direction d waiting to be reordered and
// older than seq due at now: a newer frame has just gone past it.
func (p *pool) overtaken(d dir, seq uint64, now int64) {
	if p.count[d] == 0 {
		return
	}
	for i := range p.meta {
		m := &p.meta[i]
		if m.inUse && m.dir == d && m.reorder && m.seq < seq {
			m.reorder = false
			m.due = min(m.due, now)
		}
	}
}

func (p *pool) clear() {
	for i := range p.meta {
		p.release(i)
	}
}
