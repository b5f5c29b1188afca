package wsbench

import (
	"fmt"
	"testing"
)

// TestEcho checks that every implementation echoes 50 messages of every
// size, byte for byte, on one connection.
func TestEcho(t *testing.T) {
	for _, im := range impls {
		for _, size := range sizes {
			t.Run(fmt.Sprintf("impl=%s/size=%d", im.name, size), func(t *testing.T) {
				op := im.start(t, pattern(size, byte(size)))
				for i := range 50 {
					if err := op(); err != nil {
						t.Fatalf("message %d: %v", i, err)
					}
				}
			})
		}
	}
}
