package httpclientbench

import (
	"errors"
	"fmt"
	"testing"
)

// session is one client with one keep-alive connection to its server, on
// which it has already made a request, so set-up costs (connect, first
// buffers) are out of the way.
type session interface {
	// run makes n requests, one after the other, reading and checking
	// each response whole before the next request.
	run(n int) error
	// conns is how many connections the server has accepted so far.
	conns() int64
}

// impl starts one client and its server. Set-up may allocate and take
// time; teardown belongs in tb.Cleanup.
type impl func(tb testing.TB) session

// impls are the cases, in the order they are reported: the client, and
// the server it fetches from.
var impls = []struct {
	client, server string
	start          impl
}{
	{"nethttp", "nethttp", startNetHTTP},
	{"legation", "nethttp", startLegationNetHTTP},
	{"legation", "httpd", startLegationHTTPD},
}

// name is the case's sub-benchmark name; benchstat -col /impl puts the
// clients side by side for each server.
func caseName(client, server string) string {
	return fmt.Sprintf("impl=%s/server=%s", client, server)
}

var errBody = errors.New("response body differs from the server's")
