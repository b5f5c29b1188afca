package httpclientbench

import "testing"

// TestClients checks every case: 200 requests answered and checked, all on
// the one connection the session opened.
func TestClients(t *testing.T) {
	for _, im := range impls {
		t.Run(caseName(im.client, im.server), func(t *testing.T) {
			s := im.start(t)
			if err := s.run(200); err != nil {
				t.Fatal(err)
			}
			if n := s.conns(); n != 1 {
				t.Fatalf("the server accepted %d connections for 201 requests, want 1", n)
			}
		})
	}
}
