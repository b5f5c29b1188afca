package tlsbench

import (
	"flag"
	"fmt"
	"testing"

	"github.com/seed947b3480/legation/bench/internal/cpuclock"
)

// measureIdle can be turned off (-idle=false) to keep the idle-memory
// measurement out of a CPU profile of the handshake.
var measureIdle = flag.Bool("idle", true, "measure the heap of idle connections after each handshake benchmark")

func mustPKI(tb testing.TB) *pki {
	tb.Helper()
	p, err := getPKI()
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// BenchmarkTLSHandshake is one full handshake per op, client and server,
// over a link reused from op to op. After the timed loop it measures the
// heap an established idle connection holds, over idleConns connections:
// client-B/conn and server-B/conn just after the handshake,
// client-B/usedconn and server-B/usedconn after one 16 KiB record each way.
func BenchmarkTLSHandshake(b *testing.B) {
	p := mustPKI(b)
	for _, im := range handshakeImpls {
		for _, g := range groups {
			for _, cert := range certKinds {
				b.Run(fmt.Sprintf("impl=%s/group=%s/cert=%s", im.name, g.name, cert), func(b *testing.B) {
					op := im.prepare(p, g, cert)
					l := newLink()
					if _, err := op(l); err != nil {
						b.Fatal(err)
					}
					b.ReportAllocs()
					b.ResetTimer()
					cpu := cpuclock.Process()
					for range b.N {
						if _, err := op(l); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					b.ReportMetric(float64(cpuclock.Process()-cpu)/float64(b.N), "cpu-ns/op")
					if *measureIdle {
						m := idleOnce(b, op)
						b.ReportMetric(m[0], "client-B/conn")
						b.ReportMetric(m[1], "server-B/conn")
						b.ReportMetric(m[2], "client-B/usedconn")
						b.ReportMetric(m[3], "server-B/usedconn")
					}
				})
			}
		}
	}
}

// idleMeasured holds each handshake case's idle-memory figures: they do
// not change between runs (a few bytes at most), so each is measured once
// per process, not again for every b.N and -count.
var idleMeasured = map[string][4]float64{}

func idleOnce(b *testing.B, op func(l link) (pair, error)) [4]float64 {
	if m, ok := idleMeasured[b.Name()]; ok {
		return m
	}
	var m [4]float64
	m[0], m[1] = idleBytes(b, op, idleConns, false)
	m[2], m[3] = idleBytes(b, op, idleConns, true)
	idleMeasured[b.Name()] = m
	return m
}

// BenchmarkTLSBulk is one 16 KiB record per op, client to server, on an
// established connection warmed up by warmRecords records first.
func BenchmarkTLSBulk(b *testing.B) {
	msg := pattern(recordSize, 1)
	for _, im := range bulkImpls {
		for _, s := range im.suites {
			b.Run(fmt.Sprintf("impl=%s/suite=%s", im.name, s.name), func(b *testing.B) {
				op := im.start(b, s, nil)
				for range warmRecords {
					if err := op(msg); err != nil {
						b.Fatal(err)
					}
				}
				b.SetBytes(int64(len(msg)))
				b.ReportAllocs()
				b.ResetTimer()
				cpu := cpuclock.Process()
				for range b.N {
					if err := op(msg); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(cpuclock.Process()-cpu)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// warmRecords brings a connection to its steady state: buffers grown,
// crypto/tls past any record-size ramp.
const warmRecords = 16

// pattern is n bytes that differ from record to record in a test.
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
