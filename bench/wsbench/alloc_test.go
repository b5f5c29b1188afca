package wsbench

import (
	"fmt"
	"testing"
)

// TestLegationEchoAllocs is the allocation guard of the benchmark's legation
// case: once warm, echoing a message (the client's frame in, the server's
// echo out, both stacks, httpd's WebSocket group and the client) allocates
// nothing.
func TestLegationEchoAllocs(t *testing.T) {
	for _, size := range sizes {
		t.Run(fmt.Sprintf("size=%d", size), func(t *testing.T) {
			op := startLegation(t, pattern(size, byte(size)))
			for range 100 {
				if err := op(); err != nil {
					t.Fatal(err)
				}
			}
			var err error
			allocs := testing.AllocsPerRun(200, func() {
				if e := op(); e != nil && err == nil {
					err = e
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			if allocs > 0 {
				t.Errorf("%.2f allocations per echoed message, want 0", allocs)
			}
		})
	}
}
