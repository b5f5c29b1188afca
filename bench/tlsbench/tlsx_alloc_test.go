package tlsbench

import (
	"testing"
)

// TestTLSXBulkAllocs is the allocation guard of the bulk benchmark's tlsx
// case: once warm, a 16 KiB record from client to server (Write, the
// link, Input, ReadLease and Consume, or Read) allocates nothing, in any
// suite.
func TestTLSXBulkAllocs(t *testing.T) {
	msg := pattern(recordSize, 7)
	for _, c := range []struct {
		name string
		s    suite
		read bool
	}{{"lease/" + suites[0].name, suites[0], false}, {"lease/" + suites[1].name, suites[1], false},
		{"lease/" + suites[2].name, suites[2], false}, {"read/" + suites[0].name, suites[0], true}} {
		t.Run(c.name, func(t *testing.T) {
			op := startTLSXBulk(t, c.s, nil, c.read)
			for range warmRecords {
				if err := op(msg); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			allocs := testing.AllocsPerRun(100, func() {
				if e := op(msg); e != nil && err == nil {
					err = e
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if allocs > 0 {
				t.Errorf("%.2f allocations per record, want 0", allocs)
			}
		})
	}
}
