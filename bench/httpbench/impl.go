package httpbench

import "testing"

// session is a running server with its clients connected: every client
// holds one keep-alive connection on which it has already made one round
// trip, so set-up costs (accept, first buffers) are out of the way.
type session interface {
	// run makes total round trips, spread evenly over the clients, and
	// returns once every response has been read and checked.
	run(total int) error
	// respLen is the length in bytes of one response, head and body.
	respLen() int
}

// impl starts one implementation's server and n clients. Set-up may
// allocate and take time; teardown belongs in tb.Cleanup.
type impl func(tb testing.TB, n int) session

// impls are the implementations, in column order.
var impls = []struct {
	name  string
	start impl
}{
	{"legation", startLegation},
	{"nethttp", startNetHTTP},
	{"gnet", startGnet},
}

// share is client i's part of total round trips over n clients.
func share(total, n, i int) int {
	s := total / n
	if i < total%n {
		s++
	}
	return s
}
