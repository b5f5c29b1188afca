package httpbench

import (
	"fmt"
	"testing"
)

// TestLegationServerAllocs is the allocation guard of the benchmark's
// legation case: once warm, a keep-alive round trip (request, response,
// both stacks, httpd, the client) allocates nothing. AllocsPerRun counts
// the allocations of whole batches, so one allocation in a batch of 64
// round trips fails the test. When it fails, find the site with
//
//	go test -run TestLegationServerAllocs -memprofile mem.out -memprofilerate 1 ./httpbench/
//	go tool pprof -sample_index=alloc_objects -top mem.out
func TestLegationServerAllocs(t *testing.T) {
	const (
		warmup = 1000
		batch  = 64
		runs   = 50
	)
	for _, clients := range []int{1, 16} {
		t.Run(fmt.Sprintf("clients=%d", clients), func(t *testing.T) {
			s := startLegation(t, clients).(*legationSession)
			if err := s.run(warmup); err != nil {
				t.Fatal(err)
			}
			var err error
			done := 0
			allocs := testing.AllocsPerRun(runs, func() {
				if e := s.run(batch); e != nil && err == nil {
					err = e
				}
				done += s.done
			})
			if err != nil {
				t.Fatal(err)
			}
			// AllocsPerRun makes one extra, unmeasured run first.
			if want := (runs + 1) * batch; done != want {
				t.Fatalf("%d round trips completed, want %d", done, want)
			}
			if perReq := allocs / batch; perReq > 0 {
				t.Errorf("%.0f allocations per batch of %d round trips (%.3f per request), want 0", allocs, batch, perReq)
			}
		})
	}
}
