package ringdev

import (
	"errors"
	"fmt"
	"testing"
)

func TestSlots(t *testing.T) {
	for _, c := range []struct{ rx, tx, wantRx, wantTx int }{
		{0, 0, DefaultSlots, DefaultSlots},
		{3, 0, 3, DefaultSlots},
		{0, 7, DefaultSlots, 7},
		{1, 1024, 1, 1024},
	} {
		rx, tx, err := Slots(c.rx, c.tx)
		if err != nil || rx != c.wantRx || tx != c.wantTx {
			t.Errorf("Slots(%d, %d) = %d, %d, %v; want %d, %d", c.rx, c.tx, rx, tx, err, c.wantRx, c.wantTx)
		}
	}
	for _, c := range [][2]int{{-1, 0}, {0, -1}, {-5, 5}} {
		_, _, err := Slots(c[0], c[1])
		if !errors.Is(fmt.Errorf("driver: %w", err), ErrSlots) {
			t.Errorf("Slots(%d, %d): %v, want ErrSlots", c[0], c[1], err)
		}
	}
}

func TestErrorStrings(t *testing.T) {
	seen := map[string]bool{}
	for e := ErrSlots; e <= ErrNoLink; e++ {
		s := e.Error()
		if seen[s] || s == Error(0).Error() {
			t.Errorf("%d: %q is not distinct", e, s)
		}
		seen[s] = true
	}
}
