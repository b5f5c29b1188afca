package wire

import (
	"errors"
	"fmt"
	"testing"
)

func TestErrorStrings(t *testing.T) {
	all := []Error{ErrTruncated, ErrBadVersion, ErrBadHeaderLen, ErrBadLength, ErrBadChecksum, ErrUnsupported, ErrMalformed}
	seen := map[string]Error{}
	for _, e := range all {
		s := e.Error()
		if s == "" || s == Error(0).Error() {
			t.Errorf("Error(%d) has no text of its own: %q", e, s)
		}
		if prev, dup := seen[s]; dup {
			t.Errorf("Error(%d) and Error(%d) share %q", e, prev, s)
		}
		seen[s] = e
	}
	if got := Error(200).Error(); got != "wire: unknown error" {
		t.Errorf("out of range Error = %q", got)
	}
}

func TestErrorsIs(t *testing.T) {
	_, err := NewIPv4Packet([]byte{0x45})
	wrapped := fmt.Errorf("stack: dropping frame: %w", err)
	if !errors.Is(wrapped, ErrTruncated) || errors.Is(wrapped, ErrBadLength) {
		t.Fatalf("errors.Is on %v", wrapped)
	}
	var we Error
	if !errors.As(wrapped, &we) || we != ErrTruncated {
		t.Fatalf("errors.As gave %v", we)
	}
}
