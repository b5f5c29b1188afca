package mqttbench

import (
	"fmt"
	"testing"
	"time"
)

// TestPublish runs every implementation and QoS for a few thousand
// messages: each run returns only when its messages are finished, and the
// broker must have processed exactly those, with the benchmark's topic and
// payload.
func TestPublish(t *testing.T) {
	for _, im := range impls {
		for _, qos := range []byte{0, 1} {
			t.Run(fmt.Sprintf("impl=%s/qos=%d", im.name, qos), func(t *testing.T) {
				run, b := im.start(t, qos)
				total := 0
				for _, n := range []int{1, window - 1, window, 3*window + 5, 2000} {
					if err := run(n); err != nil {
						t.Fatalf("after %d messages: %v", total, err)
					}
					total += n
					// A QoS 1 PUBACK leaves the broker before it counts the
					// message (mochi acknowledges, then delivers): wait for
					// the count, then check that it is not above.
					if err := b.waitPublished(int64(total), 10*time.Second); err != nil {
						t.Fatal(err)
					}
					if got := b.published.Load(); got != int64(total) {
						t.Fatalf("the broker processed %d messages, want %d", got, total)
					}
				}
				if w := b.wrong.Load(); w != 0 {
					t.Fatalf("%d messages with the wrong topic or payload", w)
				}
			})
		}
	}
}
