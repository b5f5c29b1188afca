package httpclientbench

import "testing"

// TestLegationClientAllocs is the allocation guard of the benchmark's
// impl=legation/server=httpd case: once warm, a keep-alive request (the
// client's Do, its request head, the response parsed and its body gathered,
// both stacks, the link and httpd) allocates nothing. AllocsPerRun counts
// the allocations of whole batches, so one allocation in a batch of 64
// requests fails the test. (clients/http's TestKeepAliveGetAllocatesNothing
// guards a similar exchange driven one request per reactor run; this one
// guards the benchmark's op, requests chained from the completion callback.)
// When it fails, find the site with
//
//	go test -run TestLegationClientAllocs -memprofile mem.out -memprofilerate 1 ./httpclientbench/
//	go tool pprof -sample_index=alloc_objects -top mem.out
func TestLegationClientAllocs(t *testing.T) {
	const (
		warmup = 1000
		batch  = 64
		runs   = 50
	)
	s := newLegationHTTPD(t)
	if err := s.run(warmup); err != nil {
		t.Fatal(err)
	}
	var err error
	allocs := testing.AllocsPerRun(runs, func() {
		if e := s.run(batch); e != nil && err == nil {
			err = e
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if perReq := allocs / batch; perReq > 0 {
		t.Errorf("%.0f allocations per batch of %d requests (%.3f per request), want 0", allocs, batch, perReq)
	}
	if st := s.lc.c.Stats(); st.Dials != 1 || st.Completed != uint64(1+warmup+(runs+1)*batch) {
		t.Errorf("client stats %+v: want %d requests completed over 1 connection", st, 1+warmup+(runs+1)*batch)
	}
}
