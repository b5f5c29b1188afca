package httpclientbench

import (
	"testing"

	"github.com/seed947b3480/legation/bench/internal/cpuclock"
)

func BenchmarkHTTPClient(b *testing.B) {
	for _, im := range impls {
		b.Run(caseName(im.client, im.server), func(b *testing.B) {
			s := im.start(b)
			conns := s.conns()
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuclock.Process()
			if err := s.run(b.N); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(float64(cpuclock.Process()-cpu)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
			if n := s.conns() - conns; n != 0 {
				b.Fatalf("%d new connections during the run: keep-alive broken", n)
			}
		})
	}
}
