package tcpbench

import (
	"bytes"
	"testing"
)

// TestTransports runs each implementation's ops a few times and checks that
// they deliver exactly the bytes sent: a benchmark is only worth its figure
// if the work really happened.
func TestTransports(t *testing.T) {
	for _, tr := range transports() {
		t.Run("impl="+tr.name, func(t *testing.T) {
			t.Run("bulk", func(t *testing.T) {
				for round := byte(0); round < 3; round++ {
					src, dst := pattern(bulkSize, 10+round), make([]byte, bulkSize)
					op := tr.t.bulk(t, src, dst)
					for i := 0; i < 3; i++ {
						clear(dst)
						if err := op(); err != nil {
							t.Fatalf("op %d: %v", i, err)
						}
						if !bytes.Equal(dst, src) {
							t.Fatalf("op %d: the server read other bytes than the client sent", i)
						}
					}
				}
			})
			t.Run("pingpong", func(t *testing.T) {
				for _, size := range []int{1, 100, 1460} {
					req, resp := pattern(size, 20), make([]byte, size)
					op := tr.t.pingPong(t, req, resp)
					for i := 0; i < 5; i++ {
						clear(resp)
						if err := op(); err != nil {
							t.Fatalf("%d bytes, op %d: %v", size, i, err)
						}
						if !bytes.Equal(resp, req) {
							t.Fatalf("%d bytes, op %d: the echo differs", size, i)
						}
					}
				}
			})
			t.Run("connect", func(t *testing.T) {
				op := tr.t.connect(t)
				for i := 0; i < 20; i++ {
					if err := op(); err != nil {
						t.Fatalf("op %d: %v", i, err)
					}
				}
			})
		})
	}
}
