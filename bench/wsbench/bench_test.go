package wsbench

import (
	"fmt"
	"testing"

	"github.com/seed947b3480/legation/bench/internal/cpuclock"
)

func BenchmarkWebSocketEcho(b *testing.B) {
	for _, im := range impls {
		for _, size := range sizes {
			b.Run(fmt.Sprintf("impl=%s/size=%d", im.name, size), func(b *testing.B) {
				op := im.start(b, pattern(size, byte(size)))
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				cpu := cpuclock.Process()
				for range b.N {
					if err := op(); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(cpuclock.Process()-cpu)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
