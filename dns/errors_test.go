package dns

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Every error has its own text, survives wrapping for errors.Is, and costs
// no allocation to report.
func TestErrors(t *testing.T) {
	seen := map[string]Error{}
	for e := ErrNotFound; e <= ErrTCPTooLarge; e++ {
		s := e.Error()
		if !strings.HasPrefix(s, "dns: ") || strings.Contains(s, "unknown") {
			t.Errorf("%d: %q", e, s)
		}
		if other, dup := seen[s]; dup {
			t.Errorf("%d and %d share %q", other, e, s)
		}
		seen[s] = e
		if !errors.Is(fmt.Errorf("lookup x: %w", e), e) {
			t.Errorf("%v lost by wrapping", e)
		}
		if e.Timeout() != (e == ErrTimeout || e == ErrTCPTimeout) {
			t.Errorf("%v: Timeout %v", e, e.Timeout())
		}
		if e.TCP() != strings.HasPrefix(s, "dns: TCP") {
			t.Errorf("%v: TCP %v", e, e.TCP())
		}
	}
	if !ErrServerFailure.Temporary() || ErrNotFound.Temporary() {
		t.Error("Temporary wrong")
	}
	var err error = ErrNotFound
	if n := testing.AllocsPerRun(100, func() { _ = err.Error() }); n != 0 {
		t.Fatalf("%.0f allocations", n)
	}
}
