package httpbench

import (
	"fmt"
	"testing"
)

// TestServers checks that every implementation's server answers every
// client's requests, complete and in order, and that the clients count
// them: 200 round trips over 1 and over 16 keep-alive connections.
func TestServers(t *testing.T) {
	for _, im := range impls {
		for _, clients := range []int{1, 16} {
			t.Run(fmt.Sprintf("impl=%s/clients=%d", im.name, clients), func(t *testing.T) {
				s := im.start(t, clients)
				if err := s.run(200); err != nil {
					t.Fatal(err)
				}
				if n := s.respLen(); n < len("HTTP/1.1 200 OK\r\n\r\n")+len(body) {
					t.Fatalf("response length %d", n)
				}
			})
		}
	}
}
