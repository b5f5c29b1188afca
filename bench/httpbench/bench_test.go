package httpbench

import (
	"fmt"
	"testing"

	"github.com/seed947b3480/legation/bench/internal/cpuclock"
)

func BenchmarkHTTPServer(b *testing.B) {
	for _, im := range impls {
		for _, clients := range []int{1, 16} {
			b.Run(fmt.Sprintf("impl=%s/clients=%d", im.name, clients), func(b *testing.B) {
				s := im.start(b, clients)
				b.ReportAllocs()
				b.ResetTimer()
				cpu := cpuclock.Process()
				if err := s.run(b.N); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				b.ReportMetric(float64(cpuclock.Process()-cpu)/float64(b.N), "cpu-ns/op")
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
				b.ReportMetric(float64(s.respLen()), "resp-B")
			})
		}
	}
}
