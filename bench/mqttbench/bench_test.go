package mqttbench

import (
	"fmt"
	"testing"
)

func BenchmarkMQTTPublish(b *testing.B) {
	for _, im := range impls {
		for _, qos := range []byte{0, 1} {
			b.Run(fmt.Sprintf("impl=%s/qos=%d", im.name, qos), func(b *testing.B) {
				run, _ := im.start(b, qos)
				// Warm up: connections, rings and the broker's buffers.
				if err := run(2 * window); err != nil {
					b.Fatal(err)
				}
				b.SetBytes(payloadSize)
				b.ReportAllocs()
				b.ResetTimer()
				if err := run(b.N); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}
