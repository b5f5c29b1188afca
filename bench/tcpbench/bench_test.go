package tcpbench

import (
	"testing"

	"github.com/seed947b3480/legation/wire"
)

const (
	bulkSize = 64 << 10
	pingSize = 1
)

// pattern returns n bytes that differ from their neighbours and from any
// shifted copy over short distances, so misplaced data shows.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed) | 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func BenchmarkTCPBulk(b *testing.B) {
	for _, tr := range transports() {
		b.Run("impl="+tr.name, func(b *testing.B) {
			src, dst := pattern(bulkSize, 1), make([]byte, bulkSize)
			op := tr.t.bulk(b, src, dst)
			b.SetBytes(bulkSize)
			b.ReportAllocs()
			for b.Loop() {
				if err := op(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(tr.t.mtu()), "link-MTU")
		})
	}
}

func BenchmarkTCPPingPong(b *testing.B) {
	for _, tr := range transports() {
		b.Run("impl="+tr.name, func(b *testing.B) {
			req, resp := pattern(pingSize, 2), make([]byte, pingSize)
			op := tr.t.pingPong(b, req, resp)
			b.ReportAllocs()
			for b.Loop() {
				if err := op(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTCPConnect(b *testing.B) {
	for _, tr := range transports() {
		b.Run("impl="+tr.name, func(b *testing.B) {
			op := tr.t.connect(b)
			b.ReportAllocs()
			for b.Loop() {
				if err := op(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMemcpy1500 copies one 1,500-byte frame: the copy limit.
func BenchmarkMemcpy1500(b *testing.B) {
	src, dst := pattern(1500, 3), make([]byte, 1500)
	b.SetBytes(1500)
	b.ReportAllocs()
	for b.Loop() {
		copy(dst, src)
	}
}

// checksumSink keeps the checksum from being optimised away.
var checksumSink uint16

// BenchmarkChecksum1460 is legation's Internet checksum over one full
// segment's payload, as every segment sent and received pays it.
func BenchmarkChecksum1460(b *testing.B) {
	buf := pattern(1460, 4)
	b.SetBytes(1460)
	b.ReportAllocs()
	for b.Loop() {
		checksumSink = wire.Checksum(buf, 0)
	}
}
