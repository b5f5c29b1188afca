package tcp

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// ringModel is the specification of Ring: the data as a bytes.Buffer, and
// the bytes parked in the free space as a map from offset past the end of
// the data to value. Committing n bytes moves the first n parked offsets
// into the data and shifts the rest down; reading touches only the data.
type ringModel struct {
	cap    int
	data   bytes.Buffer
	parked map[int]byte
}

func (m *ringModel) free() int { return m.cap - m.data.Len() }

// commit appends n bytes to the data: the values given, or (nil) the parked
// ones, which must all be known.
func (m *ringModel) commit(t *testing.T, n int, values []byte) {
	t.Helper()
	next := make(map[int]byte, len(m.parked))
	for off, v := range m.parked {
		if off >= n {
			next[off-n] = v
		}
	}
	for i := range n {
		if values != nil {
			m.data.WriteByte(values[i])
			continue
		}
		v, ok := m.parked[i]
		if !ok {
			t.Fatalf("model: commit of unknown byte at offset %d", i)
		}
		m.data.WriteByte(v)
	}
	m.parked = next
}

// check compares every observable of r with the model.
func (m *ringModel) check(t *testing.T, r *Ring, rng *rand.Rand) {
	t.Helper()
	if r.Len() != m.data.Len() || r.Free() != m.free() || r.Cap() != m.cap {
		t.Fatalf("Len/Free/Cap = %d/%d/%d, model %d/%d/%d", r.Len(), r.Free(), r.Cap(), m.data.Len(), m.free(), m.cap)
	}
	all := make([]byte, m.data.Len())
	if n := r.CopyAt(all, 0); n != len(all) || !bytes.Equal(all, m.data.Bytes()) {
		t.Fatalf("CopyAt(all) = %d %x, model %x", n, all[:n], m.data.Bytes())
	}
	if lease := r.ReadLease(); !bytes.HasPrefix(m.data.Bytes(), lease) || (len(lease) == 0) != (m.data.Len() == 0) {
		t.Fatalf("ReadLease = %x, model data %x", lease, m.data.Bytes())
	}
	if m.data.Len() > 0 {
		off := rng.IntN(m.data.Len())
		n := 1 + rng.IntN(m.data.Len())
		p := r.PeekAt(off, n)
		want := m.data.Bytes()[off:min(off+n, m.data.Len())]
		if len(p) == 0 || !bytes.HasPrefix(want, p) {
			t.Fatalf("PeekAt(%d, %d) = %x, want a prefix of %x", off, n, p, want)
		}
		if len(p) < len(want) && len(p) != r.Cap()-r.wrap(r.head+off) {
			t.Fatalf("PeekAt(%d, %d) stopped after %d bytes before the end of the buffer", off, n, len(p))
		}
	}
	for off, v := range m.parked {
		if at := (r.head + r.n + off) % r.Cap(); r.buf[at] != v {
			t.Fatalf("parked byte at offset %d = %#x, model %#x", off, r.buf[at], v)
		}
	}
}

// TestRingModel drives rings of several sizes with random operations,
// through every entry point, and compares them with the model after each.
func TestRingModel(t *testing.T) {
	for _, size := range []int{0, 1, 2, 7, 64, 1000} {
		for seed := range uint64(20) {
			t.Run(fmt.Sprintf("cap=%d/seed=%d", size, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, uint64(size)))
				r := NewRing(make([]byte, size))
				m := &ringModel{cap: size, parked: map[int]byte{}}
				random := func(n int) []byte {
					p := make([]byte, n)
					for i := range p {
						p[i] = byte(rng.Uint32())
					}
					return p
				}
				for step := range 400 {
					switch op := rng.IntN(9); op {
					case 0: // Write
						p := random(rng.IntN(size + 3))
						n := r.Write(p)
						if want := min(len(p), m.free()); n != want {
							t.Fatalf("step %d: Write(%d bytes) = %d, want %d", step, len(p), n, want)
						}
						m.commit(t, n, p)
					case 1: // Read
						p := make([]byte, rng.IntN(size+3))
						n := r.Read(p)
						want := m.data.Next(len(p))
						if !bytes.Equal(p[:n], want) {
							t.Fatalf("step %d: Read = %x, want %x", step, p[:n], want)
						}
					case 2: // WriteLease, fill a prefix, CommitWrite
						a, b := r.WriteLease()
						if len(a)+len(b) != m.free() {
							t.Fatalf("step %d: WriteLease = %d+%d bytes, free %d", step, len(a), len(b), m.free())
						}
						if len(a) == 0 && len(b) > 0 {
							t.Fatalf("step %d: WriteLease gave an empty first slice before a non-empty second", step)
						}
						k := rng.IntN(m.free() + 1)
						p := random(k)
						c := copy(a, p)
						copy(b, p[c:])
						r.CommitWrite(k)
						m.commit(t, k, p)
					case 3: // ReadLease, Consume part of it
						lease := r.ReadLease()
						k := rng.IntN(len(lease) + 1)
						if want := m.data.Next(k); !bytes.Equal(lease[:k], want) {
							t.Fatalf("step %d: ReadLease prefix = %x, want %x", step, lease[:k], want)
						}
						r.Consume(k)
					case 4: // Consume without reading (an acknowledgment)
						k := rng.IntN(m.data.Len() + 1)
						r.Consume(k)
						m.data.Next(k)
					case 5, 6: // WriteAt: park bytes in the free space
						off := rng.IntN(size + 2)
						p := random(rng.IntN(size/2 + 2))
						n := r.WriteAt(p, off)
						want := 0
						if off < m.free() {
							want = min(len(p), m.free()-off)
						}
						if n != want {
							t.Fatalf("step %d: WriteAt(%d bytes, %d) = %d, want %d", step, len(p), off, n, want)
						}
						for i := range n {
							m.parked[off+i] = p[i]
						}
					case 7: // CommitWrite of parked bytes
						k := 0
						for {
							if _, ok := m.parked[k]; !ok {
								break
							}
							k++
						}
						k = rng.IntN(k + 1)
						r.CommitWrite(k)
						m.commit(t, k, nil)
					case 8:
						if rng.IntN(10) == 0 {
							r.Reset()
							m.data.Reset()
							clear(m.parked)
						}
					}
					m.check(t, &r, rng)
				}
			})
		}
	}
}

// TestRingWrapLayout pins the layout of the lease forms where the data or
// the free space wraps around the end of the buffer.
func TestRingWrapLayout(t *testing.T) {
	r := NewRing(make([]byte, 8))
	r.Write([]byte("abcdef")) // data [0,6)
	r.Consume(4)              // data [4,6) "ef"; free [6,8) + [0,4)
	a, b := r.WriteLease()
	if len(a) != 2 || len(b) != 4 || &a[0] != &r.buf[6] || &b[0] != &r.buf[0] {
		t.Fatalf("WriteLease with free space wrapping = %d,%d bytes", len(a), len(b))
	}
	if n := r.Write([]byte("ghijk")); n != 5 { // data "efghijk" over [4,8) + [0,3)
		t.Fatalf("Write = %d, want 5", n)
	}
	a, b = r.WriteLease()
	if len(a) != 1 || b != nil || &a[0] != &r.buf[3] {
		t.Fatalf("WriteLease with data wrapping = %d,%d bytes, want the single gap", len(a), len(b))
	}
	if got := string(r.ReadLease()); got != "efgh" {
		t.Fatalf("ReadLease = %q, want %q (up to the end of the buffer)", got, "efgh")
	}
	if got := string(r.PeekAt(2, 10)); got != "gh" {
		t.Fatalf("PeekAt(2,10) = %q, want %q", got, "gh")
	}
	if got := string(r.PeekAt(4, 10)); got != "ijk" {
		t.Fatalf("PeekAt(4,10) = %q, want %q", got, "ijk")
	}
	dst := make([]byte, 5)
	if n := r.CopyAt(dst, 1); n != 5 || string(dst) != "fghij" {
		t.Fatalf("CopyAt(1) = %d %q, want 5 %q", n, dst[:n], "fghij")
	}
	if p := r.PeekAt(7, 1); len(p) != 0 {
		t.Fatalf("PeekAt past the data = %q, want empty", p)
	}
	if n := r.Write([]byte("lm")); n != 1 || r.Free() != 0 {
		t.Fatalf("Write into 1 free byte = %d (free %d)", n, r.Free())
	}
	if a, b := r.WriteLease(); a != nil || b != nil {
		t.Fatalf("WriteLease on a full ring = %d,%d bytes", len(a), len(b))
	}
	// A full wrap: reading everything leaves the tail where it was, so the
	// free space starts there rather than at the beginning of the buffer.
	r.Consume(r.Len())
	a, b = r.WriteLease()
	if len(a)+len(b) != 8 || &a[0] != &r.buf[4] {
		t.Fatalf("WriteLease after emptying = %d,%d bytes starting at %p", len(a), len(b), &a[0])
	}
}

// TestRingParkedBytesSurviveReads checks the property the receive side
// relies on: bytes placed past the data stay put while the user reads.
func TestRingParkedBytesSurviveReads(t *testing.T) {
	r := NewRing(make([]byte, 10))
	r.Write([]byte("0123"))
	if n := r.WriteAt([]byte("xyz"), 2); n != 3 { // parked at offsets 2..4 past "0123"
		t.Fatalf("WriteAt = %d, want 3", n)
	}
	p := make([]byte, 4)
	if r.Read(p); string(p) != "0123" {
		t.Fatalf("Read = %q", p)
	}
	r.Write([]byte("ab")) // fills the gap before the parked bytes
	r.CommitWrite(3)
	all := make([]byte, r.Len())
	r.CopyAt(all, 0)
	if string(all) != "abxyz" {
		t.Fatalf("data after commit = %q, want %q", all, "abxyz")
	}
}

func TestRingMisusePanics(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func(r *Ring)
	}{
		{"CommitWrite beyond free", func(r *Ring) { r.CommitWrite(r.Free() + 1) }},
		{"CommitWrite negative", func(r *Ring) { r.CommitWrite(-1) }},
		{"Consume beyond len", func(r *Ring) { r.Consume(r.Len() + 1) }},
		{"Consume negative", func(r *Ring) { r.Consume(-1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRing(make([]byte, 4))
			r.Write([]byte("ab"))
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
				if r.Len() != 2 {
					t.Fatalf("state changed before the panic: Len %d", r.Len())
				}
			}()
			tc.f(&r)
		})
	}
}

func TestRingNoAllocs(t *testing.T) {
	r := NewRing(make([]byte, 1500))
	p := make([]byte, 700)
	q := make([]byte, 900)
	allocs := testing.AllocsPerRun(100, func() {
		r.Write(p)
		r.WriteAt(p[:10], 100)
		a, _ := r.WriteLease()
		r.CommitWrite(min(len(a), 5))
		_ = r.PeekAt(3, 400)
		r.CopyAt(q, 1)
		l := r.ReadLease()
		r.Consume(len(l) / 2)
		r.Read(q)
	})
	if allocs != 0 {
		t.Fatalf("Ring operations allocate: %v per run", allocs)
	}
}

func BenchmarkRingWriteRead1460(b *testing.B) {
	r := NewRing(make([]byte, 64<<10))
	p := make([]byte, 1460)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		r.Write(p)
		r.Read(p)
	}
}
