package httpd

import (
	"bytes"
	"testing"
	"time"
)

// A keep-alive GET, both stacks and the server included, allocates
// nothing once the connection is up.
func TestKeepAliveRequestAllocatesNothing(t *testing.T) {
	n := helloServer(t, Config{})
	requestAllocatesNothing(t, n, n.dial())
}

// requestAllocatesNothing sends keep-alive GETs on c (after a warm-up)
// and fails the test if one allocates.
func requestAllocatesNothing(t *testing.T, n *testNet, c *client) {
	t.Helper()
	req := "GET /api/items/42 HTTP/1.1\r\nHost: x\r\n\r\n"
	want := []byte(`{"id":"42"}`)
	done := func() bool { return bytes.HasSuffix(c.got.Bytes(), want) }
	roundTrip := func() {
		c.got.Reset()
		c.send(req)
		if !n.r.RunUntil(time.Second, done) {
			t.Fatalf("no answer: %q", c.got.Bytes())
		}
	}
	for range 10 {
		roundTrip()
	}
	if a := testing.AllocsPerRun(200, roundTrip); a != 0 {
		t.Fatalf("%v allocations per request", a)
	}
}
